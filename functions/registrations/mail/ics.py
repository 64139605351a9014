"""The meeting as an iCalendar file (RFC 5545), for the confirmation email and the "Zet in agenda" download.

Times are written in UTC (form 2 of RFC 5545 §3.3.5), computed from the event facts, so no VTIMEZONE has to be
kept in step with Amsterdam's rules; calendar programs show them in the reader's own time zone.
"""

from __future__ import annotations

import datetime as dt

from ..event import Event

PRODID = "-//Vereniging van Nederlandse Gemeenten//Aanmelden netwerkbijeenkomst//NL"
LOCATION = "Microsoft Teams (link volgt)"
CONTENT_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"


def filename(event: Event) -> str:
    return f"bijeenkomst-{event.id}.ics"


def uid_domain(site_url: str) -> str:
    """The right-hand side of a UID (RFC 5545 §3.8.4.7 suggests a domain): the site's host."""
    host = site_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host or "localhost"


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """TEXT values (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


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


def event_calendar(event: Event, uid: str, now: dt.datetime, site_url: str = "", description_extra: str = "") -> bytes:
    """One VEVENT for the meeting. `uid` must stay the same for the same registration, so a calendar program
    updates the appointment instead of adding it twice."""
    description = (
        f"{event.title}: {event.subtitle}.\n"
        "De vergaderlink voor Microsoft Teams en de stukken krijgt u later per e-mail.\n"
        "Log bij Teams in met hetzelfde e-mailadres waarmee u zich hebt aangemeld.\n"
        f"Vragen? Mail naar {event.contact_email}."
    )
    if description_extra:
        description += "\n" + description_extra
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc_stamp(now)}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SUMMARY:{escape_text(event.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"LOCATION:{escape_text(LOCATION)}",
        f"ORGANIZER;CN={escape_param(event.organiser)}:mailto:{event.contact_email}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        "SEQUENCE:0",
    ]
    if site_url:
        lines.append(f"URL:{site_url}/")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
