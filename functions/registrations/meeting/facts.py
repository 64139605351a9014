"""The meeting's facts (`Meeting`) and what follows from them: is registration open at <now>, when stored
registrations expire, the labels of the choices, and the Dutch wording of the date and time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .dutch import dutch_date
from .schedule import Reminder

# The machine value of the "another organisation" choice; the invitee then types the name.
OTHER_ORGANISATION = "anders"
OTHER_ORGANISATION_LABEL = "Een andere organisatie"

# Facts only VNG can supply, for the privacy and accessibility statements: empty in gedeeld.toml until then. The
# local build shows each one marked with its label; `make publish` refuses while any is empty.
PENDING_FACTS = {
    "data_protection_officer_email": "e-mailadres van de functionaris gegevensbescherming van de VNG",
    "accessibility_statement_date": "datum waarop de VNG deze verklaring heeft vastgesteld",
    "accessibility_audit_date": "datum van het geplande onafhankelijke onderzoek (WCAG-EM)",
    "accessibility_register_url": "adres van deze verklaring in het register van toegankelijkheidsverklaringen",
}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Meeting:
    """One meeting, as its folder's bijeenkomst.toml states it (loading.py reads and checks the file)."""

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
    # When the reminders go out, in time order (schedule.py).
    reminders: tuple[Reminder, ...] = ()
    # The meeting is called off: the site and the function say so, and registration closes.
    cancelled: bool = False
    cancelled_reason: str = ""
    # The addresses of before there were several meetings (/aanmelden/, /achtergrond/) lead to this meeting.
    old_addresses: bool = False
    # The PENDING_FACTS: None while VNG has not supplied them.
    data_protection_officer_email: str | None = None
    accessibility_statement_date: dt.date | None = None
    accessibility_audit_date: dt.date | None = None
    accessibility_register_url: str | None = None

    def missing_facts(self) -> list[str]:
        """The PENDING_FACTS keys still empty (in gedeeld.toml)."""
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
