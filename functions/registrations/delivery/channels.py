"""What a registration owes, per slot: the deliverer asks each channel in turn (delivery/deliverer.py).

A channel says, from the item and what one round knows (`Round`), whether an email is owed in its slot, builds it,
and names what a settled outcome writes besides the slot's own record. The state-change channel is the one a request
feeds (mail_owed); the others derive what is owed from something published (the follow-up, reminders, the meeting's
facts), so any trigger can work it out from the item alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol

from ..mail.confirmation import ConfirmationMailer
from ..repository import RegistrationAttributes, StoredRegistration
from ..repository.statuses import SendState
from .publication import Publication
from .slots import STATE, Slot

# Only these can be caused by anyone on the internet (posting the public form): the mailbox limit counts them.
UNSOLICITED = frozenset({"confirmation", "link"})


@dataclass(frozen=True)
class Owed:
    kind: str
    owed_id: str
    # When it became owed, for the deliverer's lag (ISO time; empty when unknown).
    owed_at: str = ""


@dataclass
class Round:
    """What one round of the deliverer knows besides the items, read once per round."""

    now: dt.datetime
    # Every published version of the follow-up, oldest first (delivery/publication.py).
    publications: tuple[Publication, ...] = ()
    # Other channels' once-per-round reads, by name.
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def publication(self) -> Publication | None:
        return self.publications[-1] if self.publications else None


class Channel(Protocol):
    slot: Slot

    def owed(self, item: StoredRegistration, rnd: Round) -> Owed | None:
        """The email owed in this slot now, or None; never one that a send in progress is handling."""

    def sweep_filter(self, rnd: Round) -> tuple[str, dict[str, str], dict[str, Any]]:
        """A DynamoDB filter that every item owing in this slot (or with a claim in it) matches."""

    def build(self, item: StoredRegistration, owed: Owed, rnd: Round, sequence: int) -> EmailMessage:
        """The message; may raise anything a template or bad data raises (the deliverer records it as failed)."""

    def settled_extra(self, item: StoredRegistration, owed: Owed, status: str, rnd: Round) -> RegistrationAttributes:
        """What a settled outcome writes besides the slot's record (for example: the follow-up it carried)."""


def carries_followup(kind: str, status: str, rnd: Round) -> Publication | None:
    """The follow-up a state-change email carries: a confirmation made once the follow-up is published holds the
    Teams link and the papers, so a late registrant gets one email, not two."""
    if kind == "confirmation" and rnd.publication is not None:
        return rnd.publication
    return None


def received_followup(publication: Publication, status: str) -> RegistrationAttributes:
    """What a settled email that carried this follow-up records: its version, and the Teams link for the calendar."""
    if status not in (SendState.SENT, SendState.UNKNOWN):
        return {}
    return {
        "followup_version": publication.version,
        "followup_mail_done": publication.owed_id,
        "teams_link": publication.teams_link,
    }


class StateChannel:
    """Confirmation, the personal link again, a change and a cancellation: what a request wrote as owed."""

    slot = STATE

    def __init__(self, mailer: ConfirmationMailer):
        self.mailer = mailer

    def owed(self, item: StoredRegistration, rnd: Round) -> Owed | None:
        kind, owed_id = item.get("mail_owed"), item.get("mail_owed_id")
        if not kind or not owed_id or item.get("mail_claim_for"):
            return None
        return Owed(str(kind), str(owed_id), str(item.get("mail_owed_at", "")))

    def sweep_filter(self, rnd: Round) -> tuple[str, dict[str, str], dict[str, Any]]:
        return (
            "attribute_exists(#m_owed) OR attribute_exists(#m_claim_for)",
            {"#m_owed": "mail_owed", "#m_claim_for": "mail_claim_for"},
            {},
        )

    def build(self, item: StoredRegistration, owed: Owed, rnd: Round, sequence: int) -> EmailMessage:
        followup = carries_followup(owed.kind, "", rnd)
        return self.mailer.build(item, rnd.now, owed.kind, sequence=sequence, followup=followup)

    def settled_extra(self, item: StoredRegistration, owed: Owed, status: str, rnd: Round) -> RegistrationAttributes:
        followup = carries_followup(owed.kind, status, rnd)
        return received_followup(followup, status) if followup is not None else {}
