"""The meeting as an iCalendar file (RFC 5545), for every email's calendar entry and the "Zet in agenda" download.

Times are written in UTC (form 2 of RFC 5545 §3.3.5), computed from the meeting's facts, so no VTIMEZONE has to be
kept in step with Amsterdam's rules; calendar programs show them in the reader's own time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Literal

from ..meeting import Meeting
from ..registration.item import full_name, parse_time
from ..repository import StoredRegistration
from .composer import Attachment

PRODID = "-//Vereniging van Nederlandse Gemeenten//Aanmelden netwerkbijeenkomst//NL"
LOCATION = "Microsoft Teams (link volgt)"
# The public download; an email's attachment names its own method (RFC 6047 §2.4: the same as METHOD).
CONTENT_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"


def filename(meeting: Meeting) -> str:
    return f"bijeenkomst-{meeting.id}.ics"


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """TEXT values (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    for old, new in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\r\n", "\\n"), ("\n", "\\n"), ("\r", "\\n")):
        value = value.replace(old, new)
    return value


def escape_param(value: str) -> str:
    """A parameter value (e.g. CN): quoted, since names hold commas and brackets; quotes are not allowed in it."""
    return '"' + value.replace('"', "'") + '"'


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1) without splitting a UTF-8 character."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            # Continuation lines start with one space, which counts towards their 75 octets.
            current, size, limit = char, width, 74
        else:
            current += char
            size += width
    out.append(current)
    return "\r\n ".join(out)


# Entries sent before the per-inbox counter carry seconds since this moment as SEQUENCE; the counter starts above it
# (handbook/decisions.md, "The SEQUENCE rule").
SEQUENCE_EPOCH = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
# The item's attributes that record a change the invitee is told about.
CHANGE_TIMES: tuple[Literal["registered_at", "changed_at", "cancelled_at", "followup_sent_at"], ...] = (
    "registered_at",
    "changed_at",
    "cancelled_at",
    "followup_sent_at",
)


def sequence_at(moment: dt.datetime) -> int:
    return max(0, int((moment - SEQUENCE_EPOCH).total_seconds()))


def time_based_sequence(item: StoredRegistration, moment: dt.datetime | None = None) -> int:
    """The SEQUENCE of the time-based rule: the latest change the item records, or `moment` when later. Entries sent
    before the per-inbox counter carry it, so the counter starts above it (sequence_floor)."""
    times = [parse_time(item[key]) for key in CHANGE_TIMES if item.get(key)]
    if moment is not None:
        times.append(moment)
    return sequence_at(max(times)) if times else 0


def sequence_floor(item: StoredRegistration, now: dt.datetime) -> int:
    """The least SEQUENCE the next entry may have: above every time-based one sent until now."""
    return time_based_sequence(item, now) + 1


def event_uid(meeting: Meeting) -> str:
    """One UID per meeting (its VEVENT's), in every attachment and in the public download: adding both gives one
    entry. Its domain is the organiser's (from bijeenkomst.toml), so the function and the staff command write the same
    UID."""
    return f"{meeting.id}@{meeting.contact_email.rpartition('@')[2]}"


def invitation(
    meeting: Meeting,
    item: StoredRegistration,
    organizer: str,
    now: dt.datetime,
    site_url: str = "",
    *,
    teams_link: str = "",
    change_at: dt.datetime | None = None,
    sequence: int | None = None,
    method: str | None = None,
) -> tuple[bytes, str]:
    """The invitee's own calendar object for the registration as it now stands, and its iTIP method.

    REQUEST while registered, CANCEL once cancelled, or `method` when given (a called-off meeting cancels every
    entry, and then says why). `sequence` is the one the deliverer took for this email
    (inboxes.InboxRecords.next_sequence: it rises with every entry the inbox is sent). Without it (previews), the
    time of the latest change the item records, or `change_at` when that is later. DTSTAMP is `now`, when the
    object is made. The Teams link, once sent, stays in every later update.
    """
    if sequence is None:
        sequence = time_based_sequence(item, change_at) or sequence_at(now)
    method = method or ("CANCEL" if item.get("status") == "cancelled" else "REQUEST")
    extra = meeting.cancelled_text if meeting.cancelled and method == "CANCEL" else ""
    calendar = meeting_calendar(
        meeting,
        event_uid(meeting),
        now,
        site_url,
        extra,
        method=method,
        sequence=sequence,
        organizer=organizer,
        attendee=Attendee(full_name(item), str(item["email"])),
        teams_link=teams_link or str(item.get("teams_link", "")),
    )
    return calendar, method


def invitation_attachment(
    meeting: Meeting,
    item: StoredRegistration,
    from_address: str,
    now: dt.datetime,
    site_url: str = "",
    *,
    teams_link: str = "",
    change_at: dt.datetime | None = None,
    sequence: int | None = None,
    method: str | None = None,
) -> Attachment:
    """`invitation` as every email about a registration attaches it, from the mailer's From address."""
    data, method = invitation(
        meeting,
        item,
        parseaddr(from_address)[1],
        now,
        site_url,
        teams_link=teams_link,
        change_at=change_at,
        sequence=sequence,
        method=method,
    )
    return Attachment(
        data,
        filename=filename(meeting),
        maintype="text",
        subtype="calendar",
        params={"charset": "utf-8", "method": method},
    )


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str


def meeting_calendar(
    meeting: Meeting,
    uid: str,
    now: dt.datetime,
    site_url: str = "",
    description_extra: str = "",
    *,
    method: str = "PUBLISH",
    sequence: int = 0,
    organizer: str = "",
    attendee: Attendee | None = None,
    teams_link: str = "",
) -> bytes:
    """The meeting as one VEVENT, in a calendar object of `method`.

    PUBLISH (the public download) names nobody. REQUEST and CANCEL (iTIP, RFC 5546) go to one invitee, who is the
    ATTENDEE. Replies: the invitee's place is already taken (PARTSTAT=ACCEPTED) and no answer is asked (RSVP=FALSE),
    and the ORGANIZER is the sending address, not the contact person, so a calendar program that answers anyway
    does not fill anyone's inbox.
    """
    if method not in ("PUBLISH", "REQUEST", "CANCEL"):
        raise ValueError(f"unknown iTIP method: {method}")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc_stamp(now)}",
        f"DTSTART:{utc_stamp(meeting.starts_at)}",
        f"DTEND:{utc_stamp(meeting.ends_at)}",
        f"SUMMARY:{escape_text(meeting.title)}",
        f"DESCRIPTION:{escape_text(entry_description(meeting, teams_link, description_extra))}",
        f"LOCATION:{escape_text(teams_link or LOCATION)}",
        "STATUS:CANCELLED" if method == "CANCEL" else "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        f"SEQUENCE:{sequence}",
    ]
    lines += _people(meeting, organizer, attendee)
    if site_url:
        lines.append(f"URL:{site_url}/")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")


def _people(meeting: Meeting, organizer: str, attendee: Attendee | None) -> list[str]:
    lines = [f"ORGANIZER;CN={escape_param(meeting.organiser)}:mailto:{organizer}"] if organizer else []
    if attendee is not None:
        lines.append(
            f"ATTENDEE;CN={escape_param(attendee.name)};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:"
            f"mailto:{attendee.email}"
        )
    return lines


def entry_description(meeting: Meeting, teams_link: str = "", extra: str = "") -> str:
    """The entry's text: how to take part (the Teams link, or that it follows), whom to ask, and `extra` (why a
    called-off meeting does not go on)."""
    how = (
        f"Deelnemen via Microsoft Teams: {teams_link}\n"
        if teams_link
        else "De vergaderlink voor Microsoft Teams en de stukken krijgt u later per e-mail.\n"
    )
    text = (
        f"{meeting.title}: {meeting.subtitle}.\n"
        + how
        + "Log bij Teams in met hetzelfde e-mailadres waarmee u zich hebt aangemeld.\n"
        f"Vragen? Mail naar {meeting.contact_email}."
    )
    return text + "\n" + extra if extra else text
