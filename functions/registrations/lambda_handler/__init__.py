"""Our Lambda handler (Zappa's `lambda_handler` setting): the deliverer's triggers first, everything else to Zappa.
Here the handler is wired from the environment; routes.py tells the events apart and dispatcher.py hands each on.

Why not Zappa's own event routing: it maps stream records only by the exact source ARN (a stream's ARN carries a
timestamp that exists only once the stack does), knows scheduled events only under its own rule names, ignores
other EventBridge events, and reports success after dropping a record. So:

- DynamoDB stream records → the deliverer of each record's meeting (with Lambda's partial batch response);
- the sweep (the EventBridge rule's constant input, SWEEP_EVENT) → the sweep of every meeting within its retention
  (delivery/deliverers.py); when it runs out of time
  with work left (a publication or a reminder round for everyone), it hands the rest to a new invocation of itself at
  once (CONTINUED_SWEEP), so 1,000 emails never wait for the next scheduled sweep;
- a newly stored publication (its stream record, PUBLICATION_FILTER) → the same sweep, so publishing starts sending
  within seconds;
- SES events (EventBridge source "aws.ses") → ses_events.record_delivery_event, on the registration in the meeting
  its `event` tag names;
- S3 uploads (EventBridge source "aws.s3": vervolgmail.toml in the export bucket) → the console flow (console/flow.py);
- anything else (API Gateway requests, Zappa's own events) → Zappa's handler, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..observability import logs
from ..observability.metrics import lambda_metrics
from .dispatcher import Dispatcher, seconds_left
from .routes import (
    CONTINUED_SWEEP,
    MAX_CONTINUATIONS,
    PUBLICATION_FILTER,
    STREAM_FILTER,
    STREAM_FILTERS,
    SWEEP_EVENT,
    route,
    trigger_of,
)

if TYPE_CHECKING:
    from ..console.flow import Items
    from ..delivery.deliverer import Deliverer
    from ..delivery.deliverers import Deliverers

__all__ = [
    "CONTINUED_SWEEP",
    "MAX_CONTINUATIONS",
    "PUBLICATION_FILTER",
    "STREAM_FILTER",
    "STREAM_FILTERS",
    "SWEEP_EVENT",
    "Dispatcher",
    "lambda_handler",
    "route",
    "seconds_left",
    "trigger_of",
]


def _invoke_again(event: Mapping[str, Any], context: Any) -> None:
    """An asynchronous invocation of this same function (its role may invoke it: infra/template.yaml)."""
    import json

    import boto3

    arn = getattr(context, "invoked_function_arn", "")
    if not arn:
        return
    boto3.client("lambda").invoke(FunctionName=arn, InvocationType="Event", Payload=json.dumps(event).encode())


def _deliverers_from_environment() -> Deliverers:
    from .. import create_deliverers

    return create_deliverers(metrics=LAMBDA_METRICS)


def _zappa(event: Any, context: Any) -> Any:
    from zappa.handler import lambda_handler as zappa_handler  # type: ignore[import-not-found]  # only in the zip

    return zappa_handler(event, context)


def _spreadsheet_from_environment(deliverer: Deliverer, items: Items) -> None:
    """The staff spreadsheet in the export bucket (EXPORT_BUCKET), and the staff alert; neither raises."""
    import os

    from ..delivery.staff_alert import check_staff_alert
    from ..reports.spreadsheet import refresh_spreadsheet
    from ..settings import Settings

    settings = Settings.from_env(os.environ)
    refresh_spreadsheet(deliverer.repository, deliverer.meeting, settings, deliverer.clock(), items=items)
    # And the staff alert (delivery/staff_alert.py): the meeting is near and the follow-up is not published.
    check_staff_alert(deliverer.repository, deliverer.meeting, settings, deliverer.clock())


def _console_from_environment(event: Any, deliverers: Deliverers) -> str:
    """An upload into the export bucket (EXPORT_BUCKET): the console flow (console/wiring.py), for the meeting whose
    folder it is in."""
    import os

    from ..console.wiring import handle_s3_event
    from ..settings import Settings

    settings = Settings.from_env(os.environ)
    return str(handle_s3_event(event, deliverers.for_meeting, settings))


def _after_round_from_environment(deliverer: Deliverer) -> None:
    """After a stream batch and on the sweep: the spreadsheet, and the follow-up's progress in controle.txt, from
    one read of the meeting's registrations (made only if one of them needs it)."""
    import functools
    import os

    from ..console.wiring import report_progress
    from ..settings import Settings

    items = functools.cache(lambda: list(deliverer.repository.for_event(deliverer.meeting.id)))
    _spreadsheet_from_environment(deliverer, items)
    report_progress(deliverer, Settings.from_env(os.environ), items)


def _json_logs() -> None:
    import os

    logs.install_json_logs(os.environ.get("LOG_LEVEL", "INFO"))


# EMF documents on stdout, which CloudWatch Logs turns into metrics; web/wsgi.py gives the same to the app.
LAMBDA_METRICS = lambda_metrics()

# Zappa's `lambda_handler` setting names this: one per Lambda container.
lambda_handler = Dispatcher(
    _deliverers_from_environment,
    _zappa,
    _after_round_from_environment,
    _invoke_again,
    metrics=LAMBDA_METRICS,
    on_first_call=_json_logs,
    console=_console_from_environment,
)
