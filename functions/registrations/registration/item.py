"""The stored registration: its attributes as a TypedDict, and the pure functions that build and read items.

Items are flat, with attribute names a person understands at a glance, because staff read them in the AWS console
and download them as CSV. STAFF.md, section 2, explains every attribute; a test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from ..meeting import OTHER_ORGANISATION, Meeting
from .calendar_facts import facts_of
from .validation import RegistrationInput


class Registration(TypedDict, total=False):
    """One registration as DynamoDB holds it (key: event, email). Times are ISO 8601 in Dutch time."""

    event: str
    email: str
    given_name: str
    family_name: str
    organisation: str
    organisation_code: str
    role: str
    role_code: str
    on_behalf_of: str
    remark: str
    status: str  # "registered" or "cancelled"
    registered_at: str
    consent_at: str
    expires_at: int  # DynamoDB's TTL attribute: seconds since the epoch
    submission_id: str
    registration_id: (
        str  # random, new for every registration; the personal link names it (registration/personal_link.py)
    )
    link_version: int  # raised to revoke every link sent so far
    cancelled_at: str
    cancelled_by: str  # "staff" when staff cancelled it on the person's behalf (registrations cancel)
    changed_at: str
    # The facts of the last calendar entry sent (registration/calendar_facts.py): date|start|end|place|gaat (niet) door.
    meeting_facts: str
    # The reminders sent, by their moment (meeting.Reminder.key), oldest first, separated by ", ".
    reminders_sent: str
    # The mail this registration owes, and the deliverer's record of it (delivery/deliverer.py, delivery/slots.py).
    mail_owed: str  # one of MAIL_KINDS; absent when nothing is owed
    mail_owed_id: str  # new for every state change that owes mail
    mail_owed_at: str
    mail_status: str  # the deliverer's last step, a statuses.SendState value
    mail_status_at: str
    mail_kind: str  # the kind of email that mail_status is about
    mail_claim: str  # the claim id of the last send; also the SES message tag
    mail_claim_for: str  # the mail_owed_id being sent right now
    mail_claimed_at: str
    mail_attempts: int
    mail_retry_at: str
    mail_sent_at: str
    mail_message_id: str
    mail_sending_at: str  # written just before the sender is called (delivery/slots.py)
    mail_failure: str  # why a failed email failed (an exception's name)
    # The follow-up (delivery/followup.py): the version received, and its slot (delivery/slots.py, prefix followup_mail_).
    followup_version: int
    teams_link: str
    followup_mail_done: str
    followup_mail_status: str
    followup_mail_status_at: str
    followup_mail_kind: str
    followup_mail_claim: str
    followup_mail_claim_for: str
    followup_mail_claimed_at: str
    followup_mail_sending_at: str
    followup_mail_attempts: int
    followup_mail_retry_at: str
    followup_mail_sent_at: str
    followup_mail_message_id: str
    followup_mail_failure: str
    # Never written now, only kept as items stored by earlier versions hold them: the deliverer reads
    # confirmation_status, and followup_sent_at counts as the follow-up's first version; the others are not read.
    confirmation_status: str  # "pending", "sent" or "failed"
    confirmation_at: str
    link_sent_at: str
    followup_sent_at: str
    followup_message_id: str
    followup_claim: str
    followup_claimed_at: str


# The emails a registration can owe. Each state change that a person should hear about owes one.
MAIL_KINDS = ("confirmation", "link", "change", "cancellation")
# Every request write that owes mail clears the deliverer's record of the previous one; the stream's filter wakes the
# deliverer only for items without mail_status, so its own bookkeeping writes never wake it.
MAIL_RESETS = ("mail_status", "mail_status_at", "mail_kind", "mail_attempts", "mail_retry_at")


# What a person may change through the personal link: everything they typed, except the address (the key).
CHANGEABLE = (
    "given_name",
    "family_name",
    "organisation",
    "organisation_code",
    "role",
    "role_code",
    "on_behalf_of",
    "remark",
)


def is_active(item: Mapping[str, Any]) -> bool:
    """The one definition of an active registration: registered, not cancelled. Every stored item has a status
    (new_item), so an empty mapping (no registration) is not active. (Rules that also ask whether mail
    reaches the person build on it: delivery/reminders.reachable, delivery/meeting_changes.hears_of_changes.)"""
    return bool(item.get("status") == "registered")


def full_name(item: Mapping[str, Any]) -> str:
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


def new_item(data: RegistrationInput, meeting: Meeting, now: dt.datetime, ids: NewIds) -> Registration:
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
        "status": "registered",
        "registered_at": local_iso(now, meeting),
        "consent_at": local_iso(now, meeting),
        "expires_at": int(meeting.expires_at.timestamp()),
        "submission_id": ids.submission,
        "registration_id": ids.registration,
        "link_version": 1,
        # The confirmation carries the meeting as the deployed facts state it.
        "meeting_facts": facts_of(meeting).as_text(),
        **owed_mail("confirmation", now, meeting, ids.owed),  # type: ignore[typeddict-item]
    }


def new_registration_id() -> str:
    """The id a personal link names: random, so it says nothing about the person and cannot be guessed."""
    return secrets.token_urlsafe(16)


def owed_mail(kind: str, now: dt.datetime, meeting: Meeting, owed_id: str | None = None) -> dict[str, Any]:
    """What a request writes to say that an email of `kind` is owed for this state change (a new id unless given)."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown kind of email: {kind}")
    return {"mail_owed": kind, "mail_owed_id": owed_id or uuid.uuid4().hex, "mail_owed_at": local_iso(now, meeting)}


def changes_from(data: RegistrationInput, meeting: Meeting, now: dt.datetime) -> dict[str, Any]:
    """What a change through the personal link writes: the changeable attributes, and when."""
    fresh = new_item(data, meeting, now, NewIds("", "", ""))
    changes: dict[str, Any] = {key: fresh[key] for key in CHANGEABLE}  # type: ignore[literal-required]
    changes["changed_at"] = local_iso(now, meeting)
    changes.update(owed_mail("change", now, meeting))
    return changes


def public_registration(item: Mapping[str, Any]) -> dict[str, Any]:
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
