"""The deliverer: from the item alone, which emails a registration owes, and sending each at most once.

A request writes only what is owed (`mail_owed`, with an id per state change); staff publish the follow-up
(delivery/publication.py); everything after that is here. The same deliverer runs from every trigger: the table's stream,
the scheduled sweep and its continuations on AWS (lambda_handler.py), a worker thread and the same sweep locally
(dev/worker.py), and direct calls in the tests. It is idempotent: calling it twice, or from two places at once,
sends each owed email once (delivery/slots.py says how). Each channel (delivery/channels.py) owes email in a slot of its own.

- A failed send (MailNotSent) is tried again after a growing pause, up to MAX_ATTEMPTS; then `failed` for good.
- An unknown outcome (MailOutcomeUnknown, or a stale claim whose send had begun) is `unknown`, never sent again on
  its own: the SES message carries the claim id as a tag, so its delivery events can settle it. A stale claim
  whose send never began is owed again.
- An email that cannot be made (a template error, bad data) is `failed`, with the reason, and the round goes on.
- Unsolicited emails over the mailbox limit are `held_back` until the next hour, and stay owed.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..errors import RegistrationNotFound, StoreUnavailable
from ..mail import ics
from ..mail.senders import MailNotSent, MailOutcomeUnknown, Sender
from ..meeting import Meeting
from ..observability.logs import fields
from ..observability.metrics import NO_METRICS, Metrics, overdue_since
from ..registration.inboxes import InboxRecords
from ..registration.item import local_iso, parse_time
from ..repository import RegistrationRepository, StoredRegistration
from ..repository.statuses import SendState
from ..settings import Clock
from . import publication
from .channels import UNSOLICITED, Channel, Owed, Round
from .mailbox_limits import MailboxLimits, next_hour
from .ses_events import CLAIM_TAG, EVENT_TAG
from .slots import STATE, SlotRecords, stale_claim

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# The pause after the n-th failed attempt: 1, 2, 4, 8 minutes, or the next sweep when that is later.
FIRST_PAUSE = dt.timedelta(minutes=1)
# Newer state changes that come in while one is sent are delivered in the same call, up to this many rounds.
MAX_ROUNDS = 4
# No new send starts with less time than this left (SES may take 7 s); a cut-off send would become `unknown`.
SAFETY_SECONDS = 8.0


def sending_state(item: StoredRegistration) -> str:
    """The state of the registration's state-change email as staff count it, items from before the deliverer
    included."""
    status = item.get("mail_status")
    if (
        item.get("mail_owed")
        and not item.get("mail_claim_for")
        and status not in (SendState.RETRYING, SendState.HELD_BACK)
    ):
        return SendState.OWED
    if status:
        return str(status)
    legacy = item.get("confirmation_status")
    # "pending" was written before sending, inside the request: whether it went out is not known.
    legacy_states = {"sent": SendState.SENT, "failed": SendState.FAILED, "pending": SendState.UNKNOWN}
    return legacy_states.get(str(legacy or ""), "")


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
        self.limits = limits
        self.inboxes = inboxes
        self.clock = clock
        # Called before every send: spaces sends out under SES's maximum send rate (mail/rate.py).
        self.pace = pace
        # Operations (observability/metrics.py): one document per email outcome, and what the last sweep found
        # owed for too long (the stuck-deliverer alarm).
        self.metrics = metrics
        self.last_overdue = 0

    # --- triggers ------------------------------------------------------------------------------------------------

    def round(self) -> Round:
        return Round(self.clock(), publication.all_versions(self.repository, self.meeting.id))

    def deliver(self, email: str, rnd: Round | None = None) -> list[str]:
        """Send what one registration owes now; the outcomes, in order ([] when nothing was owed)."""
        try:
            item = self.repository.get(self.meeting.id, email)
        except RegistrationNotFound:
            return []
        return self.deliver_item(item, rnd or self.round())

    def sweep(self, seconds_left: Callable[[], float] = no_deadline) -> Counter[str]:
        """Everything still owed for the meeting: missed stream records, retries after their pause, stale claims, the
        follow-up. `deferred` counts the items left for the next round because time ran out."""
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
            settled = self._settle_stale_claims(item, rnd)
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
        """DynamoDB stream records (INSERT, MODIFY, REMOVE): deliver for each item that owes mail. The answer is
        Lambda's partial batch response: records that could not be handled are tried again."""
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
                outcome, after = self._send(current, channel, owed, rnd)
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

    def _send(
        self, item: StoredRegistration, channel: Channel, owed: Owed, rnd: Round
    ) -> tuple[str, StoredRegistration | None]:
        slot = channel.slot
        records = SlotRecords(self.repository, self.meeting.id, slot)
        email = str(item["email"])
        now = self.clock()
        claim_id = uuid.uuid4().hex
        claimed = records.claim(email, owed.owed_id, owed.kind, claim_id, self._stamp())
        if claimed is None:
            return SendState.SKIPPED, None

        def finish(
            status: str, settled: bool = True, extra: dict[str, Any] | None = None
        ) -> tuple[str, StoredRegistration | None]:
            extra = dict(extra or {})
            if settled:
                extra.update(channel.settled_extra(claimed, owed, status, rnd))
            done = records.finish(email, claim_id, owed.owed_id, status, self._stamp(), settled=settled, extra=extra)
            return status, done

        expires = int(self.meeting.expires_at.timestamp())
        try:
            if owed.kind in UNSOLICITED and not self.limits.allow(email, now):
                return finish(SendState.HELD_BACK, False, {slot.attr("retry_at"): self._stamp(next_hour(now))})
            sequence = self.inboxes.next_sequence(self.meeting.id, email, ics.sequence_floor(claimed, now), expires)
            message = channel.build(claimed, owed, rnd, sequence)
        except StoreUnavailable:
            self._give_back(records, email, claim_id)
            raise
        except Exception as exc:  # noqa: BLE001 - a template error or bad data: failed with its reason, not unknown
            log.error("%s email for event %s cannot be made: %s", owed.kind, self.meeting.id, type(exc).__name__)
            return finish(SendState.FAILED, True, {slot.attr("failure"): type(exc).__name__})
        self.pace()
        try:
            marked = records.mark_sending(email, claim_id, self._stamp())
        except StoreUnavailable:
            self._give_back(records, email, claim_id)
            raise
        if marked is None:
            return SendState.SKIPPED, None
        try:
            message_id = self.sender.send(message, email, tags={EVENT_TAG: self.meeting.id, CLAIM_TAG: claim_id})
        except MailOutcomeUnknown:
            return finish(SendState.UNKNOWN)
        except MailNotSent as exc:
            attempts = int(claimed.get(slot.attr("attempts"), 0)) + 1
            log.warning("%s email for event %s not sent (attempt %d): %s", owed.kind, self.meeting.id, attempts, exc)
            if attempts >= MAX_ATTEMPTS:
                return finish(
                    SendState.FAILED, True, {slot.attr("attempts"): attempts, slot.attr("failure"): "MailNotSent"}
                )
            pause = FIRST_PAUSE * 2 ** (attempts - 1)
            retry: dict[str, Any] = {slot.attr("attempts"): attempts, slot.attr("retry_at"): self._stamp(now + pause)}
            return finish(SendState.RETRYING, False, retry)
        return finish(SendState.SENT, True, {slot.attr("sent_at"): self._stamp(), slot.attr("message_id"): message_id})

    def _give_back(self, records: SlotRecords, email: str, claim_id: str) -> None:
        """The store failed before the send began: release the claim if the store answers now; if not, the claim
        has no send mark, so the sweep owes it again once it is stale."""
        try:
            records.release(email, claim_id, self._stamp())
        except StoreUnavailable:
            pass

    def _settle_stale_claims(self, item: StoredRegistration, rnd: Round) -> list[str]:
        """Claims without an outcome for too long: the worker died or was cut off. `unknown` when the send may have
        begun; owed again when it certainly had not."""
        outcomes: list[str] = []
        for channel in self.channels:
            slot = channel.slot
            verdict = stale_claim(item, slot, rnd.now)
            if verdict is None:
                continue
            records = SlotRecords(self.repository, self.meeting.id, slot)
            email, claim = str(item["email"]), str(item[slot.attr("claim")])
            if verdict == SendState.UNKNOWN:
                log.warning("email for event %s left unconfirmed by an interrupted worker: unknown", self.meeting.id)
                owed_id = str(item[slot.attr("claim_for")])
                records.finish(email, claim, owed_id, SendState.UNKNOWN, self._stamp(), settled=True)
                self.metrics.email(str(item.get(slot.attr("kind")) or "unknown"), SendState.UNKNOWN, None, self.clock())
                outcomes.append(SendState.UNKNOWN)
            else:
                log.warning("email for event %s claimed but never sent: owed again", self.meeting.id)
                records.release(email, claim, self._stamp())
                outcomes.append(SendState.RELEASED)
        return outcomes

    def _stamp(self, moment: dt.datetime | None = None) -> str:
        return local_iso(moment or self.clock(), self.meeting)


__all__ = ["STATE", "Deliverer", "sending_state"]
