"""Which reminder a registration owes at a moment, derived from the item and the meeting's facts alone.

- Only the latest reminder whose moment has come, and only before the meeting starts. A reminder missed while
  nothing ran (an outage, a deploy) is still owed until the start; when a later one is due too, only the later
  one is sent (the day-before reminder is never sent after the hour-before one has come due).
- Never to a cancelled registration, nor to an address SES cannot deliver to (ses_events.UNREACHABLE: the last
  delivery status is bounced, complained or rejected).
- Not to someone who registered, or received the Teams link, less than an hour before that reminder's moment:
  what they just got says it all.
- Each reminder once: the deliverer's slot records the one last settled (`reminder_mail_done`), named by its moment,
  so a moved meeting (whose reminders move with it) owes them anew, and an earlier one is never owed after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from ..meeting import Meeting, Reminder
from ..registration.item import is_active, parse_time
from ..repository import RegistrationAttributes, StoredRegistration
from ..repository.statuses import SendState
from .ses_events import UNREACHABLE

KIND = "reminder"
OWED_PREFIX = "reminder:"
# Who registered, or got the Teams link, this shortly before a reminder's moment is not reminded.
TOO_RECENT = dt.timedelta(hours=1)
# When the Teams link reached the registrant: the deliverer's follow-up slot, or the records of the staff command.
TEAMS_LINK_SENT = ("followup_mail_sent_at", "followup_sent_at")
DONE: Final = "reminder_mail_done"
SENT_LIST: Final = "reminders_sent"


def owed_id(reminder: Reminder) -> str:
    return OWED_PREFIX + reminder.key


def due(meeting: Meeting, now: dt.datetime) -> Reminder | None:
    """The latest reminder whose moment has come, while the meeting has not started."""
    if meeting.cancelled or meeting.has_started(now):
        return None
    passed = [r for r in meeting.reminders if r.moment <= now]
    return passed[-1] if passed else None


def _settled_moment(item: StoredRegistration) -> dt.datetime | None:
    done = str(item.get(DONE, ""))
    if not done.startswith(OWED_PREFIX):
        return None
    return parse_time(done.removeprefix(OWED_PREFIX))


def reachable(item: StoredRegistration) -> bool:
    """Active, and mail reaches it: whom reminders go to."""
    return is_active(item) and item.get("email_status") not in UNREACHABLE


def too_recent(item: StoredRegistration, reminder: Reminder) -> bool:
    """Registered, or got the Teams link, less than an hour before the reminder's moment."""
    since = reminder.moment - TOO_RECENT
    stamps = [item.get("registered_at")] + [item.get(name) for name in TEAMS_LINK_SENT]
    return any(parse_time(stamp) > since for stamp in stamps if stamp)


def owed(item: StoredRegistration, meeting: Meeting, now: dt.datetime) -> Reminder | None:
    """The reminder this registration owes now, or None."""
    reminder = due(meeting, now)
    if reminder is None or not reachable(item) or too_recent(item, reminder):
        return None
    settled = _settled_moment(item)
    if settled is not None and settled >= reminder.moment:
        return None
    return reminder


def sent_keys(item: StoredRegistration) -> list[str]:
    """The reminders this registration was sent, by their moment (Reminder.key)."""
    return [key for key in str(item.get(SENT_LIST, "")).split(", ") if key]


def recorded(item: StoredRegistration, reminder: Reminder, status: str) -> RegistrationAttributes:
    """What a settled reminder writes besides the slot: the list of those sent, for the summary and spreadsheet."""
    if status != SendState.SENT:
        return {}
    return {SENT_LIST: ", ".join([*sent_keys(item), reminder.key])}


@dataclass(frozen=True)
class Upcoming:
    reminder: Reminder
    reach: int


def upcoming(items: Iterable[StoredRegistration], meeting: Meeting, now: dt.datetime) -> Upcoming | None:
    """The next reminder still to go out (the one due now counts, until it is sent), and how many it will reach
    if nobody registers or cancels meanwhile."""
    if meeting.cancelled or meeting.has_started(now):
        return None
    current = due(meeting, now)
    later = [r for r in meeting.reminders if r.moment > now]
    rows = list(items)
    for reminder in ([current] if current else []) + later:
        reach = sum(1 for item in rows if owed(item, meeting, max(now, reminder.moment)) == reminder)
        if reminder is not current or reach:
            return Upcoming(reminder, reach)
    return None
