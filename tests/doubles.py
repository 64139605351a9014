"""Test doubles handed to create_app / create_deliverer as arguments: senders and a table that counts its calls."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from registrations.mail.senders import OutboxSender


class RecordingSender:
    """The outbox sender, remembering each recipient and the tags it was given (the outbox keeps no tags)."""

    def __init__(self, outbox):
        self.outbox = OutboxSender(Path(outbox))
        self.sent: list[tuple[str, dict]] = []
        self._lock = threading.Lock()

    def send(self, message, recipient, tags=None):
        message_id = self.outbox.send(message, recipient, tags)
        with self._lock:
            self.sent.append((recipient, dict(tags or {})))
        return message_id


class BrokenSender:
    """A mail service that is down (or a bug in building the message)."""

    def __init__(self, error: BaseException):
        self.error = error
        self.attempts = 0

    def send(self, message, recipient, tags=None):
        self.attempts += 1
        raise self.error


class SendsThenDies:
    """Hands the message over, then the process dies before the deliverer can record it."""

    def __init__(self, outbox):
        self.inner = RecordingSender(outbox)

    def send(self, message, recipient, tags=None):
        self.inner.send(message, recipient, tags)
        raise SystemExit("the Lambda container was stopped")


class CountingTable:
    """The real table; counts the DynamoDB calls made on it (by API name)."""

    def __init__(self, table):
        self._table = table
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name):
        attribute = getattr(self._table, name)
        if name in ("put_item", "get_item", "update_item", "query", "scan", "delete_item"):

            def counted(**request):
                self.calls["".join(part.title() for part in name.split("_"))] += 1
                return attribute(**request)

            return counted
        return attribute
