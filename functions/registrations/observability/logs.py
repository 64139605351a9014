"""Log lines as one JSON object each on Lambda; the short human lines of `make run` stay as they are.

Why our own formatter rather than Powertools' Logger: it is some 60 lines of the standard library, adds nothing to
the zip and needs no layer (a layer that cannot be reached takes the API down). The deploy step sets Lambda's own
JSON log format (deploy/stage.py), so Lambda's platform lines are JSON too and its log-level filter works; this
formatter then replaces the runtime's on the root handler, so a line has the same fields on Lambda as in the tests.

Every line has the level, the message, the logger, the time, Lambda's request id and the trigger (set per
invocation by the dispatcher, lambda_handler/dispatcher.py), the meeting's id (set per request by the app and per
item, sweep and SES event by the deliverer: `with meeting(id):`), and an outcome where the line reports one
(`log.info(..., extra=fields(outcome="sent"))`). Messages never carry personal data (tests check every line);
an exception adds only its type, never its message or traceback, which may quote what a client sent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

TRIGGERS = ("http", "stream", "sweep", "s3", "ses")
# Lambda's names of the levels, which its log-level filter reads (as the runtime's own JSON formatter writes them).
LEVELS = {"WARNING": "WARN", "CRITICAL": "FATAL"}

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_trigger: ContextVar[str | None] = ContextVar("trigger", default=None)
# The meeting a request or an item is for: one function serves every meeting, so this is per call, never global.
_meeting: ContextVar[str | None] = ContextVar("meeting", default=None)


@contextmanager
def meeting(meeting_id: str) -> Iterator[None]:
    """Every line logged inside names this meeting."""
    token = set_meeting(meeting_id)
    try:
        yield
    finally:
        reset_meeting(token)


def set_meeting(meeting_id: str) -> Token[str | None]:
    """The meeting of what follows, until reset_meeting(token): for a request, whose end is another hook."""
    return _meeting.set(meeting_id)


def reset_meeting(token: Token[str | None]) -> None:
    _meeting.reset(token)


@contextmanager
def invocation(request_id: str | None, trigger: str) -> Iterator[None]:
    """The context of one Lambda invocation: every line logged inside it carries this request id and trigger."""
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger: {trigger}")
    tokens = _request_id.set(request_id), _trigger.set(trigger)
    try:
        yield
    finally:
        _request_id.reset(tokens[0])
        _trigger.reset(tokens[1])


def fields(*, outcome: str | None = None, meeting: str | None = None) -> dict[str, str]:
    """The `extra` of a log call that reports an outcome (a code of ours, never client input)."""
    extra = {"outcome": outcome, "meeting": meeting}
    return {key: value for key, value in extra.items() if value is not None}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
        line = {
            "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": LEVELS.get(record.levelname, record.levelname),
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": _request_id.get(),
            "trigger": _trigger.get(),
            "meeting": getattr(record, "meeting", None) or _meeting.get(),
            "outcome": getattr(record, "outcome", None),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["errorType"] = record.exc_info[0].__name__
        return json.dumps({key: value for key, value in line.items() if value is not None}, ensure_ascii=False)


def install_json_logs(level: str = "INFO") -> None:
    """JSON lines on every handler of the root logger: the Lambda runtime's, or one of ours on stdout when there is
    none (the zip run by tests/deploy). Zappa's `logging.basicConfig()` then adds nothing."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    for handler in root.handlers:
        if not isinstance(handler.formatter, JsonFormatter):
            handler.setFormatter(JsonFormatter())
    root.setLevel(level)
