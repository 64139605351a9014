"""A change to the meeting that calendars show (date, start, end, place, called off), and its announcement.

What a registrant was last sent is on their item (`meeting_facts`, written when the registration is made and when a
change email is settled); an item from before this existed was sent SENT_BEFORE, the letter's facts, which are
today's. So deploying this code mails no one.

Nothing is mailed because a deploy changed bijeenkomst.toml. A change is mailed only once it is *announced*: a confirmed
announcement item in the table (partition `announcements`, through the repository), written by the deploy step
(deploy/announce.py) after the person deploying has seen old -> new and the number of registrants, or by `make run`
at its start. The deliverer's meeting channel owes a change email only while the deployed facts are the announced
ones: a rollback before the confirmation finds nothing announced that differs, and mails nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from ..meeting import Meeting
from ..registration.calendar_facts import SENT_BEFORE, CalendarFacts, facts_of, last_sent
from ..registration.item import is_active, local_iso
from ..repository import AnnouncementItem, RegistrationRepository, StoredRegistration
from .ses_events import UNREACHABLE

ANNOUNCEMENTS_PARTITION = "announcements"


class AnnouncedMeanwhile(RuntimeError):
    """Another deploy step announced a version first: look at the plan again."""


@dataclass(frozen=True)
class Announcement:
    """A confirmed change of the meeting: from now on every active registrant whose last facts differ owes it."""

    event_id: str
    version: int
    facts: CalendarFacts
    confirmed_at: str
    reach: int

    @property
    def owed_id(self) -> str:
        return f"{self.version}:{self.facts.fingerprint}"


def _sort_key(event_id: str, version: int) -> str:
    return f"{event_id}#meeting#{version:06d}"


def announcements(repository: RegistrationRepository, event_id: str) -> list[Announcement]:
    """Every confirmed announcement of the meeting, oldest first."""
    found = []
    for item in repository.with_prefix(ANNOUNCEMENTS_PARTITION, f"{event_id}#meeting#", AnnouncementItem):
        found.append(
            Announcement(
                event_id,
                int(item["version"]),
                CalendarFacts.from_map(item["facts"]),
                str(item.get("confirmed_at", "")),
                int(item.get("reach", 0)),
            )
        )
    return sorted(found, key=lambda a: a.version)


def current(repository: RegistrationRepository, event_id: str) -> Announcement | None:
    found = announcements(repository, event_id)
    return found[-1] if found else None


def hears_of_changes(item: StoredRegistration) -> bool:
    """A registration that hears about the meeting's changes: active, and mail reaches it."""
    return is_active(item) and item.get("email_status") not in UNREACHABLE


def owes_change(item: StoredRegistration, facts: CalendarFacts) -> bool:
    return hears_of_changes(item) and last_sent(item) != facts


@dataclass(frozen=True)
class Plan:
    """What the deploy step shows before it asks: the facts last announced (or SENT_BEFORE), the deployed ones,
    and how many active registrants were last sent other facts."""

    old: CalendarFacts
    new: CalendarFacts
    reach: int
    version: int

    @property
    def needed(self) -> bool:
        """A confirmation is asked only when the deployed facts are not the announced ones."""
        return self.old != self.new


def plan(
    repository: RegistrationRepository, meeting: Meeting, items: Iterable[StoredRegistration] | None = None
) -> Plan:
    latest = current(repository, meeting.id)
    new = facts_of(meeting)
    rows = repository.for_event(meeting.id) if items is None else items
    reach = sum(1 for item in rows if owes_change(item, new))
    return Plan(latest.facts if latest else SENT_BEFORE, new, reach, latest.version if latest else 0)


def announce(repository: RegistrationRepository, meeting: Meeting, confirmed: Plan, now: dt.datetime) -> Announcement:
    """Record the confirmed change (a new version), and move what hangs on the date: every item's TTL."""
    announcement = Announcement(
        meeting.id, confirmed.version + 1, confirmed.new, local_iso(now, meeting), confirmed.reach
    )
    stored = repository.put_new(
        {
            "event": ANNOUNCEMENTS_PARTITION,
            "email": _sort_key(meeting.id, announcement.version),
            "version": announcement.version,
            "facts": announcement.facts.as_map(),
            "confirmed_at": announcement.confirmed_at,
            "reach": announcement.reach,
        }
    )
    if not stored:
        raise AnnouncedMeanwhile()
    expires = int(meeting.expires_at.timestamp())
    for item in repository.for_event(meeting.id):
        if item.get("expires_at") != expires:
            repository.set_expiry(meeting.id, str(item["email"]), expires)
    return announcement
