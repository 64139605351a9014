"""Every email is built by the one composer: the same headers, the same policy, the same wording rules. No I/O."""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy
from email.message import EmailMessage

import pytest

from registrations.mail.confirmation import ConfirmationMailer
from registrations.meeting import load_meeting
from registrations.registration.item import MAIL_KINDS
from registrations.registration.personal_link import PersonalLinks
from tests.mailbox import followup_message

EVENT = load_meeting()
NOW = dt.datetime(2023, 5, 10, 8, 0, tzinfo=dt.UTC)
FROM = "VNG netwerkbijeenkomst <netwerkbijeenkomst@vng.nl>"
ITEM = {
    "registration_id": "Cj0S4TKi2Hu8rTci9lGgpQ",
    "link_version": 1,
    "email": "jan@gemeente.example",
    "given_name": "Jan",
    "family_name": "de Vries",
    "organisation": "Gemeente Utrecht",
    "role": "Bestuurder",
    "on_behalf_of": "",
}
HEADERS = {
    "From",
    "To",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "Auto-Submitted",
    "Content-Language",
    "MIME-Version",
    "Content-Type",
}


def built(kind: str) -> EmailMessage:
    if kind == "followup":
        return followup_message(
            EVENT, ITEM, "https://teams.example/l/1", [("Agenda", "https://vng.example/a.pdf")], FROM, NOW
        )
    mailer = ConfirmationMailer(
        EVENT, links=PersonalLinks("s", EVENT), from_address=FROM, site_url="https://aanmelden.vng.nl"
    )
    return mailer.build(ITEM, NOW, kind)


ALL_KINDS = [*MAIL_KINDS, "followup"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_email_has_the_same_headers_and_policy(kind):
    message = built(kind)
    raw = message.as_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert message.policy == policy.SMTP
    assert set(parsed.keys()) == HEADERS
    assert parsed["From"] == FROM
    assert parsed["To"] == "Jan de Vries <jan@gemeente.example>"
    assert parsed["Reply-To"] == EVENT.contact_email
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Content-Language"] == "nl"
    assert re.fullmatch(r"<[^@<>]+@vng\.nl>", parsed["Message-ID"])
    # The Date in the event's own time zone.
    assert parsed["Date"] == "Wed, 10 May 2023 10:00:00 +0200"
    # CRLF throughout, as SMTP wants it: no bare LF anywhere in the message.
    assert b"\r\n" in raw and re.search(rb"(?<!\r)\n", raw) is None
    for part in ("plain", "html"):
        assert parsed.get_body((part,))["Content-Transfer-Encoding"] == "quoted-printable"


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_the_title_reads_in_lower_case_within_a_sentence(kind):
    parsed = email.message_from_bytes(built(kind).as_bytes(), policy=policy.default)
    for part in ("plain", "html"):
        text = parsed.get_body((part,)).get_content()
        assert "voor de bestuurlijke netwerkbijeenkomst IBP VTH" in text
        assert "de Bestuurlijke" not in text


def test_every_email_carries_the_calendar_entry_as_it_now_stands():
    # Issue 13: the entry follows the registration, the follow-up too (it adds the Teams link). This item is still
    # registered, so every kind carries a REQUEST; a cancelled one gets a CANCEL (test_calendar_lifecycle.py).
    attachments = {
        kind: [(a.get_filename(), a.get_param("method")) for a in built(kind).iter_attachments()] for kind in ALL_KINDS
    }
    assert attachments == {kind: [(f"bijeenkomst-{EVENT.id}.ics", "REQUEST")] for kind in ALL_KINDS}
