"""The confirmation email: Dutch plain text and HTML, the personal link, and the meeting as an .ics attachment.

Two kinds share one template: "confirmation" (straight after registering) and "link" (the personal link again,
after someone tried to register an address that is already registered). Building a message needs no Flask
app, so the staff command can send it too. Delivery is a `mail.Sender`'s job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Mapping

import jinja2

from . import ics
from ..event import Event, dutch_date
from .headers import address_header
from .senders import Sender
from ..links import ManageLinks

MANAGE_PATH = "/api/mijn-aanmelding"
KINDS = ("confirmation", "link")

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


def in_sentence(text: str) -> str:
    """'Bestuurlijke netwerkbijeenkomst IBP VTH' as it reads inside a sentence."""
    return text[:1].lower() + text[1:]


def full_name(item: Mapping[str, Any]) -> str:
    return f"{item.get('given_name', '')} {item.get('family_name', '')}".strip()


@dataclass
class ConfirmationMailer:
    event: Event
    sender: Sender
    links: ManageLinks
    from_address: str
    site_url: str

    def manage_url(self, email: str) -> str:
        return f"{self.site_url}{MANAGE_PATH}/{self.links.token_for(email)}"

    def calendar(self, now: dt.datetime, email: str | None = None) -> bytes:
        """The .ics: with a UID of its own per registration, or the event's UID for the public download."""
        domain = ics.uid_domain(self.site_url)
        uid = self.links.calendar_uid(email, domain) if email else f"{self.event.id}@{domain}"
        return ics.event_calendar(self.event, uid, now, self.site_url)

    def subject(self, kind: str) -> str:
        day = dutch_date(self.event.starts_at.date())
        lead = "Aanmelding bevestigd" if kind == "confirmation" else "Uw persoonlijke link"
        # No colon: Python's header folder would then put the whole subject on a continuation line.
        return f"{lead} voor de {in_sentence(self.event.title)} op {day}"

    def build(self, item: Mapping[str, Any], now: dt.datetime, kind: str = "confirmation") -> EmailMessage:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of message: {kind}")
        email = item["email"]
        subject = self.subject(kind)
        context = {
            "kind": kind,
            "event": self.event,
            "item": item,
            "name": full_name(item),
            "email": email,
            "title": in_sentence(self.event.title),
            "subtitle": in_sentence(self.event.subtitle),
            "start_text": f"{self.event.starts_at:%H.%M} uur",
            "manage_url": self.manage_url(email),
            "subject": subject,
        }
        message = EmailMessage(policy=policy.SMTP)
        message["From"] = self.from_address
        message["To"] = address_header("To", full_name(item), email)
        message["Reply-To"] = self.event.contact_email
        message["Subject"] = subject
        message["Date"] = format_datetime(now.astimezone(self.event.timezone))
        message["Message-ID"] = make_msgid(domain=_domain(self.from_address))
        # RFC 3834: an automatic message, so auto-responders do not answer it.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(_templates.get_template("confirmation.txt").render(context), cte="quoted-printable")
        message.add_alternative(_templates.get_template("confirmation.html").render(context), subtype="html",
                                cte="quoted-printable")
        message.add_attachment(self.calendar(now, email), maintype="text", subtype="calendar",
                               filename=ics.filename(self.event), params={"charset": "utf-8", "method": "PUBLISH"})
        # Set last: set_content() and the conversion to multipart move or drop Content-* headers.
        message["Content-Language"] = "nl"
        return message

    def send(self, item: Mapping[str, Any], now: dt.datetime, kind: str = "confirmation") -> str:
        """Build and hand over the message; raises mail.MailNotSent when the sender cannot deliver it."""
        return self.sender.send(self.build(item, now, kind), item["email"])


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"
