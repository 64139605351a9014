"""The rules of registering: the deadline, one registration per address, and the confirmation that follows.

The same rules serve the JSON path, the no-JS form path, the Lambda handler and the staff command.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .event import Event, dutch_date
from .exceptions import DuplicateRegistration, RegistrationCancelled, RegistrationClosed, RegistrationError
from .items import local_iso, new_item, parse_time
from .mail.senders import MailNotSent
from .repository import RegistrationRepository
from .settings import Clock
from .validation import validate

if TYPE_CHECKING:
    from .mail.confirmation import ConfirmationMailer

log = logging.getLogger(__name__)

# The email with the personal link goes to one address at most once per this interval, so that the form
# cannot be used to flood someone's inbox.
LINK_EMAIL_INTERVAL = dt.timedelta(minutes=10)
# A confirmation still "pending" after this long was cut off (e.g. the function stopped); retrying is safe.
STUCK_PENDING_AFTER = dt.timedelta(minutes=5)


class Registering:
    def __init__(self, event: Event, repository: RegistrationRepository, clock: Clock,
                 mailer: ConfirmationMailer):
        self.event = event
        self.repository = repository
        self.clock = clock
        self.mailer = mailer

    def registration_state(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "open": self.event.is_registration_open(now),
            "closes_at": self.event.registration_closes_at.isoformat(),
        }

    def register(self, form: Mapping[str, Any]) -> dict[str, Any]:
        """Store the registration, then send the confirmation. A mail failure is recorded on the item and never
        undoes the registration."""
        now = self.clock()
        if not self.event.is_registration_open(now):
            raise RegistrationClosed(deadline=dutch_date(self.event.last_registration_day),
                                     contact=self.event.contact_email)
        data = validate(form, self.event)
        item = new_item(data, self.event, now, submission_id=uuid.uuid4().hex)
        try:
            self.repository.add(dict(item))
        except DuplicateRegistration:
            self.send_link_again(data.email)
            raise
        log.info("registration stored for event %s", self.event.id)
        return self._confirm(dict(item), now)

    # Mail -------------------------------------------------------------------------------------------------

    def _deliver(self, item: Mapping[str, Any], now: dt.datetime, kind: str) -> bool:
        try:
            self.mailer.send(item, now, kind)
        except MailNotSent as exc:
            log.warning("%s email for event %s not sent: %s", kind, self.event.id, exc)
            return False
        except Exception as exc:  # noqa: BLE001 - whatever breaks in the mail, the stored registration stands
            log.error("%s email for event %s failed: %s", kind, self.event.id, type(exc).__name__)
            return False
        log.info("%s email sent for event %s", kind, self.event.id)
        return True

    def _record_confirmation(self, item: dict[str, Any], sent: bool, now: dt.datetime,
                             extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        changes = {"confirmation_status": "sent" if sent else "failed", "confirmation_at": local_iso(now, self.event),
                   **(extra or {})}
        try:
            self.repository.update(self.event.id, item["email"], changes)
        except RegistrationError as exc:
            # The registration is stored; only the note about the email is missing ("pending" stays, and the
            # retry picks it up).
            log.warning("could not record the confirmation outcome for event %s: %s", self.event.id, exc.code)
            return item
        return {**item, **changes}

    def _confirm(self, item: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        sent = self._deliver(item, now, "confirmation")
        if not sent and item.get("link_sent_at"):
            # Nothing reached the person: free the throttle, so registering again sends the link at once.
            try:
                if self.repository.set_if_unchanged(self.event.id, item["email"], "link_sent_at",
                                                    item["link_sent_at"], None):
                    item = {k: v for k, v in item.items() if k != "link_sent_at"}
            except RegistrationError:
                pass
        return self._record_confirmation(item, sent, now)

    def send_link_again(self, email: str) -> bool:
        """After a registration attempt for an address that is already registered: send the email with the
        personal link, at most once per LINK_EMAIL_INTERVAL. Never raises; the answer to the person is the same
        whatever happens here, so it reveals nothing."""
        now = self.clock()
        try:
            item = self.repository.get(self.event.id, email)
        except RegistrationError:
            return False
        if item.get("status") != "registered":
            return False
        previous = item.get("link_sent_at")
        if previous and now - parse_time(previous) < LINK_EMAIL_INTERVAL:
            log.info("personal link for event %s held back by the throttle", self.event.id)
            return False
        stamp = local_iso(now, self.event)
        try:
            # The conditional update is the lock: of concurrent duplicates, only one moves link_sent_at on.
            if not self.repository.set_if_unchanged(self.event.id, email, "link_sent_at", previous, stamp):
                return False
        except RegistrationError:
            return False
        if self._deliver(item, now, "link"):
            if item.get("confirmation_status") != "sent":
                # The link email carries everything the confirmation does.
                self._record_confirmation(item, True, now)
            return True
        try:
            self.repository.set_if_unchanged(self.event.id, email, "link_sent_at", stamp, previous)
        except RegistrationError:
            pass
        return False

    def resend_confirmation(self, email: str) -> str:
        """Send the confirmation of one registration again (e.g. from the staff command after a failure).
        Returns the recorded outcome, "sent" or "failed"."""
        now = self.clock()
        item = self.repository.get(self.event.id, email)
        if item.get("status") != "registered":
            raise RegistrationCancelled()
        sent = self._deliver(item, now, "confirmation")
        self._record_confirmation(item, sent, now, {"link_sent_at": local_iso(now, self.event)} if sent else None)
        return "sent" if sent else "failed"

    def retry_failed_confirmations(self) -> dict[str, int]:
        """Send every confirmation that failed, or that stayed "pending" too long, again."""
        now = self.clock()
        counts = {"sent": 0, "failed": 0}
        for item in list(self.repository.for_event(self.event.id)):
            if item.get("status") != "registered":
                continue
            status = item.get("confirmation_status")
            stuck = status == "pending" and now - parse_time(item.get("registered_at", "")) > STUCK_PENDING_AFTER
            if status == "failed" or stuck:
                counts[self.resend_confirmation(item["email"])] += 1
        return counts

