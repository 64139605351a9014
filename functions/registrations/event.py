"""The event facts: loaded once from event.toml, validated, and asked "is registration open at <now>?".

The MkDocs hook (overrides/hooks/event.py) reads the same file through `load_event`, so the site and
the function can never disagree about a date.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

EVENT_FILE = Path(__file__).with_name("event.toml")

# The machine value of the "another organisation" choice; the invitee then types the name.
OTHER_ORGANISATION = "anders"
OTHER_ORGANISATION_LABEL = "Een andere organisatie"

DUTCH_MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)
DUTCH_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


class EventFileError(ValueError):
    """event.toml is missing a fact or states one that cannot be right."""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Event:
    id: str
    title: str
    subtitle: str
    organiser: str
    signatory: str
    timezone: ZoneInfo
    starts_at: dt.datetime
    ends_at: dt.datetime
    location: str
    last_registration_day: dt.date
    contact_email: str
    retention_days: int
    organisations: tuple[Choice, ...]
    roles: tuple[Choice, ...]

    @property
    def registration_closes_at(self) -> dt.datetime:
        """The first moment registration is closed: midnight after the last registration day, local time."""
        next_day = self.last_registration_day + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time(0, 0), tzinfo=self.timezone)

    def is_registration_open(self, now: dt.datetime) -> bool:
        return now < self.registration_closes_at

    def has_started(self, now: dt.datetime) -> bool:
        return now >= self.starts_at

    @property
    def expires_at(self) -> dt.datetime:
        """When stored registrations may be deleted (DynamoDB TTL): the end plus the retention period."""
        return self.ends_at + dt.timedelta(days=self.retention_days)

    @property
    def organisation_choices(self) -> tuple[Choice, ...]:
        return self.organisations + (Choice(OTHER_ORGANISATION, OTHER_ORGANISATION_LABEL),)

    def organisation_label(self, value: str) -> str | None:
        return next((c.label for c in self.organisations if c.value == value), None)

    def role_label(self, value: str) -> str | None:
        return next((c.label for c in self.roles if c.value == value), None)

    # Dutch wording, shared by the site, the error pages and the emails.
    @property
    def date_text(self) -> str:
        return dutch_date(self.starts_at.date(), weekday=True)

    @property
    def time_text(self) -> str:
        return f"{self.starts_at:%H.%M} tot {self.ends_at:%H.%M} uur"

    @property
    def deadline_text(self) -> str:
        return dutch_date(self.last_registration_day, weekday=True)

    def public_facts(self) -> dict:
        """The facts the public may see, as plain JSON-ready values."""
        return {
            "id": self.id,
            "title": self.title,
            "subtitle": self.subtitle,
            "organiser": self.organiser,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "timezone": self.timezone.key,
            "date_text": self.date_text,
            "time_text": self.time_text,
            "location": self.location,
            "last_registration_day": self.last_registration_day.isoformat(),
            "deadline_text": self.deadline_text,
            "contact_email": self.contact_email,
            "retention_days": self.retention_days,
        }


def dutch_date(day: dt.date, weekday: bool = False) -> str:
    text = f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}"
    return f"{DUTCH_WEEKDAYS[day.weekday()]} {text}" if weekday else text


def _choices(raw: list, what: str) -> tuple[Choice, ...]:
    choices = tuple(Choice(str(item["value"]), str(item["label"])) for item in raw)
    values = [c.value for c in choices]
    if not choices or len(set(values)) != len(values) or OTHER_ORGANISATION in values and what == "organisations":
        raise EventFileError(f"event.toml: {what} must be a non-empty list with unique values")
    return choices


def load_event(path: Path = EVENT_FILE) -> Event:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        tz = ZoneInfo(raw["timezone"])
        day: dt.date = raw["date"]
        event = Event(
            id=raw["id"],
            title=raw["title"],
            subtitle=raw["subtitle"],
            organiser=raw["organiser"],
            signatory=raw["signatory"],
            timezone=tz,
            starts_at=dt.datetime.combine(day, raw["start"], tzinfo=tz),
            ends_at=dt.datetime.combine(day, raw["end"], tzinfo=tz),
            location=raw["location"],
            last_registration_day=raw["last_registration_day"],
            contact_email=raw["contact_email"],
            retention_days=int(raw["retention_days"]),
            organisations=_choices(raw["organisations"], "organisations"),
            roles=_choices(raw["roles"], "roles"),
        )
    except (KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise EventFileError(f"{path}: missing or malformed fact: {exc}") from exc
    if not event.starts_at < event.ends_at:
        raise EventFileError(f"{path}: the meeting must end after it starts")
    if not event.registration_closes_at <= event.starts_at:
        raise EventFileError(f"{path}: registration must close before the meeting starts")
    if event.retention_days <= 0:
        raise EventFileError(f"{path}: retention_days must be positive")
    return event
