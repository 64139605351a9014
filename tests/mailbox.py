"""Reading the local outbox the way a newcomer would: the .eml files, parsed as a mail program would."""

from __future__ import annotations

import datetime as dt
import email
import re
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

MANAGE_LINK = re.compile(r"https?://[^\s]+/api/mijn-aanmelding/[A-Za-z0-9._-]+")


def messages(outbox: str | Path) -> list[EmailMessage]:
    folder = Path(outbox)
    if not folder.exists():
        return []
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(folder.glob("*.eml"))]


def wait_for_messages(outbox: str | Path, count: int, ceiling: float = 30.0) -> list[EmailMessage]:
    """The outbox's messages once there are at least `count` (the local worker sends them after the answer). The
    ceiling is generous on purpose: it only bounds a failing test; a passing one returns as soon as they are there."""
    deadline = time.monotonic() + ceiling
    while True:
        found = messages(outbox)
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def personal_link_of(message: EmailMessage) -> str:
    [link] = MANAGE_LINK.findall(text_of(message))
    return link


def personal_path_of(message: EmailMessage) -> str:
    """The link's path, to use against whichever server the test runs."""
    return "/api/" + personal_link_of(message).split("/api/", 1)[1]


class Clock:
    """A clock the test moves by hand (the app takes it as config CLOCK)."""

    def __init__(self, moment: str):
        self.now = self.parse(moment)

    @staticmethod
    def parse(moment: str) -> dt.datetime:
        value = dt.datetime.fromisoformat(moment)
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("Europe/Amsterdam"))

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, moment: str) -> None:
        self.now = self.parse(moment)

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


def followup_message(event, item, teams_link, papers, mail_from, now):
    """The follow-up as the deliverer builds it, for one registrant (papers: (title, url) pairs)."""
    from registrations.delivery.publication import Publication, PublishedPaper
    from registrations.mail.confirmation import ConfirmationMailer
    from registrations.registration.personal_link import PersonalLinks

    mailer = ConfirmationMailer(event, PersonalLinks("test-secret", event), mail_from, "https://aanmelden.example")
    published = Publication(event.id, 1, "", teams_link, tuple(PublishedPaper(t, url=u) for t, u in papers))
    return mailer.build_followup({"registration_id": "r1", "link_version": 1, **item}, now, published)
