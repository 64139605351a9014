"""The rules of registering: the deadline, one registration per inbox, and one write of the registration.

The request only records which email is owed (item.owed_mail); the deliverer (delivery/deliverer.py) sends it. The same
rules serve the JSON path, the no-JS form path and the Lambda handler. Before the registration's conditional put,
the inbox's record is taken (registration/inboxes.py): a variant of an inbox that is already registered (`jan+x@`, Gmail's dots)
is a repeat of that registration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import DuplicateRegistration, MeetingCancelled, RegistrationClosed, RegistrationNotFound
from ..meeting import Meeting, dutch_date
from ..observability.logs import fields
from ..repository import RegistrationRepository, StoredRegistration
from ..repository.statuses import RegistrationStatus
from ..settings import Clock
from .inboxes import InboxRecords
from .item import MAIL_RESETS, NewIds, new_item, owed_mail
from .validation import validate

log = logging.getLogger(__name__)


def nothing() -> None:
    """The default `notify`: on AWS the table's stream wakes the deliverer."""


class Registering:
    def __init__(
        self,
        meeting: Meeting,
        repository: RegistrationRepository,
        clock: Clock,
        inboxes: InboxRecords,
        notify: Callable[[], None] = nothing,
    ):
        self.meeting = meeting
        self.repository = repository
        self.clock = clock
        self.inboxes = inboxes
        # Called after every write that owes mail (the local worker's wake-up; nothing on AWS).
        self.notify = notify

    def register(self, form: Mapping[str, Any]) -> StoredRegistration:
        """Store the registration with the confirmation owed, in one conditional put. For an address that is
        already registered, the same request records that the personal link is owed again, and raises
        DuplicateRegistration."""
        now = self.clock()
        if self.meeting.cancelled:
            raise MeetingCancelled(reason=self.meeting.cancelled_reason, contact=self.meeting.contact_email)
        if not self.meeting.is_registration_open(now):
            raise RegistrationClosed(
                deadline=dutch_date(self.meeting.last_registration_day), contact=self.meeting.contact_email
            )
        data = validate(form, self.meeting)
        item = new_item(data, self.meeting, now, NewIds.make())
        owner = self.inboxes.owner(self.meeting.id, data.email, int(item["expires_at"]))
        if owner != data.email:
            # Another address of the same inbox is registered: this is a repeat of that registration.
            try:
                self.repository.update(
                    self.meeting.id,
                    owner,
                    owed_mail("link", now, self.meeting),
                    RegistrationStatus.REGISTERED,
                    remove=MAIL_RESETS,
                )
            except RegistrationNotFound:
                pass  # it is being stored by a request at this very moment, and owes its confirmation
            self.notify()
            log.info(
                "registration for event %s of an inbox already registered: the personal link is owed", self.meeting.id
            )
            raise DuplicateRegistration(contact=self.meeting.contact_email)
        stored = self.repository.add(item, on_duplicate=owed_mail("link", now, self.meeting), remove=MAIL_RESETS)
        self.notify()
        if not stored:
            log.info(
                "repeat registration for event %s: the personal link is owed again",
                self.meeting.id,
                extra=fields(outcome="duplicate"),
            )
            raise DuplicateRegistration(contact=self.meeting.contact_email)
        log.info("registration stored for event %s", self.meeting.id, extra=fields(outcome="stored"))
        return item
