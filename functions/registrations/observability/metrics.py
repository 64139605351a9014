"""The function's CloudWatch metrics, written as Embedded Metric Format (EMF) documents on stdout.

CloudWatch Logs turns every log event that is such a document into metric values: no API call, no permission, no
library. One document per event (a registration, an email, a sweep round, an SES verdict), in the shape of AWS's
specification "Embedded metric format":

    {"_aws": {"Timestamp": <ms since epoch>,
              "CloudWatchMetrics": [{"Namespace": ..., "Dimensions": [[dimension names]], "Metrics": [{"Name", "Unit"}]}]},
     <dimension name>: <value>, ..., <metric name>: <value>, ...}

Dimension values are codes of ours (an outcome, a kind of email, the function's name), checked against a pattern
before they are written, so a name, an address, a token or a path can never become one.

`Metrics()` without a writer records nothing: the default of the app and the deliverer, so tests and `make run`
stay quiet. On Lambda the dispatcher (lambda_handler/dispatcher.py) hands out one that writes to stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from ..registration.item import parse_time, read_time
from ..repository import StoredRegistration
from ..repository.statuses import SesVerdict

NAMESPACE = "VNG/Registrations"
MAX_METRICS = 100  # per directive, the specification's limit
MAX_DIMENSIONS = 30  # per dimension set
# A dimension value: a lower-case code (outcome, kind) or the function's name; nothing a client could have typed.
CODE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")

# The refusals of a registration (or of any post), by kind: the error codes of errors.py and the honeypot.
REFUSAL_KINDS = ("invalid", "duplicate", "closed", "honeypot", "foreign_origin", "direct_request")
# SES's verdicts on a sent email (ses_events.STATUS_OF).
SES_VERDICTS = tuple(SesVerdict)


def emf_document(
    metrics: Mapping[str, tuple[float, str]],
    dimensions: Mapping[str, str],
    dimension_sets: list[list[str]] | None = None,
    *,
    timestamp_ms: int,
    namespace: str = NAMESPACE,
) -> dict[str, Any]:
    """One EMF document: `metrics` maps a name to (value, unit); `dimension_sets` (default: all dimensions, as one
    set) say under which combinations CloudWatch files each value."""
    sets = dimension_sets if dimension_sets is not None else [list(dimensions)]
    if not 0 < len(metrics) <= MAX_METRICS:
        raise ValueError(f"an EMF directive holds 1 to {MAX_METRICS} metrics, not {len(metrics)}")
    for names in sets:
        if len(names) > MAX_DIMENSIONS or set(names) - set(dimensions):
            raise ValueError(f"a dimension set names at most {MAX_DIMENSIONS} of the document's dimensions")
    for value in dimensions.values():
        if not CODE.match(value):
            raise ValueError("a dimension value must be a code of ours")
    if set(metrics) & set(dimensions):
        raise ValueError("a metric and a dimension share a name")
    directive = {
        "Namespace": namespace,
        "Dimensions": sets,
        "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in metrics.items()],
    }
    return {
        "_aws": {"Timestamp": timestamp_ms, "CloudWatchMetrics": [directive]},
        **dimensions,
        **{name: value for name, (value, _) in metrics.items()},
    }


def stdout_line(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def code(value: str) -> str:
    """A value as a dimension: itself when it is a code, else "other" (a kind or outcome we do not know yet)."""
    return value if CODE.match(value) else "other"


class Metrics:
    """What the function counts. One method per event, each one EMF document."""

    def __init__(
        self,
        write: Callable[[str], None] | None = None,
        *,
        function: str = "local",
        clock: Callable[[], float] = time.time,
    ):
        self.write = write
        self.function = code(function)
        self.clock = clock

    def _put(
        self,
        metrics: Mapping[str, tuple[float, str]],
        dimensions: Mapping[str, str] | None = None,
        extra_sets: list[list[str]] | None = None,
    ) -> None:
        if self.write is None:
            return
        dims = {"Function": self.function, **{name: code(value) for name, value in (dimensions or {}).items()}}
        sets = [list(dims), *(extra_sets or [])]
        document = emf_document(metrics, dims, sets, timestamp_ms=int(self.clock() * 1000))
        self.write(json.dumps(document, separators=(",", ":")))

    def registration_stored(self) -> None:
        self._put({"RegistrationsStored": (1, "Count")})

    def refusal(self, kind: str) -> None:
        """A request refused: one of REFUSAL_KINDS."""
        self._put({"Refusals": (1, "Count")}, {"Kind": kind})

    def email(self, kind: str, outcome: str, owed_at: str | None, now: dt.datetime) -> None:
        """One email's outcome (sent, failed, unknown, held_back, retrying, ...), of any kind; filed per kind and
        outcome, and per outcome alone (what the alarms watch). A sent email also gives the lag since it was owed,
        as a document of its own (one lag metric, not one per kind)."""
        self._put({"Emails": (1, "Count")}, {"Kind": kind, "Outcome": outcome}, [["Function", "Outcome"]])
        # No time, or an unreadable one, means no lag rather than one of years (parse_time would read it as long ago
        # and set off the lag alarm).
        owed = read_time(owed_at)
        if outcome == "sent" and owed is not None:
            self._put({"DeliveryLag": (max(0.0, (now - owed).total_seconds()), "Seconds")})

    def sweep(self, seconds: float, counts: Mapping[str, int], overdue: int) -> None:
        """One sweep round: its duration, the items it handled, and the emails owed for too long (overdue), which
        the stuck-deliverer alarm watches."""
        self._put(
            {
                "SweepDuration": (round(seconds, 3), "Seconds"),
                "SweepItems": (sum(counts.values()), "Count"),
                "OverdueEmails": (overdue, "Count"),
            }
        )

    def ses_verdict(self, verdict: str) -> None:
        """SES's verdict on a sent email: one of SES_VERDICTS."""
        self._put({"SesVerdicts": (1, "Count")}, {"Verdict": verdict})


NO_METRICS = Metrics()


# An email owed longer than this, and not waiting for a planned retry, is overdue: the lag alarm's bound.
OVERDUE_AFTER = dt.timedelta(minutes=15)


def overdue_since(owed_at: Any, retry_at: Any, now: dt.datetime) -> bool:
    """Is an email owed since `owed_at` overdue (owed for longer than OVERDUE_AFTER)? One that waits on purpose for
    its time (`retry_at`: a retry, or the next hour under the mailbox limit) is not, until then; after a wait, it is
    counted from that time."""
    if not owed_at:
        return False
    if retry_at and parse_time(retry_at) > now:
        return False
    since = max(parse_time(owed_at), parse_time(retry_at)) if retry_at else parse_time(owed_at)
    return now - since > OVERDUE_AFTER


def is_overdue(item: StoredRegistration, now: dt.datetime) -> bool:
    """Does this item owe a state-change email (the mail_ slot) for longer than OVERDUE_AFTER?"""
    if not item.get("mail_owed"):
        return False
    return overdue_since(item.get("mail_owed_at"), item.get("mail_retry_at"), now)


def lambda_metrics() -> Metrics:
    """The metrics of a Lambda container: EMF on stdout, filed under the function's name."""
    import os

    return Metrics(stdout_line, function=os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or "local")
