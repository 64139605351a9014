"""Every email the package sends is built here: the headers, the policy and the Jinja bodies, the same for all.

Kinds: "confirmation" (straight after registering) and "link" (the personal link again) share the confirmation
templates; "change" and "cancellation" (confirming what the person did on the personal page), "followup" (the
Teams link and the papers) and "followup_change" (what changed in a later version of them) have their own, as have
the meeting's own "reminder", "meeting_change" and "meeting_cancelled" (mail/meeting_mail.py). Callers add what only
their kind needs to the template context, and an attachment if any. Building needs no Flask app, so the staff command
uses it too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

import jinja2

from ..meeting import Meeting, dutch_date
from ..registration.item import full_name
from .headers import address_header

# The template (without .txt/.html) that each kind of email is written from.
TEMPLATES = {
    "confirmation": "confirmation",
    "link": "confirmation",
    "change": "change",
    "cancellation": "cancellation",
    "followup": "followup",
    "followup_change": "followup_change",
    "reminder": "reminder",
    "meeting_change": "meeting_change",
    "meeting_cancelled": "meeting_cancelled",
    "staff_alert": "staff_alert",
}
# The start of each kind's subject; the rest names the meeting.
SUBJECT_LEADS = {
    "confirmation": "Aanmelding bevestigd",
    "link": "Uw persoonlijke link",
    "change": "Wijziging opgeslagen",
    "cancellation": "Afmelding bevestigd",
}

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


def date_header(moment: dt.datetime, meeting: Meeting) -> str:
    """The Date header in the meeting's own time zone, as the reader's clock shows it."""
    return format_datetime(moment.astimezone(meeting.timezone))


@dataclass(frozen=True)
class Attachment:
    data: bytes
    filename: str
    maintype: str
    subtype: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageComposer:
    meeting: Meeting
    from_address: str

    def subject(self, kind: str) -> str:
        if kind == "followup":
            return f"Vergaderlink en stukken: {self.meeting.title}, {self.meeting.date_text}"
        if kind == "followup_change":
            return f"Gewijzigd: vergaderlink of stukken voor de {in_sentence(self.meeting.title)}, {self.meeting.date_text}"
        # The meeting's own emails (mail/meeting_mail.py) name its date, and the time where it matters.
        title, day, start = (
            in_sentence(self.meeting.title),
            dutch_date(self.meeting.starts_at.date()),
            self.meeting.starts_at,
        )
        if kind == "reminder":
            return f"Herinnering voor de {title} op {day} om {start:%H.%M} uur"
        if kind == "meeting_change":
            return f"Gewijzigd. De {title} is nu op {day} om {start:%H.%M} uur"
        if kind == "meeting_cancelled":
            return f"Afgelast. De {title} van {day} gaat niet door"
        if kind == "staff_alert":
            return f"Let op. Vervolgmail nog niet gepubliceerd voor de {title} van {day}"
        if kind not in TEMPLATES:
            raise ValueError(f"unknown kind of message: {kind}")
        day = dutch_date(self.meeting.starts_at.date())
        lead = SUBJECT_LEADS[kind]
        # No colon: Python's header folder would then put the whole subject on a continuation line.
        return f"{lead} voor de {in_sentence(self.meeting.title)} op {day}"

    def compose(
        self,
        kind: str,
        item: Mapping[str, object],
        now: dt.datetime,
        context: Mapping[str, Any] | None = None,
        attachment: Attachment | None = None,
    ) -> EmailMessage:
        """One email of `kind` to the registrant `item`, plain text with an HTML alternative.

        Raises ValueError (or a subclass: an unknown kind, a header with a line break) or a jinja2.TemplateError (a
        template that is broken or names a value the context lacks: StrictUndefined) when it cannot be made; the
        deliverer records either as failed. It is rendered to bytes once here, so that a sender never fails on it
        after the caller has claimed or recorded anything.
        """
        template = TEMPLATES.get(kind)
        if template is None:
            raise ValueError(f"unknown kind of message: {kind}")
        email = str(item["email"])
        subject = self.subject(kind)
        values = {
            "kind": kind,
            "event": self.meeting,
            "item": item,
            "name": full_name(item),
            "email": email,
            "title": in_sentence(self.meeting.title),
            "subtitle": in_sentence(self.meeting.subtitle),
            "subject": subject,
            **(context or {}),
        }
        message = self._headed(full_name(item), email, subject, now)
        message.set_content(_templates.get_template(f"{template}.txt").render(values), cte="quoted-printable")
        message.add_alternative(
            _templates.get_template(f"{template}.html").render(values), subtype="html", cte="quoted-printable"
        )
        if attachment is not None:
            message.add_attachment(
                attachment.data,
                maintype=attachment.maintype,
                subtype=attachment.subtype,
                filename=attachment.filename,
                params=dict(attachment.params),
            )
        # Set last: set_content() and the conversion to multipart move or drop Content-* headers.
        message["Content-Language"] = "nl"
        message.as_bytes()
        return message

    def _headed(self, name: str, email: str, subject: str, now: dt.datetime) -> EmailMessage:
        """A message with every header but the Content-* ones, which the bodies set."""
        message = EmailMessage(policy=policy.SMTP)
        message["From"] = self.from_address
        message["To"] = address_header("To", name, email)
        message["Reply-To"] = self.meeting.contact_email
        message["Subject"] = subject
        message["Date"] = date_header(now, self.meeting)
        message["Message-ID"] = make_msgid(domain=_domain(self.from_address))
        # RFC 3834: an automatic message, so auto-responders do not answer it.
        message["Auto-Submitted"] = "auto-generated"
        return message


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"
