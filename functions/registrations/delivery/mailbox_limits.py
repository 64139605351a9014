"""At most a few unsolicited emails per mailbox per hour; what is over the limit waits for the next hour.

Counted per mailbox, not per address: `Jan+1@x.nl` and `jan+2@X.nl` are one mailbox (`jan@x.nl`), and so are
Gmail's dotted forms and googlemail.com (`j.an@googlemail.com` is `jan@gmail.com`). A hyphen is never folded:
`jan-willem@` and `janwillem@` are different people. The registration itself keeps the address as it was typed.

Whose mail is limited: only what anyone on the internet can cause by posting the public form, the confirmation and
the personal link again (channels.UNSOLICITED). Every other email follows from the registration itself, once per
change, publication or reminder (a change or cancellation through the personal link, the follow-up, reminders, a
changed meeting), so an attacker cannot make more of them, and they are never held back: nobody can push a
person's Teams link or reminder past the start. Since an inbox holds one registration (registration/inboxes.py), what is held back
is at most one owed email per registration, sent in the next hour: deferred, never dropped.

The counters live in a partition of their own (never the event's, which STAFF.md promises holds registrations
only), keyed by a keyed hash of the mailbox and the hour, and DynamoDB's TTL deletes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from ..registration.inboxes import mailbox
from ..repository import TTL_ATTRIBUTE, RegistrationRepository

LIMITS_PARTITION = "mail-limits"
EMAILS_PER_MAILBOX_PER_HOUR = 5
# Kept a little longer than the hour it counts; TTL deletes it afterwards (within a day or two).
COUNTER_KEPT = dt.timedelta(hours=2)


def next_hour(now: dt.datetime) -> dt.datetime:
    """When a mailbox whose hour is full may get email again."""
    return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)


class MailboxLimits:
    def __init__(self, repository: RegistrationRepository, secret: str, per_hour: int = EMAILS_PER_MAILBOX_PER_HOUR):
        self.repository = repository
        # A key of its own: the counter's key must not let anyone with table access test guessed addresses.
        self._key = hmac.new(secret.encode("utf-8"), b"registrations.mailbox-limits", hashlib.sha256).digest()
        self.per_hour = per_hour

    def allow(self, address: str, now: dt.datetime) -> bool:
        """Count one email to this address's mailbox in the current hour; False when the hour is full."""
        hour = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        digest = hmac.new(self._key, mailbox(address).encode("utf-8"), hashlib.sha256).hexdigest()[:32]
        key = f"{digest}#{hour:%Y-%m-%dT%H}"
        # One more for this mailbox and hour, unless the limit is reached: the condition makes it exact under races.
        return self.repository.update_record(
            LIMITS_PARTITION,
            key,
            "ADD #count :one SET #expires = :expires",
            "attribute_not_exists(#count) OR #count < :limit",
            {"#count": "count", "#expires": TTL_ATTRIBUTE},
            {":one": 1, ":limit": self.per_hour, ":expires": int((hour + COUNTER_KEPT).timestamp())},
        )
