"""The follow-up with the Teams link and the papers, as an email the deliverer owes (delivery/channels.py).

Owed by every active registrant while the newest published version (delivery/publication.py) is above the version they
received (`followup_version`). Who had none gets the newest in full ("followup"); who had an earlier one gets a
short email that says what changed ("followup_change"). A confirmation made after publishing carries the follow-up
itself, so it is not owed while the confirmation is. Registrations that received the follow-up from the staff
command of earlier versions (`followup_sent_at`) count as having received version 1 when its Teams link is the one
they got, and are never sent it again.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from ..mail.confirmation import ConfirmationMailer
from ..registration.item import is_active
from ..repository import RegistrationAttributes, StoredRegistration
from ..repository.statuses import RegistrationStatus
from .channels import Owed, Round, received_followup
from .publication import Publication
from .slots import Slot

FOLLOWUP = Slot("followup", "followup_mail_")


def received_version(item: StoredRegistration, rnd: Round) -> int:
    """The follow-up version this registration has (0: none)."""
    if item.get("followup_version") is not None:
        return int(item["followup_version"])
    if item.get("followup_sent_at") and rnd.publications:
        first = rnd.publications[0]
        if first.version == 1 and str(item.get("teams_link", "")) == first.teams_link:
            return 1
    return 0


class FollowupChannel:
    slot = FOLLOWUP

    def __init__(self, mailer: ConfirmationMailer):
        self.mailer = mailer

    def owed(self, item: StoredRegistration, rnd: Round) -> Owed | None:
        publication = rnd.publication
        if publication is None or not is_active(item):
            return None
        if item.get(FOLLOWUP.attr("claim_for")) or item.get(FOLLOWUP.attr("done")) == publication.owed_id:
            return None
        if item.get("mail_owed") == "confirmation":
            return None  # the confirmation will carry it
        received = received_version(item, rnd)
        if received >= publication.version:
            return None
        kind = "followup_change" if received else "followup"
        return Owed(kind, publication.owed_id, publication.published_at)

    def sweep_filter(self, rnd: Round) -> tuple[str, dict[str, str], dict[str, Any]]:
        names: dict[str, str] = {"#f_claim_for": FOLLOWUP.attr("claim_for")}
        publication = rnd.publication
        if publication is None:
            return "attribute_exists(#f_claim_for)", names, {}
        names.update({"#f_status": "status", "#f_version": "followup_version"})
        # Everyone active whose version is older (or who has none): the channel's own check decides the rest.
        return (
            "attribute_exists(#f_claim_for) OR (#f_status = :f_registered AND "
            "(attribute_not_exists(#f_version) OR #f_version < :f_version))",
            names,
            {":f_registered": RegistrationStatus.REGISTERED, ":f_version": publication.version},
        )

    def build(self, item: StoredRegistration, owed: Owed, rnd: Round, sequence: int) -> EmailMessage:
        publication = _published(rnd, owed)
        previous = None
        if owed.kind == "followup_change":
            received = received_version(item, rnd)
            previous = next((p for p in rnd.publications if p.version == received), None)
        return self.mailer.build_followup(item, rnd.now, publication, sequence=sequence, previous=previous)

    def settled_extra(self, item: StoredRegistration, owed: Owed, status: str, rnd: Round) -> RegistrationAttributes:
        extra = received_followup(_published(rnd, owed), status)
        extra.pop("followup_mail_done", None)  # the slot's own record writes it
        return extra


def _published(rnd: Round, owed: Owed) -> Publication:
    return next(p for p in rnd.publications if p.owed_id == owed.owed_id)
