"""The reminder times of bijeenkomst.toml (`reminders`): read, checked against the meeting, and their defaults.

A reminder is written relative to the start, so that it moves with the meeting: "1 day before at 10:00" (a clock
time on a day before the meeting) or "1 hour before" / "30 minutes before". A TOML date-time (2023-06-06T10:00:00,
in the meeting's time zone) fixes a moment instead. Left out, the key means DEFAULT_REMINDERS; `reminders = []`
means none. Every problem raises ReminderError with a message that names the key (`reminders[1]`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .dutch import DUTCH_MONTHS

# The day before at 10:00, and one hour before the start.
DEFAULT_REMINDERS = ("1 day before at 10:00", "1 hour before")
_DAYS = re.compile(r"^(\d{1,2}) days? before at ([01]\d|2[0-3]):([0-5]\d)$")
_HOURS = re.compile(r"^(\d{1,3}) (hours?|minutes?) before$")
FORMAT_HELP = (
    'write "<n> day(s) before at HH:MM", "<n> hour(s) before", "<n> minutes before" or a date-time '
    "such as 2023-06-06T10:00:00"
)


class ReminderError(ValueError):
    """A reminder time that cannot be right; the message names the key."""


@dataclass(frozen=True)
class Reminder:
    """One reminder: when it goes out, and how bijeenkomst.toml wrote it."""

    moment: dt.datetime
    spec: str

    @property
    def key(self) -> str:
        """Names this reminder in the deliverer's records: its moment, so a moved meeting owes it anew."""
        return self.moment.isoformat(timespec="minutes")

    @property
    def label(self) -> str:
        """How staff read it: "6 juni 10.00 uur"."""
        day = self.moment
        return f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day:%H.%M} uur"


def _moment(value: Any, key: str, starts_at: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=tz)
    if not isinstance(value, str):
        raise ReminderError(f"{key}: wrong format ({value!r}); {FORMAT_HELP}")
    text = " ".join(value.split()).lower()
    days = _DAYS.match(text)
    if days:
        day = starts_at.date() - dt.timedelta(days=int(days.group(1)))
        at = dt.time(int(days.group(2)), int(days.group(3)))
        return dt.datetime.combine(day, at, tzinfo=tz)
    hours = _HOURS.match(text)
    if hours:
        amount = int(hours.group(1))
        step = dt.timedelta(hours=amount) if hours.group(2).startswith("hour") else dt.timedelta(minutes=amount)
        # In wall-clock time of the meeting's zone, as a person reads "an hour before".
        return (starts_at - step).astimezone(tz)
    raise ReminderError(f"{key}: wrong format ({value!r}); {FORMAT_HELP}")


def load_reminders(
    raw: dict[str, Any], starts_at: dt.datetime, letter_date: dt.date, tz: ZoneInfo
) -> tuple[Reminder, ...]:
    """The reminders of the event file `raw`, in time order."""
    values = raw.get("reminders", list(DEFAULT_REMINDERS))
    if not isinstance(values, list):
        raise ReminderError(f"reminders: must be a list (for none: reminders = []); {FORMAT_HELP}")
    reminders: list[Reminder] = []
    seen: dict[dt.datetime, str] = {}
    for index, value in enumerate(values):
        key = f"reminders[{index}]"
        moment = _moment(value, key, starts_at, tz)
        spec = value if isinstance(value, str) else value.isoformat()
        if moment >= starts_at:
            raise ReminderError(
                f"{key} ({spec}): falls at or after the start of the meeting ({starts_at:%Y-%m-%d %H:%M})"
            )
        if moment.date() < letter_date:
            raise ReminderError(f"{key} ({spec}): falls before the date of the letter ({letter_date.isoformat()})")
        instant = moment.astimezone(dt.UTC)
        if instant in seen:
            raise ReminderError(f"{key} ({spec}): at the same moment as {seen[instant]}")
        seen[instant] = key
        reminders.append(Reminder(moment, spec))
    return tuple(sorted(reminders, key=lambda r: r.moment))
