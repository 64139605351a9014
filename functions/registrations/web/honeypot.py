"""The registration form's honeypot: a field people never see or hear, which only robots fill in.

A submission that fills it gets the answer of a successful registration, so a robot learns nothing, and nothing is
stored or mailed. The log counts such submissions, without anything that was sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from ..items import NewIds, new_item, public_registration
from ..observability.logs import fields
from ..registering import Registering
from ..validation import validate

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
        "honeypot: a submission with the hidden field filled was answered as registered and not stored "
        "(%d in this process)",
        count,
        extra=fields(outcome="honeypot"),
    )
    return count


def decoy(service: Registering, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The body a real registration of these fields would get, made without storing or sending anything.

    The fields are validated as usual, so invalid input is answered as it would be otherwise.
    """
    data = validate(fields, service.event)
    item = new_item(data, service.event, service.clock(), NewIds.make())
    return {"registration": public_registration(item)}
