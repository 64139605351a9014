"""The follow-up mailing's records on each registration: claim → send → confirm, as conditional updates.

The follow-up mailing (registrations send-followup) records, per registration, that it was sent. Sending is
claim → send → confirm: the claim is a conditional update, so two runs, or a re-run after a crash, can never both
send to one person. A claim that was never confirmed (a crash between sending and recording) stays visible as
`followup_claim` without `followup_sent_at`, and is reported rather than silently sent again. Every write goes
through the repository, the one door to DynamoDB.
"""

from __future__ import annotations

from typing import Any

from .repository import PARTITION_KEY, RegistrationRepository


class FollowupRecords:
    def __init__(self, repository: RegistrationRepository):
        self.repository = repository

    def claim_followup(
        self, event_id: str, email: str, claim: str, claimed_at: str, replacing: str | None = None
    ) -> bool:
        """Take the follow-up claim on an active registration not yet sent to; False when that is not (or no
        longer) so. With `replacing`, take over that earlier unconfirmed claim instead of requiring none."""
        condition = "attribute_exists(#pk) AND #status = :registered AND attribute_not_exists(#sent) AND " + (
            "#claim = :replacing" if replacing else "attribute_not_exists(#claim)"
        )
        values = {":registered": "registered", ":claim": claim, ":claimed_at": claimed_at}
        if replacing:
            values[":replacing"] = replacing
        return self._changed(
            event_id,
            email,
            "SET #claim = :claim, #claimed_at = :claimed_at",
            condition,
            {
                "#pk": PARTITION_KEY,
                "#status": "status",
                "#sent": "followup_sent_at",
                "#claim": "followup_claim",
                "#claimed_at": "followup_claimed_at",
            },
            values,
        )

    def confirm_followup(
        self, event_id: str, email: str, claim: str, sent_at: str, message_id: str = "", teams_link: str = ""
    ) -> bool:
        """Record the follow-up as sent under our claim, and drop the claim; False if the claim is not ours.

        The Teams link is kept on the registration, so every later calendar update the person gets still holds it.
        """
        names = {"#claim": "followup_claim", "#claimed_at": "followup_claimed_at", "#sent": "followup_sent_at"}
        values = {":claim": claim, ":sent_at": sent_at}
        update = "SET #sent = :sent_at"
        if teams_link:
            names["#teams_link"] = "teams_link"
            values[":teams_link"] = teams_link
            update += ", #teams_link = :teams_link"
        if message_id:
            names["#message_id"] = "followup_message_id"
            values[":message_id"] = message_id
            update += ", #message_id = :message_id"
        return self._changed(event_id, email, update + " REMOVE #claim, #claimed_at", "#claim = :claim", names, values)

    def release_followup(self, event_id: str, email: str, claim: str) -> bool:
        """Give a claim back after a send that certainly failed, so a later run tries again."""
        return self._changed(
            event_id,
            email,
            "REMOVE #claim, #claimed_at",
            "#claim = :claim",
            {"#claim": "followup_claim", "#claimed_at": "followup_claimed_at"},
            {":claim": claim},
        )

    def _changed(
        self, event_id: str, email: str, update: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> bool:
        return self.repository.conditional_update(event_id, email, update, condition, names, values) is not None
