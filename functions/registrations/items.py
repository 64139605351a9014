"""The stored registration: its attributes as a TypedDict, and the pure functions that build and read items.

Items are flat, with attribute names a person understands at a glance, because staff read them in the AWS console
and download them as CSV. STAFF.md, section 2, explains every attribute; a test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypedDict

from .event import OTHER_ORGANISATION, Event
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
    cancelled_at: str
    cancelled_by: str  # "staff" when staff cancelled it on the person's behalf (registrations cancel)
    changed_at: str
    confirmation_status: str  # "pending", "sent" or "failed"
    confirmation_at: str
    confirmation_requested_at: str  # when staff made the confirmation owed again (registrations resend)
    link_sent_at: str
    followup_sent_at: str
    followup_message_id: str
    followup_claim: str
    followup_claimed_at: str


# What a person may change through the personal link: everything they typed, except the address (the key).
CHANGEABLE = ("given_name", "family_name", "organisation", "organisation_code", "role", "role_code",
              "on_behalf_of", "remark")


def local_iso(moment: dt.datetime, event: Event) -> str:
    """A time people can read in a CSV: Amsterdam time with its offset, to the second."""
    return moment.astimezone(event.timezone).replace(microsecond=0).isoformat()


def parse_time(text: Any) -> dt.datetime:
    """A stored time; an unreadable one counts as long ago, so it never blocks an email for ever."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def new_item(data: RegistrationInput, event: Event, now: dt.datetime, submission_id: str) -> Registration:
    """The item a new registration is stored as; `submission_id` is new for every request."""
    is_other = data.organisation == OTHER_ORGANISATION
    return {
        "event": event.id,
        "email": data.email,
        "given_name": data.given_name,
        "family_name": data.family_name,
        "organisation": data.organisation_other if is_other else event.organisation_label(data.organisation) or "",
        "organisation_code": data.organisation,
        "role": event.role_label(data.role) or "",
        "role_code": data.role,
        "on_behalf_of": data.on_behalf_of,
        "remark": data.remark,
        "status": "registered",
        "registered_at": local_iso(now, event),
        "consent_at": local_iso(now, event),
        "expires_at": int(event.expires_at.timestamp()),
        # A put retried by botocore that meets its own earlier attempt knows it by this.
        "submission_id": submission_id,
        # The confirmation goes out right after storing; the outcome replaces "pending".
        "confirmation_status": "pending",
        # The confirmation carries the personal link, so it counts for the re-send throttle.
        "link_sent_at": local_iso(now, event),
    }


def changes_from(data: RegistrationInput, event: Event, now: dt.datetime) -> dict[str, Any]:
    """What a change through the personal link writes: the changeable attributes, and when."""
    fresh = new_item(data, event, now, submission_id="")
    changes: dict[str, Any] = {key: fresh[key] for key in CHANGEABLE}  # type: ignore[literal-required]
    changes["changed_at"] = local_iso(now, event)
    return changes


def public_registration(item: Mapping[str, Any]) -> dict[str, Any]:
    """What the API shows back to the person who registered (no internal attributes)."""
    keys = ("given_name", "family_name", "email", "organisation", "organisation_code", "role", "role_code",
            "on_behalf_of", "remark", "status", "registered_at")
    return {k: item.get(k, "") for k in keys}
