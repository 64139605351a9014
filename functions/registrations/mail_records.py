"""The deliverer's bookkeeping on a registration: claim → send → confirm, each a conditional update.

The follow-up mailing's pattern (followup.py), for the emails a registration owes:

- **claim:** only while this state change (`mail_owed_id`) is owed and no send is in progress (`mail_claim_for`
  absent). Of two workers, or two deliveries of one stream record, exactly one wins.
- **send,** tagged with the claim id.
- **finish:** under our claim only. A settled email (sent, failed for good, unknown, held back) drops what is owed,
  but only if no newer state change came in meanwhile; that one stays owed, for the next round.

A crash between send and finish leaves `mail_claim_for`: that change is never claimed again, and the sweep settles
it as `unknown` once the claim is stale. So nothing is sent twice without a person deciding it.
Every write here sets `mail_status`, which the stream's filter reads: the deliverer's own writes never wake it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .repository import RegistrationRepository

# What a settled email leaves behind: nothing owed, no attempts counted.
OWED = ("mail_owed", "mail_owed_id", "mail_owed_at", "mail_attempts", "mail_retry_at")
IN_PROGRESS = ("mail_claim_for", "mail_claimed_at")


class MailRecords:
    def __init__(self, repository: RegistrationRepository, event_id: str):
        self.repository = repository
        self.event_id = event_id

    def claim(self, email: str, owed_id: str, kind: str, claim_id: str, now: str) -> dict[str, Any] | None:
        """Take the send of this state change; the item as it now is, or None when someone else has it (or it is
        no longer owed)."""
        return self.repository.conditional_update(
            self.event_id,
            email,
            "SET #claim = :claim, #for = :owed, #claimed_at = :now, #status = :claimed, #status_at = :now, "
            "#kind = :kind",
            "#owed_id = :owed AND attribute_not_exists(#for)",
            {
                "#claim": "mail_claim",
                "#for": "mail_claim_for",
                "#claimed_at": "mail_claimed_at",
                "#status": "mail_status",
                "#status_at": "mail_status_at",
                "#kind": "mail_kind",
                "#owed_id": "mail_owed_id",
            },
            {":claim": claim_id, ":owed": owed_id, ":now": now, ":claimed": "claimed", ":kind": kind},
        )

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
    ) -> dict[str, Any] | None:
        """Record the outcome of our claim and end it. `settled`: this state change needs nothing more. Returns
        the item as it now is, or None when the claim was not ours any more (then nothing is written)."""
        sets = {"mail_status": status, "mail_status_at": now, **(extra or {})}
        if settled:
            cleared = tuple(name for name in OWED if name not in sets)  # a failure keeps its count of attempts
            done = self._update(email, sets, IN_PROGRESS + cleared, claim_id, owed_id)
            if done is not None:
                return done
            # A newer state change came in while we sent: record ours, and leave the newer one owed.
            return self._update(email, {"mail_status": status, "mail_status_at": now}, IN_PROGRESS, claim_id)
        kept = self._update(email, sets, IN_PROGRESS, claim_id, owed_id)
        if kept is not None:
            return kept
        # To try again, but a newer state change replaced it: the newer one is owed instead, without a wait.
        return self._update(email, {"mail_status": status, "mail_status_at": now}, IN_PROGRESS, claim_id)

    def _update(
        self, email: str, sets: Mapping[str, Any], removes: tuple[str, ...], claim_id: str, owed_id: str | None = None
    ) -> dict[str, Any] | None:
        names = {f"#s{i}": name for i, name in enumerate(sets)}
        names.update({f"#r{i}": name for i, name in enumerate(removes)})
        names["#claim"] = "mail_claim"
        values: dict[str, Any] = {f":s{i}": value for i, value in enumerate(sets.values())}
        values[":claim"] = claim_id
        condition = "#claim = :claim"
        if owed_id is not None:
            names["#owed_id"] = "mail_owed_id"
            values[":owed"] = owed_id
            condition += " AND #owed_id = :owed"
        update = (
            "SET "
            + ", ".join(f"#s{i} = :s{i}" for i in range(len(sets)))
            + " REMOVE "
            + ", ".join(f"#r{i}" for i in range(len(removes)))
        )
        return self.repository.conditional_update(self.event_id, email, update, condition, names, values)
