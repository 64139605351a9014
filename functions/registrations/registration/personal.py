"""The personal page's rules: view, change or cancel one registration with the personal link, until the meeting.

The link is the only key: no account and no password. It names a registration id and a link version (registration/personal_link.py);
the secondary index finds the registration, and every write is one conditional update that holds only while the
id, the version and the status are still those the link was checked against. A change or a cancellation records
the email it owes; the deliverer sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ChangesClosed, RegistrationCancelled, RegistrationNotFound, RevokedLink
from ..meeting import Meeting
from ..observability.logs import fields
from ..repository import RegistrationAttributes, RegistrationRepository, StoredRegistration
from ..repository.statuses import RegistrationStatus
from ..settings import Clock
from .item import MAIL_RESETS, changes_from, is_active, local_iso, owed_mail
from .personal_link import LinkKey, PersonalLinks
from .registering import nothing
from .validation import validate

log = logging.getLogger(__name__)


@dataclass
class ChangeAttempt:
    """What a change request has read from the store so far, filled in by PersonalPage.change. The page that says
    a change was not saved is made from this and the form, never from another store call: in a hang, that call
    would wait out the store's bound a second time, and its failure would lose what was typed."""

    email: str = ""


class PersonalPage:
    def __init__(
        self,
        meeting: Meeting,
        repository: RegistrationRepository,
        clock: Clock,
        links: PersonalLinks,
        notify: Callable[[], None] = nothing,
    ):
        self.meeting = meeting
        self.repository = repository
        self.clock = clock
        self.links = links
        self.notify = notify

    def _changes_closed(self) -> ChangesClosed:
        return ChangesClosed(contact=self.meeting.contact_email)

    def _locate(self, key: LinkKey) -> str:
        email = self.repository.find_email(self.meeting.id, key.registration_id)
        if email is None:
            # Never existed, or replaced by a later registration of the address: this link controls nothing.
            raise RegistrationNotFound()
        return email

    def _check(self, key: LinkKey, item: StoredRegistration) -> None:
        if item.get("registration_id") != key.registration_id:
            raise RegistrationNotFound()
        if int(item.get("link_version", 0)) != key.version:
            raise RevokedLink(contact=self.meeting.contact_email)

    def view(self, token: str) -> dict[str, Any]:
        """What the personal page shows: the registration and what the person may still do with it. A cancelled
        registration is shown read-only."""
        now = self.clock()
        key = self.links.key_for(token, now)
        item = self.repository.get(self.meeting.id, self._locate(key))
        self._check(key, item)
        return {
            "registration": item,
            "can_change": is_active(item) and not self.meeting.has_started(now),
            "has_started": self.meeting.has_started(now),
            "registration_open": self.meeting.is_registration_open(now),
        }

    def change(self, token: str, form: Mapping[str, Any], attempt: ChangeAttempt | None = None) -> StoredRegistration:
        """Change the details of a registration, never its address; until the meeting starts. `attempt` is told
        what was read on the way, for the page when the change fails."""
        now = self.clock()
        key = self.links.key_for(token, now)
        if self.meeting.has_started(now):
            raise self._changes_closed()
        email = self._locate(key)
        if attempt is not None:
            attempt.email = email
        # The address comes from the registration, whatever the form says; consent was given when registering.
        data = validate({**form, "email": email, "consent": "ja"}, self.meeting)
        item = self._write(key, email, changes_from(data, self.meeting, now))
        log.info("registration changed for event %s", self.meeting.id, extra=fields(outcome="changed"))
        return item

    def unsaved_view(self, attempt: ChangeAttempt) -> dict[str, Any]:
        """The personal page's view after a change that was not saved, without a store call: the registration is
        the one being changed (the address when it was read), and the form is shown again."""
        now = self.clock()
        return {
            "registration": {"email": attempt.email, "status": RegistrationStatus.REGISTERED},
            "can_change": not self.meeting.has_started(now),
            "has_started": self.meeting.has_started(now),
            "registration_open": self.meeting.is_registration_open(now),
        }

    def cancel(self, token: str) -> StoredRegistration:
        """Withdraw: the item stays, with status "cancelled" and the time, so staff see who withdrew."""
        now = self.clock()
        key = self.links.key_for(token, now)
        if self.meeting.has_started(now):
            raise self._changes_closed()
        email = self._locate(key)
        changes: RegistrationAttributes = {
            "status": RegistrationStatus.CANCELLED,
            "cancelled_at": local_iso(now, self.meeting),
            **owed_mail("cancellation", now, self.meeting),
        }
        item = self._write(key, email, changes)
        log.info("registration cancelled for event %s", self.meeting.id, extra=fields(outcome="cancelled"))
        return item

    def _write(self, key: LinkKey, email: str, changes: RegistrationAttributes) -> StoredRegistration:
        """The one conditional write of a change or a cancellation; when it does not hold, say why."""
        try:
            item = self.repository.update(
                self.meeting.id,
                email,
                changes,
                only_if_status=RegistrationStatus.REGISTERED,
                remove=MAIL_RESETS,
                only_if={"registration_id": key.registration_id, "link_version": key.version},
            )
        except RegistrationNotFound:
            current = self.repository.get(self.meeting.id, email)
            self._check(key, current)
            raise RegistrationCancelled() from None
        self.notify()
        return item
