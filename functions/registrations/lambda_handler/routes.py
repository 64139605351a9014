"""Which handler a Lambda event is for, told by its shape, and the shapes our own triggers give their events (the
stream's filters, the sweep's constant input, its continuation)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The mapping's filter (infra/template.yaml is generated from it by `make infra`): only writes that owe mail. A
# request's write sets mail_owed and clears mail_status; every write of the deliverer sets mail_status
# (delivery/slots.py).
STREAM_FILTER: dict[str, Any] = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {"NewImage": {"mail_owed": {"S": [{"exists": True}]}, "mail_status": {"S": [{"exists": False}]}}},
}

# A new version of the follow-up (delivery/publication.py): everyone active owes it, so the whole sweep runs.
PUBLICATION_FILTER: dict[str, Any] = {
    "eventName": ["INSERT"],
    "dynamodb": {"Keys": {"event": {"S": ["publications"]}}},
}
STREAM_FILTERS = (STREAM_FILTER, PUBLICATION_FILTER)

# The input infra/template.yaml gives the sweep's schedule rule; matched exactly, whatever the rule's ARN.
SWEEP_EVENT = {"registrations": "sweep"}
# What a sweep that ran out of time sends to the next invocation; `continued` counts the hand-overs, which stop at
# MAX_CONTINUATIONS whatever happens (a round of 1,000 takes about 11).
CONTINUED_SWEEP = "continued"
MAX_CONTINUATIONS = 100


def route(event: Any) -> str:
    """Which handler an event is for: "stream", "sweep", "ses", "s3" or "zappa"."""
    if not isinstance(event, Mapping):
        return "zappa"
    records = event.get("Records")
    if (
        isinstance(records, list)
        and records
        and all(isinstance(r, Mapping) and r.get("eventSource") == "aws:dynamodb" for r in records)
    ):
        return "stream"
    if dict(event) == SWEEP_EVENT or (
        event.get("registrations") == "sweep"
        and set(event) == {"registrations", CONTINUED_SWEEP}
        and isinstance(event.get(CONTINUED_SWEEP), int)
    ):
        return "sweep"
    if event.get("source") == "aws.ses":
        return "ses"
    if event.get("source") == "aws.s3":
        return "s3"
    return "zappa"


def trigger_of(event: Any, target: str) -> str:
    """The trigger a log line names (observability.logs.TRIGGERS): an S3 notification or else an HTTP request,
    for what goes to Zappa."""
    if target != "zappa":
        return target
    records = event.get("Records") if isinstance(event, Mapping) else None
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        if records[0].get("eventSource") == "aws:s3":
            return "s3"
    return "http"


def is_publication(record: Any) -> bool:
    """A stream record of a newly stored publication (PUBLICATION_FILTER)."""
    keys = (record.get("dynamodb") or {}).get("Keys") or {} if isinstance(record, Mapping) else {}
    return bool(record.get("eventName") == "INSERT" and (keys.get("event") or {}).get("S") == "publications")
