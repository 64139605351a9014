"""Every meeting's deliverer (delivery/deliverer.py), as the triggers use them: a stream record goes to the deliverer
of its item's meeting (the partition key `event`), the sweep runs the deliverer of every meeting within its retention,
and an SES event or an upload names its meeting. Each deliverer is built when its meeting is first needed
(meeting/per_meeting.py); they share the table, the sender and the send rate.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar

from ..errors import StoreUnavailable
from ..meeting import Meeting, Meetings, PerMeeting
from ..settings import Clock
from .deliverer import Deliverer, no_deadline

log = logging.getLogger(__name__)

Answer = dict[str, list[dict[str, str]]]
T = TypeVar("T")


def partition_of(record: Mapping[str, Any]) -> str:
    """The meeting a stream record is for: its item's partition key (also `publications`, `mailboxes`, ...)."""
    data = record.get("dynamodb") or {}
    keys = data.get("Keys") or data.get("NewImage") or data.get("OldImage") or {}
    return str((keys.get("event") or {}).get("S") or "")


def sequence_of(record: Mapping[str, Any]) -> str:
    """A stream record's id in Lambda's partial batch response."""
    return str((record.get("dynamodb") or {}).get("SequenceNumber", ""))


def owes_mail(record: Mapping[str, Any]) -> bool:
    """A write that owes mail (the stream's filter lets only these and new publications through)."""
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    return record.get("eventName") in ("INSERT", "MODIFY") and "mail_owed" in image


class Deliverers:
    def __init__(self, meetings: Meetings, build: Callable[[Meeting], Deliverer], clock: Clock):
        self.meetings = meetings
        self.clock = clock
        self._built = PerMeeting(meetings, build)
        # What the last sweep did, per meeting (the dispatcher logs a line for each, in its meeting's name), which
        # deliverers it ran (their spreadsheets are refreshed after it), and what it found owed for too long.
        self.last_counts: dict[str, Counter[str]] = {}
        self.last_swept: tuple[Deliverer, ...] = ()
        self.last_overdue = 0

    @classmethod
    def of(cls, deliverer: Deliverer) -> Deliverers:
        """Just this deliverer's meeting (a test that wires one deliverer)."""
        return cls(Meetings.of(deliverer.meeting), lambda meeting: deliverer, deliverer.clock)

    def deliverer_of(self, meeting: Meeting) -> Deliverer:
        """The meeting's deliverer, whatever its retention (create_deliverer)."""
        return self._built.of(meeting)

    @property
    def letter(self) -> Deliverer:
        """The deliverer of the meeting the old addresses lead to (the 2023 meeting)."""
        return self.deliverer_of(self.meetings.letter_meeting)

    def for_meeting(self, meeting_id: object) -> Deliverer | None:
        """The deliverer of this meeting; None for an id that is no meeting's, or a meeting past its retention
        (its registrations are deleted, and it owes nobody anything)."""
        meeting = self.meetings.get(meeting_id) if isinstance(meeting_id, str) else None
        if meeting is None or self.clock() >= meeting.expires_at:
            return None
        return self.deliverer_of(meeting)

    def active(self) -> tuple[Deliverer, ...]:
        """The deliverers of the meetings within their retention, in the order the meetings start."""
        return tuple(self.deliverer_of(meeting) for meeting in self.meetings.within_retention(self.clock()))

    def sweep(self, seconds_left: Callable[[], float] = no_deadline) -> Counter[str]:
        """Each active meeting's sweep, under one time limit: once it runs out, every meeting after counts what it
        owes as `deferred` (the dispatcher's continuation goes on with it)."""
        total: Counter[str] = Counter()
        self.last_counts, overdue = {}, 0
        self.last_swept = self.active()
        for deliverer in self.last_swept:
            counts = self._guarded(deliverer, partial(deliverer.sweep, seconds_left), Counter({"error": 1}))
            self.last_counts[deliverer.meeting.id] = counts
            total.update(counts)
            overdue += deliverer.last_overdue
        self.last_overdue = overdue
        return total

    def stream(
        self, records: Iterable[Mapping[str, Any]], seconds_left: Callable[[], float] = no_deadline
    ) -> tuple[Answer, tuple[Deliverer, ...]]:
        """Stream records, each to its meeting's deliverer: Lambda's partial batch response, and the deliverers of
        the meetings the records were for. A record of a meeting this function does not serve (no folder, or past
        its retention) is logged and skipped, never handed back: Lambda would retry it until it expires."""
        batch = list(records)
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for record in batch:
            groups.setdefault(partition_of(record), []).append(record)
        failures: list[dict[str, str]] = []
        touched: list[Deliverer] = []
        for partition, group in groups.items():
            deliverer = self.for_meeting(partition)
            if deliverer is None:
                skipped = sum(owes_mail(record) for record in group)
                if skipped:
                    log.warning("stream: %d records of a meeting this function does not serve, skipped", skipped)
                continue
            touched.append(deliverer)
            handed_back = {"batchItemFailures": [{"itemIdentifier": sequence_of(record)} for record in group]}
            answer = self._guarded(deliverer, partial(deliverer.stream, group, seconds_left), handed_back)
            failures += answer["batchItemFailures"]
        order = {sequence_of(r): n for n, r in enumerate(batch)}
        failures.sort(key=lambda failure: order.get(failure["itemIdentifier"], len(batch)))
        return {"batchItemFailures": failures}, tuple(touched)

    @staticmethod
    def _guarded(deliverer: Deliverer, work: Callable[[], T], instead: T) -> T:
        """One meeting's round: whatever goes wrong with its data, every other meeting still gets its mail (`instead`
        is what this one counts or hands back). A store that does not answer stops them all: each would fail alike."""
        try:
            return work()
        except StoreUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - logged by its type; the next round tries this meeting again
            log.error("round for event %s failed: %s", deliverer.meeting.id, type(exc).__name__)
            return instead


__all__ = ["Deliverers", "owes_mail", "partition_of"]
