"""The dispatcher: one Lambda event to its handler (routes.py says which): the deliverers' stream and sweep, SES's
verdicts, an upload for the console, and everything else to Zappa."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..observability import logs
from ..observability.metrics import NO_METRICS, Metrics
from .routes import CONTINUED_SWEEP, MAX_CONTINUATIONS, SWEEP_EVENT, is_publication, route, trigger_of

if TYPE_CHECKING:
    from ..delivery.deliverer import Deliverer
    from ..delivery.deliverers import Deliverers

log = logging.getLogger(__name__)


def seconds_left(context: Any) -> Callable[[], float]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return lambda: float("inf")
    return lambda: float(remaining()) / 1000


class Dispatcher:
    """Routes one Lambda event. The deliverers and Zappa's handler are made on first use: an HTTP request never
    builds a deliverer, and a stream batch never imports Flask. A meeting's deliverer is built when a record, a
    sweep or an SES event is first for it (delivery/deliverers.py)."""

    def __init__(
        self,
        make_deliverers: Callable[[], Deliverers | Deliverer],
        zappa_handler: Callable[[Any, Any], Any],
        refresh: Callable[[Deliverer], object] | None = None,
        continue_sweep: Callable[[Mapping[str, Any], Any], object] | None = None,
        *,
        metrics: Metrics = NO_METRICS,
        on_first_call: Callable[[], object] | None = None,
        console: Callable[[Any, Deliverers], str] | None = None,
    ):
        # One meeting's Deliverer serves as the deliverers of just that meeting (tests that wire one).
        self._make_deliverers = make_deliverers
        self._deliverers: Deliverers | None = None
        self._zappa_handler = zappa_handler
        # After a stream batch and on the sweep, per meeting it was for: the staff spreadsheet in the export bucket
        # (reports/spreadsheet.py).
        self._refresh = refresh
        # Hands a sweep that ran out of time to a new invocation (on AWS: an asynchronous invoke of this function).
        self._continue_sweep = continue_sweep
        # Operations (observability/): the sweep's and SES's metrics; on Lambda, JSON log lines from the first call.
        self.metrics = metrics
        self._on_first_call = on_first_call
        # An upload of vervolgmail.toml: checked, previewed in controle.txt, published with its code (console/flow.py).
        self._console = console

    @property
    def deliverers(self) -> Deliverers:
        if self._deliverers is None:
            from ..delivery.deliverers import Deliverers

            made = self._make_deliverers()
            self._deliverers = made if isinstance(made, Deliverers) else Deliverers.of(made)
        return self._deliverers

    def __call__(self, event: Any, context: Any) -> Any:
        if self._on_first_call is not None:
            self._on_first_call()
            self._on_first_call = None
        target = route(event)
        with logs.invocation(getattr(context, "aws_request_id", None), trigger_of(event, target)):
            return self._handle(target, event, context)

    def _handle(self, target: str, event: Any, context: Any) -> Any:
        if target == "stream":
            answer, touched = self.deliverers.stream(event["Records"], seconds_left(context))
            if any(is_publication(record) for record in event["Records"]):
                self._sweep(0, context)
                touched += self.deliverers.last_swept
            self._refreshed(touched)
            return answer
        if target == "sweep":
            counts = self._sweep(int(event.get(CONTINUED_SWEEP, 0)), context)
            self._refreshed(self.deliverers.last_swept)
            return {"swept": {str(outcome): n for outcome, n in counts.items()}}
        if target == "ses":
            return {"ses": self._ses(event)}
        if target == "s3":
            return {"s3": self._console(event, self.deliverers) if self._console is not None else "ignored"}
        return self._zappa_handler(event, context)

    def _ses(self, event: Mapping[str, Any]) -> str:
        """An SES verdict, on the registration in its meeting (the send's `event` tag names it)."""
        from ..delivery.ses_events import STATUS_OF, meeting_of, record_delivery_event

        deliverer = self.deliverers.for_meeting(meeting_of(event))
        if deliverer is None:
            return "ignored"  # not ours, or of a meeting whose registrations are gone
        with logs.meeting(deliverer.meeting.id):
            outcome = record_delivery_event(event, deliverer.repository, deliverer.meeting)
        verdict = STATUS_OF.get(str((event.get("detail") or {}).get("eventType") or ""))
        if outcome != "ignored" and verdict is not None:
            self.metrics.ses_verdict(verdict)
        return outcome

    def _sweep(self, continued: int, context: Any) -> Counter[str]:
        started = time.monotonic()
        deliverers = self.deliverers
        counts = deliverers.sweep(seconds_left(context))
        self.metrics.sweep(time.monotonic() - started, counts, deliverers.last_overdue)
        for meeting_id, found in deliverers.last_counts.items():
            done = ", ".join(f"{outcome} {n}" for outcome, n in found.items())
            with logs.meeting(meeting_id):
                log.info("sweep: %s", done or "nothing owed", extra=logs.fields(outcome="swept"))
        if counts.get("deferred") and self._continue_sweep is not None and continued < MAX_CONTINUATIONS:
            # Cut off by the time limit with work left: the next invocation goes on at once. Claims make it safe if
            # the scheduled sweep runs at the same time: nothing is sent twice.
            self._continue_sweep({**SWEEP_EVENT, CONTINUED_SWEEP: continued + 1}, context)
        return counts

    def _refreshed(self, deliverers: tuple[Deliverer, ...]) -> None:
        """The refresh once per meeting that a batch or a sweep was for."""
        if self._refresh is None:
            return
        for deliverer in {d.meeting.id: d for d in deliverers}.values():
            self._refresh(deliverer)
