"""The stored names of the deliverer's slot attributes (delivery/slots.py), as Literals that mypy checks."""

from __future__ import annotations

from typing import Literal, cast, get_args, overload

# The deliverer's slots (delivery/slots.py) name their attributes at run time, prefix + field, and mypy cannot add
# strings. So the prefixes, the fields and the names they make are Literals rather than accessor functions, which
# keeps every `item.get(slot.attr("retry_at"))` as it reads: a misspelt field is a type error, and Slot.attr gives
# a name that mypy looks up in StoredRegistration. It gives the union of the slots' text (or count) attributes, not
# the one key, which is enough to type what is read. tests/unit/test_item_typing.py keeps the names and the
# TypedDict equal.
SlotPrefix = Literal["mail_", "followup_mail_", "reminder_mail_", "meeting_mail_"]
SlotTextField = Literal[
    "done",
    "status",
    "status_at",
    "kind",
    "claim",
    "claim_for",
    "claimed_at",
    "sending_at",
    "retry_at",
    "sent_at",
    "message_id",
    "failure",
]
# The one field that holds a number: the failed attempts.
SlotCountField = Literal["attempts"]
SlotField = Literal[SlotTextField, SlotCountField]
SlotCountAttribute = Literal[
    "mail_attempts", "followup_mail_attempts", "reminder_mail_attempts", "meeting_mail_attempts"
]
SlotTextAttribute = Literal[
    "mail_status",
    "mail_status_at",
    "mail_kind",
    "mail_claim",
    "mail_claim_for",
    "mail_claimed_at",
    "mail_sending_at",
    "mail_retry_at",
    "mail_sent_at",
    "mail_message_id",
    "mail_failure",
    "followup_mail_done",
    "followup_mail_status",
    "followup_mail_status_at",
    "followup_mail_kind",
    "followup_mail_claim",
    "followup_mail_claim_for",
    "followup_mail_claimed_at",
    "followup_mail_sending_at",
    "followup_mail_retry_at",
    "followup_mail_sent_at",
    "followup_mail_message_id",
    "followup_mail_failure",
    "reminder_mail_done",
    "reminder_mail_status",
    "reminder_mail_status_at",
    "reminder_mail_kind",
    "reminder_mail_claim",
    "reminder_mail_claim_for",
    "reminder_mail_claimed_at",
    "reminder_mail_sending_at",
    "reminder_mail_retry_at",
    "reminder_mail_sent_at",
    "reminder_mail_message_id",
    "reminder_mail_failure",
    "meeting_mail_done",
    "meeting_mail_status",
    "meeting_mail_status_at",
    "meeting_mail_kind",
    "meeting_mail_claim",
    "meeting_mail_claim_for",
    "meeting_mail_claimed_at",
    "meeting_mail_sending_at",
    "meeting_mail_retry_at",
    "meeting_mail_sent_at",
    "meeting_mail_message_id",
    "meeting_mail_failure",
]
SlotAttribute = Literal[SlotTextAttribute, SlotCountAttribute]
SLOT_ATTRIBUTES: frozenset[str] = frozenset(get_args(SlotAttribute))


@overload
def slot_attribute(prefix: SlotPrefix, field: SlotCountField) -> SlotCountAttribute: ...
@overload
def slot_attribute(prefix: SlotPrefix, field: SlotTextField) -> SlotTextAttribute: ...
def slot_attribute(prefix: SlotPrefix, field: SlotField) -> SlotAttribute:
    """The stored name of a slot's field. KeyError for a name no slot stores (the state-change slot has no `done`:
    what it owes is named by mail_owed_id)."""
    name = prefix + field
    if name not in SLOT_ATTRIBUTES:
        raise KeyError(name)
    return cast(SlotAttribute, name)
