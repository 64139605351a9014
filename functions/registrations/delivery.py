"""The deliverer: from the item alone, which email a registration owes, and sending it at most once.

A request writes only what is owed (`mail_owed`, with an id per state change); everything after that is here. The
same deliverer runs from every trigger: the table's stream and the scheduled sweep on AWS (triggers.py), a worker
thread and the same sweep locally (dev/worker.py), and direct calls in the tests. It is idempotent: calling it
twice, or from two places at once, sends each owed email once (mail_records.py says how).

- A failed send (MailNotSent) is tried again after a growing pause, up to MAX_ATTEMPTS; then `failed` for good.
- An unknown outcome (MailOutcomeUnknown, or a claim left by a crash) is `unknown`, never sent again on its own:
  the SES message carries the claim id as a tag, so its delivery events can settle it.
- Emails over the mailbox limit are `held_back`, recorded on the item.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .delivery_status import CLAIM_TAG, EVENT_TAG
from .event import Event
from .exceptions import RegistrationNotFound, StoreUnavailable
from .items import local_iso, parse_time
from .mail.confirmation import ConfirmationMailer
from .mail.senders import MailNotSent, MailOutcomeUnknown, Sender
from .mail_records import MailRecords
from .mailbox_limits import MailboxLimits
from .observability.logs import fields
from .observability.metrics import NO_METRICS, Metrics, is_overdue
from .repository import RegistrationRepository
from .settings import Clock

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# The pause after the n-th failed attempt: 1, 2, 4, 8 minutes (the sweep runs every 5 minutes on AWS).
FIRST_PAUSE = dt.timedelta(minutes=1)
# A claim this old without an outcome belongs to a worker that died between sending and recording.
STALE_CLAIM_AFTER = dt.timedelta(minutes=10)
# Newer state changes that come in while one is sent are delivered in the same call, up to this many rounds.
MAX_ROUNDS = 4
# No new send starts with less time than this left (SES may take 7 s); a cut-off send would become `unknown`.
SAFETY_SECONDS = 8.0


@dataclass(frozen=True)
class Owed:
    kind: str
    owed_id: str


def owed_by(item: Mapping[str, Any]) -> Owed | None:
    """The email this item owes and no worker is sending; None for nothing (also for items from before the
    deliverer, which carry confirmation_status and link_sent_at instead)."""
    kind, owed_id = item.get("mail_owed"), item.get("mail_owed_id")
    if not kind or not owed_id or item.get("mail_claim_for"):
        return None
    return Owed(str(kind), str(owed_id))


def mail_status(item: Mapping[str, Any]) -> str:
    """The state of the registration's email as staff count it, items from before the deliverer included."""
    if item.get("mail_owed") and not item.get("mail_claim_for") and item.get("mail_status") != "retrying":
        return "owed"
    status = item.get("mail_status")
    if status:
        return str(status)
    legacy = item.get("confirmation_status")
    # "pending" was written before sending, inside the request: whether it went out is not known.
    return {"sent": "sent", "failed": "failed", "pending": "unknown"}.get(str(legacy or ""), "")


def no_deadline() -> float:
    return float("inf")


class Deliverer:
    def __init__(
        self,
        event: Event,
        repository: RegistrationRepository,
        mailer: ConfirmationMailer,
        sender: Sender,
        limits: MailboxLimits,
        clock: Clock,
        metrics: Metrics = NO_METRICS,  # ops metrics (observability/metrics.py)
    ):
        self.event = event
        self.repository = repository
        self.mailer = mailer
        self.sender = sender
        self.limits = limits
        self.clock = clock
        self.records = MailRecords(repository, event.id)
        self.metrics = metrics  # ops metrics
        self.last_overdue = 0  # ops metrics: what the last sweep found owed for too long

    # --- triggers ------------------------------------------------------------------------------------------------

    def deliver(self, email: str) -> list[str]:
        """Send what one registration owes now; the outcomes, in order ([] when nothing was owed)."""
        try:
            item = self.repository.get(self.event.id, email)
        except RegistrationNotFound:
            return []
        return self.deliver_item(item)

    def sweep(self, seconds_left: Callable[[], float] = no_deadline) -> Counter[str]:
        """Everything still owed in the event: missed stream records, retries after their pause, stale claims."""
        counts: Counter[str] = Counter()
        overdue = 0  # ops metrics
        for item in self.repository.owing_mail(self.event.id):
            overdue += is_overdue(item, self.clock())  # ops metrics
            if seconds_left() < SAFETY_SECONDS:
                counts["deferred"] += 1
                continue
            settled = self._settle_stale_claim(item)
            if settled is not None:
                counts["unknown"] += 1
                item = settled
            counts.update(self.deliver_item(item))
        self.last_overdue = overdue  # ops metrics
        return counts

    def stream(
        self, records: Iterable[Mapping[str, Any]], seconds_left: Callable[[], float] = no_deadline
    ) -> dict[str, list[dict[str, str]]]:
        """DynamoDB stream records (INSERT, MODIFY, REMOVE): deliver for each item that owes mail. The answer is
        Lambda's partial batch response: records that could not be handled are tried again."""
        failures: list[dict[str, str]] = []
        for record in records:
            sequence = str(record.get("dynamodb", {}).get("SequenceNumber", ""))
            email = self._owing_key(record)
            if email is None:
                continue
            if seconds_left() < SAFETY_SECONDS:
                failures.append({"itemIdentifier": sequence})
                continue
            try:
                self.deliver(email)
            except StoreUnavailable:
                failures.append({"itemIdentifier": sequence})
        return {"batchItemFailures": failures}

    def _owing_key(self, record: Mapping[str, Any]) -> str | None:
        if record.get("eventName") not in ("INSERT", "MODIFY"):
            return None  # REMOVE: TTL or a person deleted it; nothing to send
        image = record.get("dynamodb", {}).get("NewImage") or {}
        if image.get("event", {}).get("S") != self.event.id or "mail_owed" not in image:
            return None
        email = image.get("email", {}).get("S")
        return str(email) if email else None

    # --- one registration ----------------------------------------------------------------------------------------

    def deliver_item(self, item: Mapping[str, Any]) -> list[str]:
        outcomes: list[str] = []
        current: Mapping[str, Any] | None = item
        for _ in range(MAX_ROUNDS):
            owed = owed_by(current) if current is not None else None
            if current is None or owed is None:
                break
            retry_at = current.get("mail_retry_at")
            if retry_at and parse_time(retry_at) > self.clock():
                break
            owed_at = current.get("mail_owed_at")  # ops metrics: the lag is counted from here
            outcome, current = self._send(str(current["email"]), owed)
            outcomes.append(outcome)
            self.metrics.email(owed.kind, outcome, owed_at, self.clock())  # ops metrics: one per email outcome
            log.info("%s email for event %s: %s", owed.kind, self.event.id, outcome, extra=fields(outcome=outcome))
        return outcomes

    def _send(self, email: str, owed: Owed) -> tuple[str, dict[str, Any] | None]:
        now = self.clock()
        stamp = local_iso(now, self.event)
        claim_id = uuid.uuid4().hex
        claimed = self.records.claim(email, owed.owed_id, owed.kind, claim_id, stamp)
        if claimed is None:
            return "skipped", None

        def finish(status: str, settled: bool = True, **extra: Any) -> tuple[str, dict[str, Any] | None]:
            return status, self.records.finish(
                email, claim_id, owed.owed_id, status, local_iso(self.clock(), self.event), settled=settled, extra=extra
            )

        if not self.limits.allow(email, now):
            return finish("held_back")
        try:
            message = self.mailer.build(claimed, now, owed.kind)
        except (ValueError, TypeError, KeyError, UnicodeError) as exc:
            log.error("%s email for event %s cannot be made: %s", owed.kind, self.event.id, type(exc).__name__)
            return finish("failed")
        try:
            message_id = self.sender.send(message, email, tags={EVENT_TAG: self.event.id, CLAIM_TAG: claim_id})
        except MailOutcomeUnknown:
            return finish("unknown")
        except MailNotSent as exc:
            attempts = int(claimed.get("mail_attempts", 0)) + 1
            log.warning("%s email for event %s not sent (attempt %d): %s", owed.kind, self.event.id, attempts, exc)
            if attempts >= MAX_ATTEMPTS:
                return finish("failed", mail_attempts=attempts)
            pause = FIRST_PAUSE * 2 ** (attempts - 1)
            return finish(
                "retrying", settled=False, mail_attempts=attempts, mail_retry_at=local_iso(now + pause, self.event)
            )
        return finish("sent", mail_sent_at=local_iso(self.clock(), self.event), mail_message_id=message_id)

    def _settle_stale_claim(self, item: Mapping[str, Any]) -> dict[str, Any] | None:
        """A claim without an outcome for too long: the worker died after (perhaps) sending. Record `unknown`."""
        claim, claim_for = item.get("mail_claim"), item.get("mail_claim_for")
        if not claim or not claim_for or self.clock() - parse_time(item.get("mail_claimed_at")) < STALE_CLAIM_AFTER:
            return None
        log.warning("email for event %s left unconfirmed by an interrupted worker: unknown", self.event.id)
        self.metrics.email(str(item.get("mail_kind") or "unknown"), "unknown", None, self.clock())  # ops metrics
        return self.records.finish(
            str(item["email"]), str(claim), str(claim_for), "unknown", local_iso(self.clock(), self.event), settled=True
        )
