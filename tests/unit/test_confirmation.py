"""The confirmation email and its .ics, parsed back the way a mail program and a calendar would. No I/O."""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy
from zoneinfo import ZoneInfo

import icalendar
import pytest

from registrations.mail.confirmation import ConfirmationMailer
from registrations.mail.ics import fold, meeting_calendar
from registrations.meeting import load_meeting
from registrations.registration.personal_link import LinkKey, PersonalLinks

AMS = ZoneInfo("Europe/Amsterdam")
EVENT = load_meeting()
SENDER = "VNG netwerkbijeenkomst <netwerkbijeenkomst@vng.example>"
NOW = dt.datetime(2023, 5, 10, 10, 0, tzinfo=AMS)
ITEM = {
    "event": EVENT.id,
    "registration_id": "Cj0S4TKi2Hu8rTci9lGgpQ",
    "link_version": 1,
    "email": "j.vanthoff@gemeente.example",
    "given_name": "Jan-Willem",
    "family_name": "van 't Hoff",
    "organisation": "Omgevingsdienst Regio Utrecht",
    "role": "Lid van het dagelijks bestuur",
    "on_behalf_of": "Gemeente Utrecht",
    "remark": "",
}


@pytest.fixture
def mailer():
    return ConfirmationMailer(
        EVENT, links=PersonalLinks("test-secret", EVENT), from_address=SENDER, site_url="https://aanmelden.vng.example"
    )


def parsed(message) -> email.message.EmailMessage:
    """The message as the receiving side sees it: bytes on the wire, parsed again."""
    return email.message_from_bytes(message.as_bytes(), policy=policy.default)


def calendar_of(message) -> icalendar.Calendar:
    [attachment] = list(message.iter_attachments())
    return icalendar.Calendar.from_ical(attachment.get_content())


def test_the_message_has_dutch_text_and_html_and_an_ics_attachment(mailer):
    # When the confirmation for a registration is built and sent over the wire
    message = parsed(mailer.build(ITEM, NOW))
    # Then it comes from the configured sender, to the registered address, in Dutch
    assert message["From"] == SENDER
    assert message["To"].addresses[0].addr_spec == "j.vanthoff@gemeente.example"
    assert message["Reply-To"] == "ronald.kersbergen@vng.nl"
    assert message["Subject"] == "Aanmelding bevestigd voor de bestuurlijke netwerkbijeenkomst IBP VTH op 7 juni 2023"
    assert message["Content-Language"] == "nl"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/mixed"
    # And it has both alternatives with the facts the invitation promises
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "U bent aangemeld voor de bestuurlijke netwerkbijeenkomst IBP VTH" in part
        assert "woensdag 7 juni 2023" in part
        assert "13.30 tot 15.00 uur" in part
        assert "De vergaderlink voor Microsoft Teams en de stukken krijgt u later per e-mail." in part
        assert "Log bij Teams in met hetzelfde e-mailadres waarmee u zich hebt aangemeld" in part
        assert "j.vanthoff@gemeente.example" in part
        assert "ronald.kersbergen@vng.nl" in part
        assert "Omgevingsdienst Regio Utrecht" in part
    assert '<html lang="nl">' in html
    # And both carry the same personal link
    [link] = re.findall(r"https://aanmelden\.vng\.example/api/mijn-aanmelding/[A-Za-z0-9._-]+", text)
    assert f'href="{link}"' in html
    assert mailer.links.key_for(link.rsplit("/", 1)[1], NOW) == LinkKey("Cj0S4TKi2Hu8rTci9lGgpQ", 1)
    # And the attachment is a calendar file
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    # An invitation for this invitee (iTIP REQUEST); the MIME method names the same as METHOD (RFC 6047 §2.4)
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "bijeenkomst-ibp-vth-2023-06-07.ics"


def test_the_ics_has_the_meeting_at_the_right_amsterdam_times(mailer):
    calendar = calendar_of(parsed(mailer.build(ITEM, NOW)))
    [vevent] = calendar.walk("VEVENT")
    start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    # Aware datetimes, equal to 13:30 and 15:00 in Amsterdam (UTC+2 in June) on 7 June 2023
    assert start.tzinfo is not None and end.tzinfo is not None
    assert start == dt.datetime(2023, 6, 7, 13, 30, tzinfo=AMS)
    assert end == dt.datetime(2023, 6, 7, 15, 0, tzinfo=AMS)
    assert start.astimezone(AMS).strftime("%H:%M") == "13:30"
    assert str(vevent["LOCATION"]) == "Microsoft Teams (link volgt)"
    assert str(vevent["SUMMARY"]) == "Bestuurlijke netwerkbijeenkomst IBP VTH"
    # The organiser is the sending address, not the contact person, so stray replies fill nobody's inbox
    assert str(vevent["ORGANIZER"]) == "mailto:netwerkbijeenkomst@vng.example"
    assert vevent["ORGANIZER"].params["CN"] == "Vereniging van Nederlandse Gemeenten (VNG)"
    # The invitee is the attendee, already accepted, and no answer is asked
    assert str(vevent["ATTENDEE"]) == "mailto:j.vanthoff@gemeente.example"
    assert dict(vevent["ATTENDEE"].params) == {
        "CN": "Jan-Willem van 't Hoff",
        "ROLE": "REQ-PARTICIPANT",
        "PARTSTAT": "ACCEPTED",
        "RSVP": "FALSE",
    }
    assert str(calendar["VERSION"]) == "2.0" and str(calendar["METHOD"]) == "REQUEST"
    assert calendar["PRODID"]
    assert vevent.decoded("DTSTAMP") == NOW


def test_one_uid_for_the_meeting_in_every_attachment_and_the_public_download(mailer):
    def uid(item, now):
        [vevent] = calendar_of(parsed(mailer.build(item, now))).walk("VEVENT")
        return str(vevent["UID"])

    # Adding the confirmation's entry and the "Zet in agenda" download gives one entry, not two
    [public] = icalendar.Calendar.from_ical(mailer.calendar(NOW)).walk("VEVENT")
    assert uid(ITEM, NOW) == uid({**ITEM, "email": "ander@gemeente.example"}, NOW) == str(public["UID"])
    assert str(public["UID"]) == "ibp-vth-2023-06-07@vng.nl"
    assert "vanthoff" not in str(public["UID"])


def test_the_public_download_is_published_and_names_nobody(mailer):
    calendar = icalendar.Calendar.from_ical(mailer.calendar(NOW))
    [vevent] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "ATTENDEE" not in vevent and "ORGANIZER" not in vevent
    assert vevent["SEQUENCE"] == 0


def test_the_ics_is_rfc5545_text(mailer):
    raw = mailer.invitation(ITEM, NOW).data
    lines = raw.split(b"\r\n")
    # CRLF line endings throughout, each line at most 75 octets, and no bare LF
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines), "the long DESCRIPTION is folded"
    [vevent] = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert "Log bij Teams in met hetzelfde e-mailadres" in str(vevent["DESCRIPTION"])


@pytest.mark.parametrize(
    ("line", "pieces"),
    [
        ("A" * 75, ["A" * 75]),
        ("A" * 76, ["A" * 75, " A"]),
        # A two-octet character never splits across lines
        ("A" * 74 + "é" + "B", ["A" * 74, " éB"]),
    ],
)
def test_folding_counts_octets(line, pieces):
    assert fold(line).split("\r\n") == pieces


def test_text_values_are_escaped_in_the_ics():
    raw = meeting_calendar(EVENT, "x@y", NOW, description_extra="Let op; komma, backslash \\ en\nregel")
    [vevent] = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert str(vevent["DESCRIPTION"]).endswith("Let op; komma, backslash \\ en\nregel")


def test_what_the_person_typed_is_escaped_in_the_html(mailer):
    item = {**ITEM, "given_name": "<script>alert(1)</script>", "organisation": "A & B <b>"}
    html = parsed(mailer.build(item, NOW)).get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "A &amp; B &lt;b&gt;" in html


def test_the_link_email_says_nothing_changed(mailer):
    message = parsed(mailer.build(ITEM, NOW, kind="link"))
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Uw persoonlijke link voor de bestuurlijke netwerkbijeenkomst IBP VTH op 7 juni 2023"
    assert "Het adres was al aangemeld, dus er is niets veranderd." in text
    assert "/api/mijn-aanmelding/" in text
    assert len(list(message.iter_attachments())) == 1


def test_an_unknown_kind_of_message_is_a_programming_error(mailer):
    with pytest.raises(ValueError):
        mailer.build(ITEM, NOW, kind="spam")


@pytest.mark.parametrize(
    ("kind", "subject", "words"),
    [
        (
            "change",
            "Wijziging opgeslagen",
            "Uw wijzigingen voor de bestuurlijke netwerkbijeenkomst IBP VTH op woensdag 7 juni 2023 zijn opgeslagen.",
        ),
        (
            "cancellation",
            "Afmelding bevestigd",
            "Uw aanmelding voor de bestuurlijke netwerkbijeenkomst IBP VTH op woensdag 7 juni 2023 is geannuleerd.",
        ),
    ],
)
def test_a_change_and_a_cancellation_are_confirmed_in_short_dutch_emails(mailer, kind, subject, words):
    message = parsed(mailer.build(ITEM, NOW, kind=kind))
    assert message["Subject"].startswith(subject + " voor de bestuurlijke netwerkbijeenkomst")
    for part in ("plain", "html"):
        text = " ".join(message.get_body((part,)).get_content().split())
        assert words in text
        assert "Hebt u dit niet zelf gedaan? Mail dan naar" in text


def test_the_link_is_of_the_registrations_current_version(mailer):
    message = parsed(mailer.build({**ITEM, "link_version": 3}, NOW, kind="change"))
    [link] = re.findall(
        r"https://aanmelden\.vng\.example/api/mijn-aanmelding/[A-Za-z0-9._-]+",
        message.get_body(("plain",)).get_content(),
    )
    assert mailer.links.key_for(link.rsplit("/", 1)[1], NOW) == LinkKey("Cj0S4TKi2Hu8rTci9lGgpQ", 3)
