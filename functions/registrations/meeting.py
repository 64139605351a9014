"""The meeting's facts: loaded once from event.toml, validated, and asked "is registration open at <now>?".

The MkDocs hook (overrides/hooks/event.py) reads the same file through `load_meeting`, so the site and
the function can never disagree about a date.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .meeting_schedule import Reminder, ReminderError, load_reminders

EVENT_FILE = Path(__file__).with_name("event.toml")

# The machine value of the "another organisation" choice; the invitee then types the name.
OTHER_ORGANISATION = "anders"
OTHER_ORGANISATION_LABEL = "Een andere organisatie"

# Facts only VNG can supply, for the privacy and accessibility statements: empty in event.toml until then. The
# local build shows each one marked with its label; `make publish` refuses while any is empty.
PENDING_FACTS = {
    "data_protection_officer_email": "e-mailadres van de functionaris gegevensbescherming van de VNG",
    "accessibility_statement_date": "datum waarop de VNG deze verklaring heeft vastgesteld",
    "accessibility_audit_date": "datum van het geplande onafhankelijke onderzoek (WCAG-EM)",
    "accessibility_register_url": "adres van deze verklaring in het register van toegankelijkheidsverklaringen",
}

DUTCH_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
DUTCH_WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


class EventFileError(ValueError):
    """event.toml is missing a fact or states one that cannot be right."""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Meeting:
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
    # The date of the invitation letter: no reminder may fall before it.
    letter_date: dt.date = dt.date(2023, 4, 6)
    # When the reminders go out, in time order (meeting_schedule.py).
    reminders: tuple[Reminder, ...] = ()
    # The meeting is called off: the site and the function say so, and registration closes.
    cancelled: bool = False
    cancelled_reason: str = ""
    # The PENDING_FACTS: None while VNG has not supplied them.
    data_protection_officer_email: str | None = None
    accessibility_statement_date: dt.date | None = None
    accessibility_audit_date: dt.date | None = None
    accessibility_register_url: str | None = None

    def missing_facts(self) -> list[str]:
        """The PENDING_FACTS keys still empty in event.toml."""
        return [key for key in PENDING_FACTS if getattr(self, key) is None]

    @property
    def registration_closes_at(self) -> dt.datetime:
        """The first moment registration is closed: midnight after the last registration day, local time."""
        next_day = self.last_registration_day + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time(0, 0), tzinfo=self.timezone)

    def is_registration_open(self, now: dt.datetime) -> bool:
        return not self.cancelled and now < self.registration_closes_at

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

    def public_facts(self) -> dict[str, Any]:
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
            "cancelled": self.cancelled,
            "cancelled_reason": self.cancelled_reason,
            "cancelled_text": self.cancelled_text,
        }

    @property
    def cancelled_text(self) -> str:
        """The plain statement that the meeting is called off, with its reason; "" while it takes place."""
        if not self.cancelled:
            return ""
        return (
            f"De {self.title[:1].lower() + self.title[1:]} van {self.date_text} gaat niet door. {self.cancelled_reason}"
        )


def dutch_date(day: dt.date, weekday: bool = False) -> str:
    text = f"{day.day} {DUTCH_MONTHS[day.month - 1]} {day.year}"
    return f"{DUTCH_WEEKDAYS[day.weekday()]} {text}" if weekday else text


def _choices(raw: list[dict[str, Any]], what: str) -> tuple[Choice, ...]:
    choices = tuple(Choice(str(item["value"]), str(item["label"])) for item in raw)
    values = [c.value for c in choices]
    if not choices or len(set(values)) != len(values) or OTHER_ORGANISATION in values and what == "organisations":
        raise EventFileError(f"event.toml: {what} must be a non-empty list with unique values")
    return choices


def _pending_text(raw: dict[str, Any], key: str) -> str | None:
    """A pending fact: "" (or left out) while unknown, else text."""
    value = raw.get(key, "")
    if value == "":
        return None
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"{key} must be empty or a text")
    return value


def _pending_date(raw: dict[str, Any], key: str) -> dt.date | None:
    """A pending fact: "" (or left out) while unknown, else a TOML date."""
    value = raw.get(key, "")
    if value == "":
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise TypeError(f"{key} must be empty or a date (2023-05-01)")
    return value


MAX_REASON_LENGTH = 300


def _cancellation(raw: dict[str, Any]) -> tuple[bool, str]:
    """`cancelled = true` needs a short reason (`cancelled_reason`), which every notice shows."""
    cancelled = raw.get("cancelled", False)
    if not isinstance(cancelled, bool):
        raise EventFileError("cancelled: must be true or false")
    reason = raw.get("cancelled_reason", "")
    if not isinstance(reason, str):
        raise EventFileError("cancelled_reason: must be a text")
    reason = " ".join(reason.split())
    if cancelled and not reason:
        raise EventFileError("cancelled_reason: a cancelled meeting needs a short reason, which the notices show")
    if len(reason) > MAX_REASON_LENGTH:
        raise EventFileError(f"cancelled_reason: at most {MAX_REASON_LENGTH} characters")
    if reason and not reason.endswith((".", "!", "?")):
        reason += "."
    return cancelled, reason if cancelled else ""


def load_meeting(path: Path = EVENT_FILE) -> Meeting:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        tz = ZoneInfo(raw["timezone"])
        day: dt.date = raw["date"]
        starts_at = dt.datetime.combine(day, raw["start"], tzinfo=tz)
        letter_date: dt.date = raw["letter_date"]
        if not isinstance(letter_date, dt.date) or isinstance(letter_date, dt.datetime):
            raise TypeError("letter_date must be a date (2023-04-06)")
        cancelled, reason = _cancellation(raw)
        event = Meeting(
            id=raw["id"],
            title=raw["title"],
            subtitle=raw["subtitle"],
            organiser=raw["organiser"],
            signatory=raw["signatory"],
            timezone=tz,
            starts_at=starts_at,
            ends_at=dt.datetime.combine(day, raw["end"], tzinfo=tz),
            location=raw["location"],
            last_registration_day=raw["last_registration_day"],
            contact_email=raw["contact_email"],
            retention_days=int(raw["retention_days"]),
            organisations=_choices(raw["organisations"], "organisations"),
            roles=_choices(raw["roles"], "roles"),
            data_protection_officer_email=_pending_text(raw, "data_protection_officer_email"),
            accessibility_statement_date=_pending_date(raw, "accessibility_statement_date"),
            accessibility_audit_date=_pending_date(raw, "accessibility_audit_date"),
            accessibility_register_url=_pending_text(raw, "accessibility_register_url"),
            letter_date=letter_date,
            reminders=load_reminders(raw, starts_at, letter_date, tz),
            cancelled=cancelled,
            cancelled_reason=reason,
        )
    except ReminderError as exc:
        raise EventFileError(f"{path}: {exc}") from exc
    except EventFileError as exc:
        raise EventFileError(f"{path}: {exc}") from exc
    except (KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise EventFileError(f"{path}: missing or malformed fact: {exc}") from exc
    if not event.starts_at < event.ends_at:
        raise EventFileError(f"{path}: the meeting must end after it starts")
    if not event.registration_closes_at <= event.starts_at:
        raise EventFileError(f"{path}: registration must close before the meeting starts")
    if event.retention_days <= 0:
        raise EventFileError(f"{path}: retention_days must be positive")
    if event.data_protection_officer_email is not None and "@" not in event.data_protection_officer_email:
        raise EventFileError(f"{path}: data_protection_officer_email must be an email address")
    if event.accessibility_register_url is not None and not event.accessibility_register_url.startswith("https://"):
        raise EventFileError(f"{path}: accessibility_register_url must start with https://")
    return event
