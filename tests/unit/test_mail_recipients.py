"""Every email goes to exactly one recipient, the registrant, whatever the name holds. No I/O.

CPython's header folding (3.11 to 3.13) drops the quotes around a long display name when it splits it over lines,
so a name could turn into extra recipients. The validation refuses the characters that do it; these tests build
the messages for names that got past it (stored earlier, or typed into the staff command) and parse them back the
way a mail server would.
"""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from email.utils import getaddresses

import pytest

from registrations.mail.confirmation import ConfirmationMailer
from registrations.mail.headers import address_header
from registrations.meeting import load_meeting
from registrations.registration.item import MAIL_KINDS
from registrations.registration.personal_link import PersonalLinks
from tests.mailbox import followup_message

EVENT = load_meeting()
NOW = dt.datetime(2023, 5, 10, 8, 0, tzinfo=dt.UTC)
REGISTRANT = "jan@gemeente.example"
MAX_NAME = 100  # the validation's limit for each name field


def at_max_length(text: str) -> str:
    """The hostile text, preceded by harmless words up to the maximum length, so the header must fold."""
    return (("W " * MAX_NAME) + text)[-MAX_NAME:]


HOSTILE_NAMES = [
    # (given name, family name): the first is the one found by probing `make run`.
    ("A" * 20 + " B" * 30, "<attacker@evil.example>, <second@evil.example>,"),
    ("Jan", '"x@evil.example", y@evil.example; z@evil.example'),
    ("Jörg", "Müller, <a@evil.example>, <b@evil.example>, <c@evil.example>"),
    ("x" * MAX_NAME, "<a@evil.example>," * 5),
    ("undisclosed-recipients:", "a@evil.example, b@evil.example;"),
    ("=?utf-8?b?PGFAZXZpbC5leGFtcGxlPiw=?=", "=?utf-8?q?=3Cb=40evil=2Eexample=3E=2C?="),
    ("(comment) a@evil.example", '\\" <b@evil.example>'),
    ("Jan\r\nBcc: a@evil.example", "van 't Hoff\r\nCc: b@evil.example"),
    ("Åse", "Ærøskøbing-" + "é" * 60 + " <a@evil.example>"),
]


def item_for(given: str, family: str) -> dict:
    return {
        "email": REGISTRANT,
        "registration_id": "Cj0S4TKi2Hu8rTci9lGgpQ",
        "given_name": at_max_length(given),
        "family_name": at_max_length(family),
        "organisation": "DCMR Milieudienst Rijnmond",
        "role": "Anders",
        "on_behalf_of": "",
    }


def recipients(raw: bytes) -> list[str]:
    """Every address a mail server would deliver to, read from the message's own headers."""
    message = email.message_from_bytes(raw, policy=policy.default)
    fields = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    return [address for _, address in getaddresses(fields)]


def confirmation(item: dict, kind: str) -> bytes:
    mailer = ConfirmationMailer(
        EVENT,
        links=PersonalLinks("s", EVENT),
        from_address="VNG netwerkbijeenkomst <netwerkbijeenkomst@vng.nl>",
        site_url="https://aanmelden.vng.nl",
    )
    return mailer.build(item, NOW, kind).as_bytes()


def followup(item: dict, _kind: str) -> bytes:
    return followup_message(
        EVENT,
        item,
        "https://teams.example/l/1",
        [("Agenda", "https://vng.example/a.pdf")],
        "VNG <netwerkbijeenkomst@vng.nl>",
        NOW,
    ).as_bytes()


MESSAGES = [(confirmation, kind) for kind in MAIL_KINDS] + [(followup, "followup")]


@pytest.mark.parametrize(("build", "kind"), MESSAGES, ids=[kind for _, kind in MESSAGES])
@pytest.mark.parametrize(("given", "family"), HOSTILE_NAMES)
def test_every_message_has_one_recipient_the_registrant(build, kind, given, family):
    # Given a registration whose names are as hostile as they can be, at the maximum length
    item = item_for(given, family)
    # When any kind of email is built for it and parsed back
    # Then it names exactly one recipient: the registrant
    assert recipients(build(item, kind)) == [REGISTRANT]


@pytest.mark.parametrize(
    ("given", "family"), [("Jan-Willem", "van 't Hoff"), ("Zoë", "d’Ancona"), ("Åse", "Ærøskøbing-" + "é" * 60)]
)
def test_ordinary_names_come_back_as_the_display_name(given, family):
    message = email.message_from_bytes(confirmation(item_for(given, family), "confirmation"), policy=policy.default)
    [address] = message["To"].addresses
    assert address.addr_spec == REGISTRANT
    # Python's parser puts a space where one encoded word ends and the next begins; mail programs do not.
    assert address.display_name.replace(" ", "") == f"{at_max_length(given)} {at_max_length(family)}".replace(" ", "")


def test_plain_names_stay_readable_in_the_header():
    item = {**item_for("", ""), "given_name": "Jan-Willem", "family_name": "van 't Hoff"}
    assert b"\r\nTo: Jan-Willem van 't Hoff <jan@gemeente.example>\r\n" in confirmation(item, "confirmation")


@pytest.mark.parametrize(
    "address", ["jörg@example.nl", "a@b.example, c@evil.example", "<a@evil.example>", "a b@example.nl", "no-at-sign"]
)
def test_an_address_that_cannot_be_delivered_is_never_put_in_a_header(address):
    with pytest.raises(ValueError):
        address_header("To", "Jan", address)
