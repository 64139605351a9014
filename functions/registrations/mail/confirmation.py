"""The emails about one registration: confirmation, the personal link again, a change and a cancellation.

Kinds (items.MAIL_KINDS): "confirmation" (after registering) and "link" (the personal link again, after someone
tried to register an address that is already registered) carry the meeting as an .ics attachment; "change" and
"cancellation" confirm what the person did on the personal page. The message itself is built by the composer,
like every email; this class adds what only these kinds carry. Sending is the deliverer's (delivery.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from ..event import Event
from ..items import MAIL_KINDS
from ..links import ManageLinks
from . import ics
from .composer import Attachment, MessageComposer

MANAGE_PATH = "/api/mijn-aanmelding"
KINDS = MAIL_KINDS
# The kinds that carry the meeting for the calendar.
WITH_CALENDAR = ("confirmation", "link")


@dataclass
class ConfirmationMailer:
    event: Event
    links: ManageLinks
    from_address: str
    site_url: str

    @property
    def composer(self) -> MessageComposer:
        return MessageComposer(self.event, self.from_address)

    def manage_url(self, item: Mapping[str, Any]) -> str:
        """The link of the registration's current version: the deliverer can always build it again."""
        token = self.links.token_for(str(item["registration_id"]), int(item.get("link_version", 1)))
        return f"{self.site_url}{MANAGE_PATH}/{token}"

    def calendar(self, now: dt.datetime, email: str | None = None) -> bytes:
        """The .ics: with a UID of its own per registration, or the event's UID for the public download."""
        domain = ics.uid_domain(self.site_url)
        uid = self.links.calendar_uid(email, domain) if email else f"{self.event.id}@{domain}"
        return ics.event_calendar(self.event, uid, now, self.site_url)

    def subject(self, kind: str) -> str:
        return self.composer.subject(kind)

    def build(self, item: Mapping[str, Any], now: dt.datetime, kind: str = "confirmation") -> EmailMessage:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of message: {kind}")
        email = str(item["email"])
        context = {"manage_url": self.manage_url(item), "start_text": f"{self.event.starts_at:%H.%M} uur",
                   "site_url": self.site_url, "registration_open": self.event.is_registration_open(now)}
        calendar = None
        if kind in WITH_CALENDAR:
            calendar = Attachment(
                self.calendar(now, email),
                filename=ics.filename(self.event),
                maintype="text",
                subtype="calendar",
                params={"charset": "utf-8", "method": "PUBLISH"},
            )
        return self.composer.compose(kind, item, now, context, calendar)
