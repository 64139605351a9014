"""The registration form's honeypot: a field people never see or hear, which only robots fill in.

A submission that fills it gets the answer a real post of the same fields would get, so a robot learns nothing from
the difference: 403 after the deadline, the same field errors, 409 for an address that is registered (looked up by
the posted address, read-only), 201 otherwise. (From another site, the guard refuses it before it gets here, as any
post.) Nothing is stored or mailed in any case. The log counts such submissions, without anything that was sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from ..errors import DuplicateRegistration, MeetingCancelled, RegistrationClosed, RegistrationNotFound
from ..meeting import dutch_date
from ..observability.logs import fields
from ..registration.item import NewIds, is_active, new_item, public_registration
from ..registration.registering import Registering
from ..registration.validation import validate

log = logging.getLogger(__name__)

# The field's name in templates/_form.html. A name no browser's or password manager's autofill recognises, so a
# person's browser never fills it in for them.
FIELD = "reg_extra_reference"

_lock = threading.Lock()
_caught = 0


def is_filled(fields: Mapping[str, Any]) -> bool:
    value = fields.get(FIELD)
    return value is not None and value != ""


def record() -> int:
    """Count a caught submission in the log (one line each, no content); returns the count of this process."""
    global _caught
    with _lock:
        _caught += 1
        count = _caught
    log.warning(
        "honeypot: a submission with the hidden field filled was answered as a real one and not stored "
        "(%d in this process)",
        count,
        extra=fields(outcome="honeypot"),
    )
    return count


def decoy(service: Registering, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The body a real registration of these fields would get, made without storing or sending anything.

    The rules of Registering.register in its order: the deadline, the fields, then the address. A refusal is the
    same domain error, so the one map answers it as it would answer a real post.
    """
    meeting = service.meeting
    now = service.clock()
    if meeting.cancelled:
        raise MeetingCancelled(reason=meeting.cancelled_reason, contact=meeting.contact_email)
    if not meeting.is_registration_open(now):
        raise RegistrationClosed(deadline=dutch_date(meeting.last_registration_day), contact=meeting.contact_email)
    data = validate(fields, meeting)
    try:
        registered = is_active(service.repository.get(meeting.id, data.email))
    except RegistrationNotFound:
        registered = False
    if registered:
        raise DuplicateRegistration(contact=meeting.contact_email)
    item = new_item(data, meeting, now, NewIds.make())
    return {"registration": public_registration(item)}
