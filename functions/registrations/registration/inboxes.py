"""One registration per inbox and meeting, and the calendar SEQUENCE each inbox has seen.

Why one per inbox: the mailbox limit (delivery/mailbox_limits.py) could otherwise be turned against the person it protects.
Five posts of `victim+a0@…` … `victim+a4@…` would each be a registration of their own, use up the inbox's hour and
push the victim's own confirmation behind them. With one registration per inbox, a variant of a registered inbox
is a repeat (409) that owes the personal link to the address that was stored, so an inbox owes at most one
unsolicited email at a time, and what the limit holds back is sent in the next hour.

What an attacker with many variants of one inbox can still do: register the inbox first, under a variant. The owner
then gets one confirmation for it, and their own registration gets 409 and the personal link (to the same inbox),
with which they can cancel and register again under their own address. Repeats cause at most five emails an hour.

The record lives in a partition of its own (`mailboxes`, never the meeting's), keyed by a keyed hash of the meeting
and the mailbox; it names the registration (`owner`, the address as stored) and the last SEQUENCE sent. DynamoDB has
no transaction here (dynalite has none), so taking the record and storing the registration are two writes: a
record whose owner never got stored (a crash between the two) is taken over once it is older than a moment.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..errors import RegistrationNotFound
from ..repository import TTL_ATTRIBUTE, InboxRecord, RegistrationRepository
from .item import is_active

INBOX_PARTITION = "mailboxes"
# Gmail ignores dots in the local part, and googlemail.com is the same service.
GMAIL_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox(address: str) -> str:
    """The mailbox an address delivers to, for counting and for one registration per inbox: lower case, without a
    +tag, and for Gmail without dots and under gmail.com."""
    local, _, domain = address.lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), GMAIL_DOMAINS[domain]
    return f"{local}@{domain}"


# A record without its registration for this long (wall-clock seconds: the preview clock may stand still) belongs to
# a request that died between the two writes.
ORPHAN_AFTER_SECONDS = 30.0
# How long a request waits for a concurrent first registration of the same inbox to appear (rare: a race).
WAIT_FOR_OWNER = (0.05, 0.1, 0.2, 0.4)


class InboxRecords:
    def __init__(
        self,
        repository: RegistrationRepository,
        secret: str,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
    ):
        self.repository = repository
        # A key of its own: the record's key must not let anyone with table access test guessed addresses.
        self._key = hmac.new(secret.encode("utf-8"), b"registrations.registration.inboxes", hashlib.sha256).digest()
        self.sleep = sleep
        self.wall = wall

    def key(self, event_id: str, address: str) -> str:
        digest = hmac.new(self._key, f"{event_id}\n{mailbox(address)}".encode(), hashlib.sha256).hexdigest()
        return digest[:40]

    def owner(self, event_id: str, address: str, expires_at: int) -> str:
        """The stored address of the registration that this inbox has for the meeting: `address` itself when it is
        free, ours, or its registration is cancelled (then it is taken); otherwise the other, active one's."""
        key = self.key(event_id, address)
        if self._take(key, address, "", expires_at):
            return address  # the common case: one conditional write
        for _ in range(3):
            record: InboxRecord = self._get(key) or {}
            holder = str(record.get("owner", ""))
            if holder and holder != address and self._holds(event_id, holder, record):
                return holder
            if self._take(key, address, holder, expires_at):
                return address
        return address  # three races in a row for one inbox: let the registration's own put decide

    def _holds(self, event_id: str, holder: str, record: InboxRecord) -> bool:
        """Whether the record's owner still holds the inbox: its registration is active, or is being stored right
        now by a concurrent request (then this one is a repeat of it)."""
        for pause in (0.0, *WAIT_FOR_OWNER):
            if pause:
                self.sleep(pause)
            try:
                item = self.repository.get(event_id, holder)
            except RegistrationNotFound:
                if self.wall() - float(record.get("taken_at", 0)) >= ORPHAN_AFTER_SECONDS:
                    return False
                continue
            return is_active(item)
        return True

    def _take(self, key: str, address: str, holder: str, expires_at: int) -> bool:
        names = {"#owner": "owner", "#taken": "taken_at", "#expires": TTL_ATTRIBUTE}
        values: dict[str, Any] = {":me": address, ":now": Decimal(str(round(self.wall(), 3))), ":expires": expires_at}
        if holder:
            condition = "#owner = :holder OR #owner = :me"
            values[":holder"] = holder
        else:
            condition = "attribute_not_exists(#owner) OR #owner = :me"
        return self.repository.update_record(
            INBOX_PARTITION,
            key,
            "SET #owner = :me, #taken = :now, #expires = :expires",
            condition,
            names,
            values,
        )

    def next_sequence(self, event_id: str, address: str, floor: int, expires_at: int) -> int:
        """The SEQUENCE for the next calendar entry this inbox gets: above every one it was sent before, and at
        least `floor` (the value the time-based rule of earlier versions would give, so entries already in
        calendars stay below). Compare-and-set, so two senders at once never take the same number."""
        key = self.key(event_id, address)
        for _ in range(5):
            record = self._get(key)
            last = int(record["sequence"]) if record and "sequence" in record else None
            value = max(floor, (last if last is not None else -1) + 1)
            names = {"#seq": "sequence", "#expires": TTL_ATTRIBUTE}
            values: dict[str, Any] = {":value": value, ":expires": expires_at}
            if last is None:
                condition = "attribute_not_exists(#seq)"
            else:
                condition = "#seq = :last"
                values[":last"] = last
            if self.repository.update_record(
                INBOX_PARTITION, key, "SET #seq = :value, #expires = :expires", condition, names, values
            ):
                return value
        raise RuntimeError("the calendar sequence of one inbox kept changing under five attempts")

    def _get(self, key: str) -> InboxRecord | None:
        return self.repository.record(INBOX_PARTITION, key, InboxRecord)
