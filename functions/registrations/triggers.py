"""Our Lambda handler (Zappa's `lambda_handler` setting): the deliverer's triggers first, everything else to Zappa.

Why not Zappa's own event routing: it maps stream records only by the exact source ARN (a stream's ARN carries a
timestamp that exists only once the stack does), knows scheduled events only under its own rule names, ignores
other EventBridge events, and reports success after dropping a record. So:

- DynamoDB stream records → the deliverer (with Lambda's partial batch response);
- the sweep (the EventBridge rule's constant input, SWEEP_EVENT) → the deliverer's sweep;
- SES events (EventBridge source "aws.ses") → delivery_status.record_delivery_event, on the registration;
- anything else (API Gateway requests, Zappa's own events) → Zappa's handler, unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .delivery import Deliverer

log = logging.getLogger(__name__)

# The mapping's filter (infra/template.yaml is generated from it by `make infra`): only writes that owe mail. A
# request's write sets mail_owed and clears mail_status; every write of the deliverer sets mail_status (mail_records.py).
STREAM_FILTER: dict[str, Any] = {
    "eventName": ["INSERT", "MODIFY"],
    "dynamodb": {"NewImage": {"mail_owed": {"S": [{"exists": True}]}, "mail_status": {"S": [{"exists": False}]}}},
}

# The input infra/template.yaml gives the sweep's schedule rule; matched exactly, whatever the rule's ARN.
SWEEP_EVENT = {"registrations": "sweep"}


def route(event: Any) -> str:
    """Which handler an event is for: "stream", "sweep", "ses" or "zappa"."""
    if not isinstance(event, Mapping):
        return "zappa"
    records = event.get("Records")
    if (
        isinstance(records, list)
        and records
        and all(isinstance(r, Mapping) and r.get("eventSource") == "aws:dynamodb" for r in records)
    ):
        return "stream"
    if dict(event) == SWEEP_EVENT:
        return "sweep"
    if event.get("source") == "aws.ses":
        return "ses"
    return "zappa"


def seconds_left(context: Any) -> Callable[[], float]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return lambda: float("inf")
    return lambda: float(remaining()) / 1000


class Dispatcher:
    """Routes one Lambda event. The deliverer and Zappa's handler are made on first use: an HTTP request never
    builds the deliverer, and a stream batch never imports Flask."""

    def __init__(
        self,
        make_deliverer: Callable[[], Deliverer],
        zappa_handler: Callable[[Any, Any], Any],
        refresh: Callable[[Deliverer], object] | None = None,
    ):
        self._make_deliverer = make_deliverer
        self._deliverer: Deliverer | None = None
        self._zappa_handler = zappa_handler
        # After a stream batch and on the sweep: the staff spreadsheet in the export bucket (spreadsheet.py).
        self._refresh = refresh

    @property
    def deliverer(self) -> Deliverer:
        if self._deliverer is None:
            self._deliverer = self._make_deliverer()
        return self._deliverer

    def __call__(self, event: Any, context: Any) -> Any:
        target = route(event)
        if target == "stream":
            answer = self.deliverer.stream(event["Records"], seconds_left(context))
            self._refreshed()
            return answer
        if target == "sweep":
            counts = self.deliverer.sweep(seconds_left(context))
            log.info("sweep: %s", dict(counts) or "nothing owed")
            self._refreshed()
            return {"swept": dict(counts)}
        if target == "ses":
            from .delivery_status import record_delivery_event

            deliverer = self.deliverer
            return {"ses": record_delivery_event(event, deliverer.repository, deliverer.event)}
        return self._zappa_handler(event, context)

    def _refreshed(self) -> None:
        if self._refresh is not None:
            self._refresh(self.deliverer)


def _deliverer_from_environment() -> Deliverer:
    from . import create_deliverer

    return create_deliverer()


def _zappa(event: Any, context: Any) -> Any:
    from zappa.handler import lambda_handler as zappa_handler  # type: ignore[import-not-found]  # only in the zip

    return zappa_handler(event, context)


def _spreadsheet_from_environment(deliverer: Deliverer) -> None:
    """The staff spreadsheet in the export bucket (EXPORT_BUCKET), and the staff alert; neither raises."""
    import os

    from .settings import Settings
    from .spreadsheet import refresh_spreadsheet
    from .staff_alert import check_staff_alert

    settings = Settings.from_env(os.environ)
    refresh_spreadsheet(deliverer.repository, deliverer.event, settings, deliverer.clock())
    # And the staff alert (staff_alert.py): the meeting is near and the follow-up is not published.
    check_staff_alert(deliverer.repository, deliverer.event, settings, deliverer.clock())


# Zappa's `lambda_handler` setting names this: one per Lambda container.
lambda_handler = Dispatcher(_deliverer_from_environment, _zappa, _spreadsheet_from_environment)
