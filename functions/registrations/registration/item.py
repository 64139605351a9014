"""The pure functions that build and read a stored registration; its TypedDict is the repository's
(repository/items.py), so that both sides of the door check the same attributes."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from ..meeting import OTHER_ORGANISATION, Meeting
from ..repository.items import RegistrationAttributes, StoredRegistration
from ..repository.statuses import RegistrationStatus
from .calendar_facts import facts_of
from .validation import RegistrationInput

# The emails a registration can owe. Each state change that a person should hear about owes one.
MAIL_KINDS = ("confirmation", "link", "change", "cancellation")
# Every request write that owes mail clears the deliverer's record of the previous one; the stream's filter wakes the
# deliverer only for items without mail_status, so its own bookkeeping writes never wake it.
MAIL_RESETS = ("mail_status", "mail_status_at", "mail_kind", "mail_attempts", "mail_retry_at")


# What a person may change through the personal link: everything they typed, except the address (the key).
Changeable = Literal[
    "given_name",
    "family_name",
    "organisation",
    "organisation_code",
    "role",
    "role_code",
    "on_behalf_of",
    "remark",
]
CHANGEABLE: Final[tuple[Changeable, ...]] = get_args(Changeable)


def is_active(item: Mapping[str, object]) -> bool:
    """The one definition of an active registration: registered, not cancelled. Every stored item has a status
    (new_item), so an empty mapping (no registration) is not active. (Rules that also ask whether mail
    reaches the person build on it: delivery/reminders.reachable, delivery/meeting_changes.hears_of_changes.)"""
    return bool(item.get("status") == RegistrationStatus.REGISTERED)


def full_name(item: Mapping[str, object]) -> str:
    """Given and family name as one reads them in an address line or a calendar entry ("" when both are empty)."""
    return " ".join(str(item.get(key, "")).strip() for key in ("given_name", "family_name")).strip()


def local_iso(moment: dt.datetime, meeting: Meeting) -> str:
    """A time people can read in a CSV: Amsterdam time with its offset, to the second."""
    return moment.astimezone(meeting.timezone).replace(microsecond=0).isoformat()


def read_time(text: Any) -> dt.datetime | None:
    """A stored time (ISO 8601; one without an offset is UTC), or None when there is none or it cannot be read.
    The one reader of stored times: the callers below decide what a missing one means."""
    if not text or not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_time(text: Any) -> dt.datetime:
    """A stored time; an unreadable one counts as long ago, so it never blocks an email for ever."""
    return read_time(text) or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class NewIds:
    """The random ids a new registration carries. The caller makes them (NewIds.make()), so new_item is pure."""

    # New for every request: a put retried by botocore that meets its own earlier attempt knows it by this.
    submission: str
    # What the personal link names (registration/personal_link.py).
    registration: str
    # The state change that owes the confirmation (delivery/deliverer.py).
    owed: str

    @classmethod
    def make(cls) -> NewIds:
        return cls(uuid.uuid4().hex, new_registration_id(), uuid.uuid4().hex)


def new_item(data: RegistrationInput, meeting: Meeting, now: dt.datetime, ids: NewIds) -> StoredRegistration:
    """The item a new registration is stored as: a pure function of its arguments."""
    is_other = data.organisation == OTHER_ORGANISATION
    return {
        "event": meeting.id,
        "email": data.email,
        "given_name": data.given_name,
        "family_name": data.family_name,
        "organisation": data.organisation_other if is_other else meeting.organisation_label(data.organisation) or "",
        "organisation_code": data.organisation,
        "role": meeting.role_label(data.role) or "",
        "role_code": data.role,
        "on_behalf_of": data.on_behalf_of,
        "remark": data.remark,
        "status": RegistrationStatus.REGISTERED,
        "registered_at": local_iso(now, meeting),
        "consent_at": local_iso(now, meeting),
        "expires_at": int(meeting.expires_at.timestamp()),
        "submission_id": ids.submission,
        "registration_id": ids.registration,
        "link_version": 1,
        # The confirmation carries the meeting as the deployed facts state it.
        "meeting_facts": facts_of(meeting).as_text(),
        **owed_mail("confirmation", now, meeting, ids.owed),
    }


def new_registration_id() -> str:
    """The id a personal link names: random, so it says nothing about the person and cannot be guessed."""
    return secrets.token_urlsafe(16)


def owed_mail(kind: str, now: dt.datetime, meeting: Meeting, owed_id: str | None = None) -> RegistrationAttributes:
    """What a request writes to say that an email of `kind` is owed for this state change (a new id unless given)."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown kind of email: {kind}")
    return {"mail_owed": kind, "mail_owed_id": owed_id or uuid.uuid4().hex, "mail_owed_at": local_iso(now, meeting)}


def changes_from(data: RegistrationInput, meeting: Meeting, now: dt.datetime) -> RegistrationAttributes:
    """What a change through the personal link writes: the changeable attributes, and when."""
    fresh = new_item(data, meeting, now, NewIds("", "", ""))
    changes: RegistrationAttributes = {"changed_at": local_iso(now, meeting), **owed_mail("change", now, meeting)}
    for key in CHANGEABLE:
        changes[key] = fresh[key]
    return changes


def public_registration(item: StoredRegistration) -> dict[str, Any]:
    """What the API shows back to the person who registered (no internal attributes)."""
    keys = (
        "given_name",
        "family_name",
        "email",
        "organisation",
        "organisation_code",
        "role",
        "role_code",
        "on_behalf_of",
        "remark",
        "status",
        "registered_at",
    )
    return {k: item.get(k, "") for k in keys}
