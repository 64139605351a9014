"""What became of each email, per registrant: SES's delivery events (through EventBridge) on the registration.

SES sends bounce, complaint, delivery and reject events for the configuration set to EventBridge, and a rule hands
them to the function (lambda_handler/). The registration is found from the event's own data: the message tags (the
event id and the deliverer's claim id, set on every send) and the one recipient. An event that is not ours (another
event's tag, no tag, another configuration set's mail) is ignored.

`email_status` is what staff see (export, summary, spreadsheet): delivered, bounced, complained or rejected; the
newest event wins, so an address that works again after a correction shows it. The claim id settles a send whose
outcome was unknown (a timeout): any event for that claim proves SES accepted it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from ..errors import RegistrationNotFound
from ..meeting import Meeting
from ..registration.item import local_iso, parse_time
from ..repository import PARTITION_KEY, RegistrationRepository
from ..repository.statuses import SendState, SesVerdict
from .slots import SLOT_PREFIXES

log = logging.getLogger(__name__)

# The message tags every send carries (delivery/deliverer.py, followup.py), and SES hands back in its events.
EVENT_TAG = "event"
CLAIM_TAG = "claim"

# SES's eventType → the status staff see. A transient bounce is not final: SES keeps trying, so it changes nothing.
STATUS_OF = {
    "Delivery": SesVerdict.DELIVERED,
    "Bounce": SesVerdict.BOUNCED,
    "Complaint": SesVerdict.COMPLAINED,
    "Reject": SesVerdict.REJECTED,
}
# The statuses that mean the person cannot be reached by email.
UNREACHABLE = (SesVerdict.BOUNCED, SesVerdict.COMPLAINED, SesVerdict.REJECTED)


def _first_tag(mail: Mapping[str, Any], name: str) -> str:
    values = (mail.get("tags") or {}).get(name) or []
    return str(values[0]) if values else ""


def meeting_of(event: Mapping[str, Any]) -> str:
    """The meeting an SES event is about: the `event` tag every send carries ("" when it has none)."""
    detail = event.get("detail")
    mail = detail.get("mail") if isinstance(detail, Mapping) else None
    return _first_tag(mail, EVENT_TAG) if isinstance(mail, Mapping) else ""


def _moment(detail: Mapping[str, Any], kind: str) -> dt.datetime:
    """When it happened, by SES's own clock: the event's timestamp, else the send's."""
    section = detail.get(kind.lower()) or {}
    return parse_time(section.get("timestamp") or (detail.get("mail") or {}).get("timestamp"))


def record_delivery_event(event: Mapping[str, Any], repository: RegistrationRepository, meeting: Meeting) -> str:
    """Record one EventBridge SES event on its registration; returns what was done, for the log and the tests:
    "recorded", "older" (a newer status is there), "ignored" (not ours, or nothing to record) or "unknown-address"."""
    detail = event.get("detail") or {}
    kind = str(detail.get("eventType") or detail.get("notificationType") or "")
    mail = detail.get("mail") or {}
    status = STATUS_OF.get(kind)
    if _first_tag(mail, EVENT_TAG) != meeting.id or status is None:
        return "ignored"
    if kind == "Bounce" and (detail.get("bounce") or {}).get("bounceType") != "Permanent":
        return "ignored"
    destination = mail.get("destination") or []
    if len(destination) != 1:
        return "ignored"  # ours always have exactly one recipient
    email = str(destination[0]).strip().lower()
    moment = _moment(detail, kind)
    try:
        outcome = _record_status(repository, meeting, email, status, moment)
    except RegistrationNotFound:
        outcome = "unknown-address"
    else:
        _settle_unknown(repository, meeting, email, _first_tag(mail, CLAIM_TAG), parse_time(mail.get("timestamp")))
    log.info("SES %s event for meeting %s: %s", kind, meeting.id, outcome)
    return outcome


def _record_status(
    repository: RegistrationRepository, meeting: Meeting, email: str, status: str, moment: dt.datetime
) -> str:
    """Set email_status unless a newer event set it already: compare-and-set on the time, tried again on a race."""
    for _ in range(3):
        item = repository.get(meeting.id, email)
        previous = item.get("email_status_at")
        if previous and parse_time(previous) >= moment:
            return "older"
        condition = "attribute_exists(#pk) AND " + ("#at = :previous" if previous else "attribute_not_exists(#at)")
        values = {":status": status, ":at": local_iso(moment, meeting)}
        if previous:
            values[":previous"] = previous
        if (
            repository.conditional_update(
                meeting.id,
                email,
                "SET #status = :status, #at = :at",
                condition,
                {"#pk": PARTITION_KEY, "#status": "email_status", "#at": "email_status_at"},
                values,
            )
            is not None
        ):
            return "recorded"
    return "older"


def _settle_unknown(
    repository: RegistrationRepository, meeting: Meeting, email: str, claim: str, sent: dt.datetime
) -> None:
    """A send whose outcome was unknown, under this claim, was accepted by SES: it was sent. The claim id names
    one send in one slot (delivery/slots.py); the slot is not in the tag, so each is tried (a claim id is never reused)."""
    if not claim:
        return
    for prefix in SLOT_PREFIXES:
        settled = repository.conditional_update(
            meeting.id,
            email,
            "SET #status = :sent, #sent_at = :sent_at",
            "#claim = :claim AND #status = :unknown",
            {"#claim": f"{prefix}claim", "#status": f"{prefix}status", "#sent_at": f"{prefix}sent_at"},
            {
                ":claim": claim,
                ":unknown": SendState.UNKNOWN,
                ":sent": SendState.SENT,
                ":sent_at": local_iso(sent, meeting),
            },
        )
        if settled is not None:
            return
