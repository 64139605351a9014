"""The personal page's rules: view, change or cancel one registration with the personal link, until the meeting.

The link is the only key: no account and no password. Every write is one conditional update.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .event import Event
from .exceptions import ChangesClosed, RegistrationCancelled, RegistrationNotFound
from .items import changes_from, local_iso
from .links import ManageLinks
from .repository import RegistrationRepository
from .settings import Clock
from .validation import validate

log = logging.getLogger(__name__)


class SelfService:
    def __init__(self, event: Event, repository: RegistrationRepository, clock: Clock, links: ManageLinks):
        self.event = event
        self.repository = repository
        self.clock = clock
        self.links = links

    def _changes_closed(self) -> ChangesClosed:
        return ChangesClosed(contact=self.event.contact_email)

    def view(self, token: str) -> dict[str, Any]:
        """What the personal page shows: the registration and what the person may still do with it."""
        now = self.clock()
        email = self.links.email_for(token, now)
        item = self.repository.get(self.event.id, email)
        return {
            "registration": item,
            "can_change": item.get("status") == "registered" and not self.event.has_started(now),
            "has_started": self.event.has_started(now),
            "registration_open": self.event.is_registration_open(now),
        }

    def change(self, token: str, form: Mapping[str, Any]) -> dict[str, Any]:
        """Change the details of a registration, never its address; until the meeting starts."""
        now = self.clock()
        email = self.links.email_for(token, now)
        if self.event.has_started(now):
            raise self._changes_closed()
        current = self.repository.get(self.event.id, email)
        if current.get("status") != "registered":
            raise RegistrationCancelled()
        # The address comes from the link, whatever the form says; consent was given when registering.
        data = validate({**form, "email": email, "consent": "ja"}, self.event)
        try:
            item = self.repository.update(self.event.id, email, changes_from(data, self.event, now),
                                          only_if_status="registered")
        except RegistrationNotFound:
            raise RegistrationCancelled() from None
        log.info("registration changed for event %s", self.event.id)
        return item

    def cancel(self, token: str) -> dict[str, Any]:
        """Withdraw: the item stays, with status "cancelled" and the time, so staff see who withdrew."""
        now = self.clock()
        email = self.links.email_for(token, now)
        if self.event.has_started(now):
            raise self._changes_closed()
        try:
            item = self.repository.update(
                self.event.id, email,
                {"status": "cancelled", "cancelled_at": local_iso(now, self.event)},
                only_if_status="registered",
            )
        except RegistrationNotFound:
            # Either it never existed (get raises RegistrationNotFound) or it was cancelled already.
            self.repository.get(self.event.id, email)
            raise RegistrationCancelled() from None
        log.info("registration cancelled for event %s", self.event.id)
        return item
