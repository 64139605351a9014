"""The deliverer's bookkeeping on a registration: claim → mark → send → finish, each a conditional update.

A registration owes several kinds of email independently, each in a *slot* of its own attributes (a prefix), so
that one never hides another:

- the `mail_` slot: the state changes a request writes (confirmation, link, change, cancellation); what is owed is
  named by `mail_owed_id`, which a request writes anew for every change;
- derived slots (the follow-up, reminders, a changed meeting): what is owed follows from the item and what was
  published; `<prefix>done` names the last owed id that was settled, so it is never owed twice.

The protocol, the same for every slot:

- **claim:** only while this owed id is owed and no send is in progress (`<prefix>claim_for` absent). Of two
  workers, or two deliveries of one stream record, exactly one wins. If the claim was stored but its answer was lost,
  botocore's retry fails the condition: the claim id on the item tells our own claim apart (as `submission_id`
  does for a put).
- **mark:** `<prefix>sending_at`, written just before the sender is called. A stale claim without the mark never
  reached the sender: it is owed again. Only a stale claim with the mark may have reached SES: `unknown`.
- **send,** tagged with the claim id.
- **finish:** under our claim only. Settled (sent, failed for good, unknown) ends what is owed; not settled
  (retrying, held back) keeps it owed with a time to try again.

Every write here sets `mail_status` or a slot status, never clears `mail_status`: the stream's filter wakes the
deliverer only for request writes (lambda_handler.STREAM_FILTER).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, get_args, overload

from ..errors import RegistrationNotFound
from ..repository import PARTITION_KEY, RegistrationRepository, StoredRegistration
from ..repository.slot_names import (
    SlotAttribute,
    SlotCountAttribute,
    SlotCountField,
    SlotField,
    SlotPrefix,
    SlotTextAttribute,
    SlotTextField,
    slot_attribute,
)
from ..repository.statuses import RegistrationStatus, SendState

# A claim this old without an outcome belongs to a worker that died or was cut off.
STALE_CLAIM_AFTER = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Slot:
    """One independent line of owed email on an item, by attribute prefix."""

    name: str
    prefix: SlotPrefix
    # True for the state-change slot, whose owed id a request writes (mail_owed_id); False: derived (<prefix>done).
    requested: bool = False

    @overload
    def attr(self, field: SlotCountField) -> SlotCountAttribute: ...
    @overload
    def attr(self, field: SlotTextField) -> SlotTextAttribute: ...
    def attr(self, field: SlotField) -> SlotAttribute:
        """The stored name of one of the slot's fields (repository/slot_names.py: a Literal that mypy checks)."""
        return slot_attribute(self.prefix, field)

    @property
    def in_progress(self) -> tuple[str, ...]:
        return (self.attr("claim_for"), self.attr("claimed_at"), self.attr("sending_at"))

    @property
    def owed_attributes(self) -> tuple[str, ...]:
        """What a settled state-change email leaves behind: nothing owed, no attempts counted."""
        if self.requested:
            return ("mail_owed", "mail_owed_id", "mail_owed_at", "mail_attempts", "mail_retry_at")
        return (self.attr("attempts"), self.attr("retry_at"))


STATE = Slot("mail", "mail_", requested=True)
# Every slot's prefix: the state changes, the follow-up, reminders and a changed meeting. SES's delivery events name
# a claim id, not its slot (delivery/ses_events.py).
SLOT_PREFIXES: tuple[SlotPrefix, ...] = get_args(SlotPrefix)


def sending_state(item: Mapping[str, Any]) -> str:
    """The state of the registration's state-change email (the STATE slot) as staff count it, items from before
    the deliverer included."""
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


class SlotRecords:
    def __init__(self, repository: RegistrationRepository, event_id: str, slot: Slot):
        self.repository = repository
        self.event_id = event_id
        self.slot = slot

    def _names(self, *attrs: SlotField) -> dict[str, str]:
        return {f"#{a}": self.slot.attr(a) for a in attrs}

    def claim(self, email: str, owed_id: str, kind: str, claim_id: str, now: str) -> StoredRegistration | None:
        """Take the send of this owed email; the item as it now is, or None when someone else has it (or it is no
        longer owed)."""
        names = self._names("claim", "claim_for", "claimed_at", "status", "status_at", "kind")
        values: dict[str, Any] = {":claim": claim_id, ":owed": owed_id, ":now": now, ":claimed": SendState.CLAIMED}
        values[":kind"] = kind
        if self.slot.requested:
            names["#owed_id"] = "mail_owed_id"
            condition = "#owed_id = :owed AND attribute_not_exists(#claim_for)"
        else:
            names.update({"#done": self.slot.attr("done"), "#status_of": "status", "#pk": PARTITION_KEY})
            values[":registered"] = RegistrationStatus.REGISTERED
            condition = (
                "attribute_exists(#pk) AND #status_of = :registered AND attribute_not_exists(#claim_for) "
                "AND (attribute_not_exists(#done) OR #done <> :owed)"
            )
        claimed = self.repository.conditional_update(
            self.event_id,
            email,
            "SET #claim = :claim, #claim_for = :owed, #claimed_at = :now, #status = :claimed, #status_at = :now, "
            "#kind = :kind",
            condition,
            names,
            values,
        )
        if claimed is not None:
            return claimed
        # The condition failed: someone else's claim, or our own whose answer was lost and retried by botocore.
        try:
            item = self.repository.get(self.event_id, email)
        except RegistrationNotFound:
            return None
        if item.get(self.slot.attr("claim")) == claim_id and item.get(self.slot.attr("claim_for")) == owed_id:
            return item
        return None

    def mark_sending(self, email: str, claim_id: str, now: str) -> StoredRegistration | None:
        """Record that the sender is about to be called under our claim. Idempotent, so a retried write meets
        itself. None when the claim is not ours any more (then nothing may be sent)."""
        return self.repository.conditional_update(
            self.event_id,
            email,
            "SET #sending_at = :now",
            "#claim = :claim AND attribute_exists(#claim_for)",
            self._names("sending_at", "claim", "claim_for"),
            {":now": now, ":claim": claim_id},
        )

    def release(
        self, email: str, claim_id: str, now: str, status: str = SendState.RELEASED
    ) -> StoredRegistration | None:
        """Give back a claim whose send never began: what it was for is owed again, at once."""
        return self._update(email, {self.slot.attr("status"): status, self.slot.attr("status_at"): now}, (), claim_id)

    def finish(
        self,
        email: str,
        claim_id: str,
        owed_id: str,
        status: str,
        now: str,
        *,
        settled: bool,
        extra: Mapping[str, Any] | None = None,
    ) -> StoredRegistration | None:
        """Record the outcome of our claim and end it. `settled`: this owed email needs nothing more. Returns the
        item as it now is, or None when the claim was not ours any more (then nothing is written)."""
        slot = self.slot
        sets: dict[str, Any] = {slot.attr("status"): status, slot.attr("status_at"): now, **(extra or {})}
        if not slot.requested:
            if settled:
                sets[slot.attr("done")] = owed_id
                removes = tuple(name for name in slot.owed_attributes if name not in sets)
            else:
                removes = ()
            return self._update(email, sets, removes, claim_id)
        if settled:
            cleared = tuple(name for name in slot.owed_attributes if name not in sets)  # a failure keeps its count
            done = self._update(email, sets, cleared, claim_id, owed_id)
            if done is not None:
                return done
            # A newer state change came in while we sent: record ours, and leave the newer one owed.
            return self._update(email, _outcome_only(sets, slot), (), claim_id)
        kept = self._update(email, sets, (), claim_id, owed_id)
        if kept is not None:
            return kept
        # To try again, but a newer state change replaced it: the newer one is owed instead, without a wait.
        return self._update(email, _outcome_only(sets, slot), (), claim_id)

    def _update(
        self, email: str, sets: Mapping[str, Any], removes: tuple[str, ...], claim_id: str, owed_id: str | None = None
    ) -> StoredRegistration | None:
        removes = self.slot.in_progress + removes
        names = {f"#s{i}": name for i, name in enumerate(sets)}
        names.update({f"#r{i}": name for i, name in enumerate(removes)})
        names["#claim"] = self.slot.attr("claim")
        values: dict[str, Any] = {f":s{i}": value for i, value in enumerate(sets.values())}
        values[":claim"] = claim_id
        condition = "#claim = :claim"
        if owed_id is not None:
            names["#owed_id"] = "mail_owed_id"
            values[":owed"] = owed_id
            condition += " AND #owed_id = :owed"
        update = "SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets)))
        update += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
        return self.repository.conditional_update(self.event_id, email, update, condition, names, values)


def _outcome_only(sets: Mapping[str, Any], slot: Slot) -> dict[str, Any]:
    return {slot.attr("status"): sets[slot.attr("status")], slot.attr("status_at"): sets[slot.attr("status_at")]}


def stale_claim(item: StoredRegistration, slot: Slot, now: dt.datetime) -> str | None:
    """For a claim left too long without an outcome: "unknown" when its send may have begun (the mark is there),
    "release" when it certainly never reached the sender; None when there is no stale claim."""
    from ..registration.item import parse_time

    if not item.get(slot.attr("claim")) or not item.get(slot.attr("claim_for")):
        return None
    if now - parse_time(item.get(slot.attr("claimed_at"))) < STALE_CLAIM_AFTER:
        return None
    return SendState.UNKNOWN if item.get(slot.attr("sending_at")) else "release"
