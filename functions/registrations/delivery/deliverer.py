"""The deliverer: from the item alone, which emails a registration owes, and sending each at most once.

A request writes only what is owed (`mail_owed`, with an id per state change); staff publish the follow-up
(delivery/publication.py); everything after that is here. The same deliverer runs from every trigger: the table's
stream, the scheduled sweep and its continuations on AWS (lambda_handler/), a worker thread and the same sweep
locally (dev/worker.py), and direct calls in the tests. It is idempotent: calling it twice, or from two places at
once, sends each owed email once (delivery/slots.py says how). Each channel (delivery/channels.py) owes email in a
slot of its own. One try at one email, and what each outcome means (a retry, `unknown`, `held_back`), is in
delivery/attempts.py. Whatever goes wrong with one item, the round goes on with the next.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..errors import RegistrationNotFound, StoreUnavailable
from ..mail.senders import Sender
from ..meeting import Meeting
from ..observability import logs
from ..observability.logs import fields
from ..observability.metrics import NO_METRICS, Metrics, overdue_since
from ..registration.inboxes import InboxRecords
from ..registration.item import parse_time
from ..repository import RegistrationRepository, StoredRegistration
from ..settings import Clock
from . import publication
from .attempts import Attempts
from .channels import Channel, Round
from .mailbox_limits import MailboxLimits

log = logging.getLogger(__name__)

# Newer state changes that come in while one is sent are delivered in the same call, up to this many rounds.
MAX_ROUNDS = 4
# No new send starts with less time than this left (SES may take 7 s); a cut-off send would become `unknown`.
SAFETY_SECONDS = 8.0


def no_deadline() -> float:
    return float("inf")


def nothing() -> None:
    """The default pace: no wait between sends."""


class Deliverer:
    def __init__(
        self,
        meeting: Meeting,
        repository: RegistrationRepository,
        channels: Sequence[Channel],
        sender: Sender,
        limits: MailboxLimits,
        inboxes: InboxRecords,
        clock: Clock,
        pace: Callable[[], None] = nothing,
        metrics: Metrics = NO_METRICS,
    ):
        self.meeting = meeting
        self.repository = repository
        self.channels = tuple(channels)
        self.sender = sender
        self.clock = clock
        # Operations (observability/metrics.py): one document per email outcome, and what the last sweep found
        # owed for too long (the stuck-deliverer alarm).
        self.metrics = metrics
        self.last_overdue = 0
        # `pace` is called before every send: it spaces sends out under SES's maximum send rate (mail/rate.py).
        self.attempts = Attempts(meeting, repository, sender, limits, inboxes, clock, pace, metrics)

    # --- triggers ------------------------------------------------------------------------------------------------

    def round(self) -> Round:
        return Round(self.clock(), publication.all_versions(self.repository, self.meeting.id))

    def deliver(self, email: str, rnd: Round | None = None) -> list[str]:
        """Send what one registration owes now; the outcomes, in order ([] when nothing was owed)."""
        with logs.meeting(self.meeting.id):
            try:
                item = self.repository.get(self.meeting.id, email)
            except RegistrationNotFound:
                return []
            return self.deliver_item(item, rnd or self.round())

    def sweep(self, seconds_left: Callable[[], float] = no_deadline) -> Counter[str]:
        """Everything still owed for the meeting: missed stream records, retries after their pause, stale claims, the
        follow-up. `deferred` counts the items left for the next round because time ran out."""
        with logs.meeting(self.meeting.id):
            return self._sweep(seconds_left)

    def _sweep(self, seconds_left: Callable[[], float]) -> Counter[str]:
        counts: Counter[str] = Counter()
        rnd = self.round()
        filters = [channel.sweep_filter(rnd) for channel in self.channels]
        overdue = 0
        for item in self.repository.owing(self.meeting.id, filters):
            overdue += self._overdue(item, rnd)
            if seconds_left() < SAFETY_SECONDS:
                counts["deferred"] += 1
                continue
            counts.update(self._guarded(item, rnd))
        self.last_overdue = overdue
        return counts

    def _overdue(self, item: StoredRegistration, rnd: Round) -> int:
        """How many emails this item has owed for too long, not counting one that waits on purpose for its time
        (a retry, or the next hour under the mailbox limit)."""
        count = 0
        for channel in self.channels:
            owed = channel.owed(item, rnd)
            if owed is not None and overdue_since(owed.owed_at, item.get(channel.slot.attr("retry_at")), rnd.now):
                count += 1
        return count

    def _guarded(self, item: StoredRegistration, rnd: Round) -> list[str]:
        """One item under its own guard: whatever goes wrong with it, the round goes on with the next (only a store
        that does not answer stops the round: every further item would fail the same way)."""
        try:
            settled = self.attempts.settle_stale_claims(item, self.channels, rnd)
            if settled:
                item = self.repository.get(self.meeting.id, str(item["email"]))
            return settled + self.deliver_item(item, rnd)
        except StoreUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad item must not stop the sweep for every item after it
            log.error("deliverer: an item of event %s could not be handled: %s", self.meeting.id, type(exc).__name__)
            return ["error"]

    def stream(
        self, records: Iterable[Mapping[str, Any]], seconds_left: Callable[[], float] = no_deadline
    ) -> dict[str, list[dict[str, str]]]:
        """DynamoDB stream records (INSERT, MODIFY, REMOVE): deliver for each item of this meeting that owes mail. The
        answer is Lambda's partial batch response: records that could not be handled are tried again."""
        with logs.meeting(self.meeting.id):
            return self._stream(records, seconds_left)

    def _stream(
        self, records: Iterable[Mapping[str, Any]], seconds_left: Callable[[], float]
    ) -> dict[str, list[dict[str, str]]]:
        failures: list[dict[str, str]] = []
        rnd: Round | None = None
        for record in records:
            sequence = str(record.get("dynamodb", {}).get("SequenceNumber", ""))
            email = self._owing_key(record)
            if email is None:
                continue
            if seconds_left() < SAFETY_SECONDS:
                failures.append({"itemIdentifier": sequence})
                continue
            try:
                rnd = rnd or self.round()
                try:
                    item = self.repository.get(self.meeting.id, email)
                except RegistrationNotFound:
                    continue
                self._guarded(item, rnd)
            except StoreUnavailable:
                failures.append({"itemIdentifier": sequence})
        return {"batchItemFailures": failures}

    def _owing_key(self, record: Mapping[str, Any]) -> str | None:
        if record.get("eventName") not in ("INSERT", "MODIFY"):
            return None  # REMOVE: TTL or a person deleted it; nothing to send
        image = record.get("dynamodb", {}).get("NewImage") or {}
        if image.get("event", {}).get("S") != self.meeting.id or "mail_owed" not in image:
            return None
        email = image.get("email", {}).get("S")
        return str(email) if email else None

    # --- one registration ----------------------------------------------------------------------------------------

    def deliver_item(self, item: StoredRegistration, rnd: Round) -> list[str]:
        outcomes: list[str] = []
        current: StoredRegistration = item
        for channel in self.channels:
            for _ in range(MAX_ROUNDS):
                owed = channel.owed(current, rnd)
                if owed is None:
                    break
                retry_at = current.get(channel.slot.attr("retry_at"))
                if retry_at and parse_time(retry_at) > rnd.now:
                    break
                outcome, after = self.attempts.attempt(current, channel, owed, rnd)
                outcomes.append(outcome)
                # The lag counts from when it became owed, or from when it was due again after a deliberate wait
                # (a retry, the mailbox limit's next hour), so waiting on purpose never looks like falling behind.
                self.metrics.email(owed.kind, outcome, retry_at or owed.owed_at, self.clock())
                log.info(
                    "%s email for event %s: %s", owed.kind, self.meeting.id, outcome, extra=fields(outcome=outcome)
                )
                if after is None:
                    return outcomes  # someone else has it now, or it is gone
                current = after
        return outcomes


__all__ = ["Deliverer"]
