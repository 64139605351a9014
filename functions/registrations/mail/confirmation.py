"""The confirmation email: the personal link, and the meeting as an .ics attachment.

Two kinds: "confirmation" (straight after registering) and "link" (the personal link again, after someone tried
to register an address that is already registered). The message itself is built by the composer, like every
email; this class adds what only these kinds carry, and hands the result to a `Sender`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from ..event import Event
from ..links import ManageLinks
from . import ics
from .composer import Attachment, MessageComposer
from .senders import Sender

MANAGE_PATH = "/api/mijn-aanmelding"
KINDS = ("confirmation", "link")


@dataclass
class ConfirmationMailer:
    event: Event
    sender: Sender
    links: ManageLinks
    from_address: str
    site_url: str

    @property
    def composer(self) -> MessageComposer:
        return MessageComposer(self.event, self.from_address)

    def manage_url(self, email: str) -> str:
        return f"{self.site_url}{MANAGE_PATH}/{self.links.token_for(email)}"

    def calendar(self, now: dt.datetime) -> bytes:
        """The public "Zet in agenda" download: the meeting with its one UID, naming nobody (PUBLISH)."""
        return ics.event_calendar(self.event, ics.event_uid(self.event), now, self.site_url)

    def invitation(self, item: Mapping[str, Any], now: dt.datetime) -> Attachment:
        """The invitee's own entry as the registration now stands (REQUEST, or CANCEL once cancelled)."""
        data, method = ics.invitation(self.event, item, parseaddr(self.from_address)[1], now, self.site_url)
        return Attachment(data, filename=ics.filename(self.event), maintype="text", subtype="calendar",
                          params={"charset": "utf-8", "method": method})

    def subject(self, kind: str) -> str:
        return self.composer.subject(kind)

    def build(self, item: Mapping[str, Any], now: dt.datetime, kind: str = "confirmation") -> EmailMessage:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of message: {kind}")
        email = str(item["email"])
        context = {"manage_url": self.manage_url(email), "start_text": f"{self.event.starts_at:%H.%M} uur"}
        return self.composer.compose(kind, item, now, context, self.invitation(item, now))

    def send(self, item: Mapping[str, Any], now: dt.datetime, kind: str = "confirmation") -> str:
        """Build and hand over the message; raises mail.MailNotSent when the sender cannot deliver it."""
        return self.sender.send(self.build(item, now, kind), str(item["email"]))
