"""The statuses a stored item carries, one StrEnum per attribute family, so that mypy sees a misspelt one.

Each value is the string stored in DynamoDB and tagged on metrics: renaming a member is free, changing a value is
a migration. Three families, with names that cannot be confused:
- RegistrationStatus: the registration itself (`status`);
- SendState: how our sending of one email stands (`mail_status`, `<slot>_mail_status`, the staff views);
- SesVerdict: what SES reported back about an email it took (`email_status`).
"""

from __future__ import annotations

from enum import StrEnum


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    CANCELLED = "cancelled"


class SendState(StrEnum):
    OWED = "owed"  # to be sent, nobody has claimed it
    CLAIMED = "claimed"  # a deliverer has it in hand
    SENT = "sent"
    RETRYING = "retrying"  # a send failed, another attempt is due
    FAILED = "failed"  # the attempts ran out, or the mail cannot be made
    UNKNOWN = "unknown"  # a send may have begun and its outcome was not recorded: never sent again by itself
    HELD_BACK = "held_back"  # the mailbox limit holds it until the next hour
    RELEASED = "released"  # a claim given back unsent, for the next sweep
    SKIPPED = "skipped"  # another claim has it, or it is no longer owed: not ours to send


class SesVerdict(StrEnum):
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    REJECTED = "rejected"
