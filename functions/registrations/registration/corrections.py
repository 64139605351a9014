"""Corrections staff make on a person's behalf (the staff command's `cancel` and `resend`, STAFF.md): one
conditional update each, logged without personal data.

`make_confirmation_owed` records the confirmation as owed, as a registration does (item.owed_mail); the deliverer
sends it, from the stream on AWS or the local worker, and the sweep picks it up if they miss it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Final

from ..errors import RegistrationCancelled, RegistrationNotFound
from ..meeting import Meeting
from ..repository import RegistrationRepository
from ..repository.statuses import RegistrationStatus
from .item import MAIL_RESETS, local_iso, owed_mail
from .validation import deliverable_address

log = logging.getLogger(__name__)

CANCELLED_BY: Final = "cancelled_by"
BY_STAFF = "staff"


def stored_address(typed: str) -> str:
    """The address as registrations store it (lower case, punycode domain); as typed, lower-cased, when it would
    not pass today's rules (an older registration may still hold it)."""
    try:
        return deliverable_address(typed.strip())
    except ValueError:
        return typed.strip().lower()


def cancel_on_behalf(repository: RegistrationRepository, meeting: Meeting, email: str, now: dt.datetime) -> bool:
    """Cancel an active registration as the person could with their link, marked as done by staff.

    False when it was cancelled already; RegistrationNotFound when there is none."""
    try:
        repository.update(
            meeting.id,
            email,
            {"status": RegistrationStatus.CANCELLED, "cancelled_at": local_iso(now, meeting), CANCELLED_BY: BY_STAFF},
            only_if_status=RegistrationStatus.REGISTERED,
        )
    except RegistrationNotFound:
        repository.get(meeting.id, email)  # raises RegistrationNotFound when there is no registration at all
        return False
    log.info("registration cancelled by staff for event %s", meeting.id)
    return True


def make_confirmation_owed(repository: RegistrationRepository, meeting: Meeting, email: str, now: dt.datetime) -> None:
    """Mark the confirmation of an active registration as owed again, for the deliverer to send.

    RegistrationCancelled when the registration is cancelled; RegistrationNotFound when there is none."""
    try:
        repository.update(
            meeting.id,
            email,
            owed_mail("confirmation", now, meeting),
            only_if_status=RegistrationStatus.REGISTERED,
            remove=MAIL_RESETS,
        )
    except RegistrationNotFound:
        repository.get(meeting.id, email)
        raise RegistrationCancelled() from None
    log.info("confirmation made owed again by staff for event %s", meeting.id)
