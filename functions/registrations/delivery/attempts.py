"""One owed email, tried once: claim it in its slot, make it, mark the send, send it, record what came of it.

delivery/slots.py keeps the records; this decides what each outcome means:

- A failed send (MailNotSent) is tried again after a growing pause, up to MAX_ATTEMPTS; then `failed` for good.
- An unknown outcome (MailOutcomeUnknown, or a stale claim whose send had begun) is `unknown`, never sent again on
  its own: the SES message carries the claim id as a tag, so its delivery events can settle it. A stale claim
  whose send never began is owed again.
- An email that cannot be made (a template error, bad data) is `failed`, with the reason.
- Unsolicited emails over the mailbox limit are `held_back` until the next hour, and stay owed.
- The store failing before the send began gives the claim back: nothing was sent, so it is owed again.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from ..errors import StoreUnavailable
from ..mail import ics
from ..mail.senders import MailNotSent, MailOutcomeUnknown, Sender
from ..meeting import Meeting
from ..observability.metrics import Metrics
from ..registration.inboxes import InboxRecords
from ..registration.item import local_iso
from ..repository import RegistrationRepository, StoredRegistration
from ..repository.statuses import SendState
from ..settings import Clock
from .channels import UNSOLICITED, Channel, Owed, Round
from .mailbox_limits import MailboxLimits, next_hour
from .ses_events import CLAIM_TAG, EVENT_TAG
from .slots import Slot, SlotRecords, stale_claim

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# The pause after the n-th failed attempt: 1, 2, 4, 8 minutes, or the next sweep when that is later.
FIRST_PAUSE = dt.timedelta(minutes=1)

# An outcome, and the item as it is after it (None: someone else has the email now, or the item is gone).
Outcome = tuple[str, StoredRegistration | None]


@dataclass(frozen=True)
class Claim:
    """One owed email claimed in its slot: what finishing it needs."""

    records: SlotRecords
    channel: Channel
    owed: Owed
    rnd: Round
    email: str
    claim_id: str
    item: StoredRegistration  # the item as the claim left it

    @property
    def slot(self) -> Slot:
        return self.channel.slot


class Attempts:
    def __init__(
        self,
        meeting: Meeting,
        repository: RegistrationRepository,
        sender: Sender,
        limits: MailboxLimits,
        inboxes: InboxRecords,
        clock: Clock,
        pace: Callable[[], None],
        metrics: Metrics,
    ):
        self.meeting = meeting
        self.repository = repository
        self.sender = sender
        self.limits = limits
        self.inboxes = inboxes
        self.clock = clock
        self.pace = pace
        self.metrics = metrics

    def attempt(self, item: StoredRegistration, channel: Channel, owed: Owed, rnd: Round) -> Outcome:
        records = SlotRecords(self.repository, self.meeting.id, channel.slot)
        email, now, claim_id = str(item["email"]), self.clock(), uuid.uuid4().hex
        claimed = records.claim(email, owed.owed_id, owed.kind, claim_id, self._stamp())
        if claimed is None:
            return SendState.SKIPPED, None
        claim = Claim(records, channel, owed, rnd, email, claim_id, claimed)
        try:
            if owed.kind in UNSOLICITED and not self.limits.allow(email, now):
                return self._finish(
                    claim, SendState.HELD_BACK, False, {claim.slot.attr("retry_at"): self._stamp(next_hour(now))}
                )
            message = self._message(claim, now)
        except StoreUnavailable:
            self._give_back(claim)
            raise
        except Exception as exc:  # noqa: BLE001 - a template error or bad data: failed with its reason, not unknown
            log.error("%s email for event %s cannot be made: %s", owed.kind, self.meeting.id, type(exc).__name__)
            return self._finish(claim, SendState.FAILED, True, {claim.slot.attr("failure"): type(exc).__name__})
        self.pace()
        try:
            marked = records.mark_sending(email, claim_id, self._stamp())
        except StoreUnavailable:
            self._give_back(claim)
            raise
        if marked is None:
            return SendState.SKIPPED, None
        return self._send(claim, message, now)

    def _message(self, claim: Claim, now: dt.datetime) -> EmailMessage:
        """The email, with the inbox's next calendar SEQUENCE."""
        floor = ics.sequence_floor(claim.item, now)
        sequence = self.inboxes.next_sequence(
            self.meeting.id, claim.email, floor, int(self.meeting.expires_at.timestamp())
        )
        return claim.channel.build(claim.item, claim.owed, claim.rnd, sequence)

    def _send(self, claim: Claim, message: EmailMessage, now: dt.datetime) -> Outcome:
        tags = {EVENT_TAG: self.meeting.id, CLAIM_TAG: claim.claim_id}
        try:
            message_id = self.sender.send(message, claim.email, tags=tags)
        except MailOutcomeUnknown:
            return self._finish(claim, SendState.UNKNOWN)
        except MailNotSent as exc:
            attempts = int(claim.item.get(claim.slot.attr("attempts"), 0)) + 1
            log.warning(
                "%s email for event %s not sent (attempt %d): %s", claim.owed.kind, self.meeting.id, attempts, exc
            )
            if attempts >= MAX_ATTEMPTS:
                failed: dict[str, Any] = {
                    claim.slot.attr("attempts"): attempts,
                    claim.slot.attr("failure"): "MailNotSent",
                }
                return self._finish(claim, SendState.FAILED, True, failed)
            pause = FIRST_PAUSE * 2 ** (attempts - 1)
            retry: dict[str, Any] = {
                claim.slot.attr("attempts"): attempts,
                claim.slot.attr("retry_at"): self._stamp(now + pause),
            }
            return self._finish(claim, SendState.RETRYING, False, retry)
        sent: dict[str, Any] = {claim.slot.attr("sent_at"): self._stamp(), claim.slot.attr("message_id"): message_id}
        return self._finish(claim, SendState.SENT, True, sent)

    def _finish(
        self, claim: Claim, status: str, settled: bool = True, extra: Mapping[str, Any] | None = None
    ) -> Outcome:
        written = dict(extra or {})
        if settled:
            written.update(claim.channel.settled_extra(claim.item, claim.owed, status, claim.rnd))
        done = claim.records.finish(
            claim.email, claim.claim_id, claim.owed.owed_id, status, self._stamp(), settled=settled, extra=written
        )
        return status, done

    def _give_back(self, claim: Claim) -> None:
        """The store failed before the send began: release the claim if the store answers now; if not, the claim
        has no send mark, so the sweep owes it again once it is stale."""
        try:
            claim.records.release(claim.email, claim.claim_id, self._stamp())
        except StoreUnavailable:
            pass

    def settle_stale_claims(self, item: StoredRegistration, channels: Sequence[Channel], rnd: Round) -> list[str]:
        """Claims without an outcome for too long: the worker died or was cut off. `unknown` when the send may have
        begun; owed again when it certainly had not."""
        outcomes: list[str] = []
        for channel in channels:
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
