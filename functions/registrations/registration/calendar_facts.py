"""The facts a calendar entry of the meeting shows (date, start, end, place, called off), and what changed.

A registrant's item records the facts of the last calendar entry they were sent (`meeting_facts`: written with the
new registration, and when a change email is settled). An item without it was sent SENT_BEFORE, the letter's
facts, which bijeenkomst.toml states too: such an item owes no change email until the facts change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..meeting import dutch_date
from ..repository.items import AnnouncedFacts, StoredRegistration

if TYPE_CHECKING:
    from ..meeting import Meeting


CANCELLED, GOES_AHEAD = "gaat niet door", "gaat door"


@dataclass(frozen=True)
class CalendarFacts:
    """What a calendar entry of the meeting shows; times as HH:MM in the meeting's own zone."""

    date: str
    start: str
    end: str
    place: str
    cancelled: bool = False

    def as_map(self) -> AnnouncedFacts:
        return {
            "date": self.date,
            "start": self.start,
            "end": self.end,
            "place": self.place,
            "cancelled": self.cancelled,
        }

    @classmethod
    def from_map(cls, value: AnnouncedFacts) -> CalendarFacts:
        return cls(
            str(value.get("date", "")),
            str(value.get("start", "")),
            str(value.get("end", "")),
            str(value.get("place", "")),
            bool(value.get("cancelled", False)),
        )

    def as_text(self) -> str:
        """As the item stores it: flat and readable in the console, "2023-06-07|13:30|15:00|<place>|gaat door"."""
        return "|".join((self.date, self.start, self.end, self.place, CANCELLED if self.cancelled else GOES_AHEAD))

    @classmethod
    def from_text(cls, text: str) -> CalendarFacts | None:
        """The facts as_text wrote; None for anything else."""
        head = text.split("|", 3)
        if len(head) != 4:
            return None
        place, _, state = head[3].rpartition("|")
        if state not in (CANCELLED, GOES_AHEAD):
            return None
        return cls(head[0], head[1], head[2], place, state == CANCELLED)

    @property
    def fingerprint(self) -> str:
        canonical = json.dumps(self.as_map(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    # Dutch wording, as the emails and the deploy step show it.
    @property
    def date_text(self) -> str:
        return dutch_date(dt.date.fromisoformat(self.date), weekday=True)

    @property
    def time_text(self) -> str:
        return f"{self.start.replace(':', '.')} tot {self.end.replace(':', '.')} uur"


# What an item without `meeting_facts` was sent: the facts of the invitation letter.
SENT_BEFORE = CalendarFacts("2023-06-07", "13:30", "15:00", "Online, via Microsoft Teams")


def facts_of(meeting: Meeting) -> CalendarFacts:
    return CalendarFacts(
        meeting.starts_at.date().isoformat(),
        f"{meeting.starts_at:%H:%M}",
        f"{meeting.ends_at:%H:%M}",
        meeting.location,
        meeting.cancelled,
    )


def last_sent(item: StoredRegistration) -> CalendarFacts:
    """The facts of the last calendar entry this registrant was sent."""
    value = item.get("meeting_facts")
    facts = CalendarFacts.from_text(value) if isinstance(value, str) else None
    return facts or SENT_BEFORE


@dataclass(frozen=True)
class Change:
    what: str
    old: str
    new: str


def changes(old: CalendarFacts, new: CalendarFacts) -> list[Change]:
    """What changed, in plain Dutch, old -> new (calling off is a change of its own)."""
    found = []
    if old.date != new.date:
        found.append(Change("Datum", old.date_text, new.date_text))
    if (old.start, old.end) != (new.start, new.end):
        found.append(Change("Tijd", old.time_text, new.time_text))
    if old.place != new.place:
        found.append(Change("Waar", old.place, new.place))
    if old.cancelled != new.cancelled:
        found.append(Change("Gaat door", "ja" if not old.cancelled else "nee", "ja" if not new.cancelled else "nee"))
    return found
