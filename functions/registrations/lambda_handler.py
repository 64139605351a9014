"""Our Lambda handler (Zappa's `lambda_handler` setting): the deliverer's triggers first, everything else to Zappa.

Why not Zappa's own event routing: it maps stream records only by the exact source ARN (a stream's ARN carries a
timestamp that exists only once the stack does), knows scheduled events only under its own rule names, ignores
other EventBridge events, and reports success after dropping a record. So:

- DynamoDB stream records → the deliverer (with Lambda's partial batch response);
- the sweep (the EventBridge rule's constant input, SWEEP_EVENT) → the deliverer's sweep; when it runs out of time
  with work left (a publication or a reminder round for everyone), it hands the rest to a new invocation of itself at
  once (CONTINUED_SWEEP), so 1,000 emails never wait for the next scheduled sweep;
- a newly stored publication (its stream record, PUBLICATION_FILTER) → the same sweep, so publishing starts sending
  within seconds;
- SES events (EventBridge source "aws.ses") → ses_events.record_delivery_event, on the registration;
- S3 uploads (EventBridge source "aws.s3": vervolgmail.toml in the export bucket) → the console flow (console/flow.py);
- anything else (API Gateway requests, Zappa's own events) → Zappa's handler, unchanged.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .observability import logs
from .observability.metrics import NO_METRICS, Metrics, lambda_metrics

if TYPE_CHECKING:
    from .delivery.deliverer import Deliverer

log = logging.getLogger(__name__)

# The mapping's filter (infra/template.yaml is generated from it by `make infra`): only writes that owe mail. A
# request's write sets mail_owed and clears mail_status; every write of the deliverer sets mail_status (mail_records.py).
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
        continue_sweep: Callable[[Mapping[str, Any], Any], object] | None = None,
        *,
        metrics: Metrics = NO_METRICS,
        on_first_call: Callable[[], object] | None = None,
        console: Callable[[Any, Deliverer], str] | None = None,
    ):
        self._make_deliverer = make_deliverer
        self._deliverer: Deliverer | None = None
        self._zappa_handler = zappa_handler
        # After a stream batch and on the sweep: the staff spreadsheet in the export bucket (reports/spreadsheet.py).
        self._refresh = refresh
        # Hands a sweep that ran out of time to a new invocation (on AWS: an asynchronous invoke of this function).
        self._continue_sweep = continue_sweep
        # Operations (observability/): the sweep's and SES's metrics; on Lambda, JSON log lines from the first call.
        self.metrics = metrics
        self._on_first_call = on_first_call
        # An upload of vervolgmail.toml: checked, previewed in controle.txt, published with its code (console/flow.py).
        self._console = console

    @property
    def deliverer(self) -> Deliverer:
        if self._deliverer is None:
            self._deliverer = self._make_deliverer()
        return self._deliverer

    def __call__(self, event: Any, context: Any) -> Any:
        if self._on_first_call is not None:
            self._on_first_call()
            self._on_first_call = None
        target = route(event)
        with logs.invocation(getattr(context, "aws_request_id", None), trigger_of(event, target)):
            return self._handle(target, event, context)

    def _handle(self, target: str, event: Any, context: Any) -> Any:
        if target == "stream":
            answer = self.deliverer.stream(event["Records"], seconds_left(context))
            if any(_is_publication(record) for record in event["Records"]):
                self._sweep(0, context)
            self._refreshed()
            return answer
        if target == "sweep":
            counts = self._sweep(int(event.get(CONTINUED_SWEEP, 0)), context)
            self._refreshed()
            return {"swept": {str(outcome): n for outcome, n in counts.items()}}
        if target == "ses":
            from .delivery.ses_events import STATUS_OF, record_delivery_event

            deliverer = self.deliverer
            outcome = record_delivery_event(event, deliverer.repository, deliverer.meeting)
            verdict = STATUS_OF.get(str((event.get("detail") or {}).get("eventType") or ""))
            if outcome != "ignored" and verdict is not None:
                self.metrics.ses_verdict(verdict)
            return {"ses": outcome}
        if target == "s3":
            return {"s3": self._console(event, self.deliverer) if self._console is not None else "ignored"}
        return self._zappa_handler(event, context)

    def _sweep(self, continued: int, context: Any) -> Counter[str]:
        started = time.monotonic()
        counts = self.deliverer.sweep(seconds_left(context))
        self.metrics.sweep(time.monotonic() - started, counts, self.deliverer.last_overdue)
        done = ", ".join(f"{outcome} {n}" for outcome, n in counts.items())
        log.info("sweep: %s", done or "nothing owed", extra=logs.fields(outcome="swept"))
        if counts.get("deferred") and self._continue_sweep is not None and continued < MAX_CONTINUATIONS:
            # Cut off by the time limit with work left: the next invocation goes on at once. Claims make it safe if
            # the scheduled sweep runs at the same time: nothing is sent twice.
            self._continue_sweep({**SWEEP_EVENT, CONTINUED_SWEEP: continued + 1}, context)
        return counts

    def _refreshed(self) -> None:
        if self._refresh is not None:
            self._refresh(self.deliverer)


def _is_publication(record: Any) -> bool:
    keys = (record.get("dynamodb") or {}).get("Keys") or {} if isinstance(record, Mapping) else {}
    return bool(record.get("eventName") == "INSERT" and (keys.get("event") or {}).get("S") == "publications")


def _invoke_again(event: Mapping[str, Any], context: Any) -> None:
    """An asynchronous invocation of this same function (its role may invoke it: infra/template.yaml)."""
    import json

    import boto3

    arn = getattr(context, "invoked_function_arn", "")
    if not arn:
        return
    boto3.client("lambda").invoke(FunctionName=arn, InvocationType="Event", Payload=json.dumps(event).encode())


def _deliverer_from_environment() -> Deliverer:
    from . import create_deliverer

    return create_deliverer(metrics=LAMBDA_METRICS)


def _zappa(event: Any, context: Any) -> Any:
    from zappa.handler import lambda_handler as zappa_handler  # type: ignore[import-not-found]  # only in the zip

    return zappa_handler(event, context)


def _spreadsheet_from_environment(deliverer: Deliverer) -> None:
    """The staff spreadsheet in the export bucket (EXPORT_BUCKET), and the staff alert; neither raises."""
    import os

    from .delivery.staff_alert import check_staff_alert
    from .reports.spreadsheet import refresh_spreadsheet
    from .settings import Settings

    settings = Settings.from_env(os.environ)
    refresh_spreadsheet(deliverer.repository, deliverer.meeting, settings, deliverer.clock())
    # And the staff alert (delivery/staff_alert.py): the meeting is near and the follow-up is not published.
    check_staff_alert(deliverer.repository, deliverer.meeting, settings, deliverer.clock())


def _console_from_environment(event: Any, deliverer: Deliverer) -> str:
    """An upload into the export bucket (EXPORT_BUCKET): the console flow (console/wiring.py)."""
    import os

    from .console.wiring import handle_s3_event
    from .settings import Settings

    return handle_s3_event(event, deliverer, Settings.from_env(os.environ))


def _after_round_from_environment(deliverer: Deliverer) -> None:
    """After a stream batch and on the sweep: the spreadsheet, and the follow-up's progress in controle.txt."""
    import os

    from .console.wiring import report_progress
    from .settings import Settings

    _spreadsheet_from_environment(deliverer)
    report_progress(deliverer, Settings.from_env(os.environ))


def _json_logs() -> None:
    import os

    logs.install_json_logs(os.environ.get("LOG_LEVEL", "INFO"))


# EMF documents on stdout, which CloudWatch Logs turns into metrics; web/wsgi.py gives the same to the app.
LAMBDA_METRICS = lambda_metrics()

# Zappa's `lambda_handler` setting names this: one per Lambda container.
lambda_handler = Dispatcher(
    _deliverer_from_environment,
    _zappa,
    _after_round_from_environment,
    _invoke_again,
    metrics=LAMBDA_METRICS,
    on_first_call=_json_logs,
    console=_console_from_environment,
)
