"""Reminders through the deliverer (dynalite): both default reminders once each to every active registrant; none
to cancelled, bounced, rejected or very recent registrants, none after the start; the catch-up rule; never held back by the
mailbox limit; and a calendar SEQUENCE above every earlier entry."""

from __future__ import annotations

import email
from email import policy

import icalendar
import pytest

from registrations import create_app, create_deliverer
from registrations.delivery.mailbox_limits import MailboxLimits
from registrations.repository import RegistrationRepository
from tests.conftest import own_page_client
from tests.mailbox import Clock

EVENT_ID = "ibp-vth-2023-06-07"
REGISTERED_AT = "2023-05-20T09:00"


class Kept:
    """A sender that keeps every message, parsed as a mail program would."""

    def __init__(self):
        self.messages: list[tuple[str, email.message.EmailMessage]] = []

    def send(self, message, recipient, tags=None):
        parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
        self.messages.append((recipient, parsed))
        return f"id-{len(self.messages)}"

    def subjects(self, recipient: str | None = None) -> list[str]:
        return [m["Subject"] for r, m in self.messages if recipient in (None, r)]

    def reminders(self) -> list[tuple[str, email.message.EmailMessage]]:
        return [(r, m) for r, m in self.messages if m["Subject"].startswith("Herinnering")]


def form(n: int) -> dict:
    return {
        "given_name": f"Deelnemer{n}",
        "family_name": "Test",
        "email": f"deelnemer{n}@gemeente{n}.example",
        "organisation": "regio-utrecht",
        "organisation_other": "",
        "role": "dagelijks-bestuur",
        "on_behalf_of": "",
        "remark": "",
        "consent": "ja",
    }


@pytest.fixture
def clock():
    return Clock(REGISTERED_AT)


@pytest.fixture
def sender():
    return Kept()


@pytest.fixture
def deliverer(app_config, clock, sender):
    return create_deliverer(app_config, clock=clock, transport=sender)


@pytest.fixture
def registered(app_config, clock, deliverer, sender, table):
    """Four registrations at 20 May, their confirmations sent."""
    client = own_page_client(create_app(app_config, clock=clock))
    for n in range(4):
        assert client.post("/api/registrations", json=form(n)).status_code == 201
    deliverer.sweep()
    assert len(sender.messages) == 4
    sender.messages.clear()
    return [form(n)["email"] for n in range(4)]


def update(table, address: str, **values) -> None:
    RegistrationRepository(table).update(EVENT_ID, address, values)


def test_both_default_reminders_go_once_to_every_active_registrant(registered, clock, deliverer, sender):
    clock.set("2023-06-06T09:59")
    deliverer.sweep()
    assert sender.reminders() == []
    clock.set("2023-06-06T10:05")
    deliverer.sweep()
    assert sorted(r for r, _ in sender.reminders()) == sorted(registered)
    deliverer.sweep()
    clock.set("2023-06-06T18:00")
    deliverer.sweep()
    assert len(sender.reminders()) == 4, "each reminder once"
    clock.set("2023-06-07T12:31")
    deliverer.sweep()
    assert len(sender.reminders()) == 8
    day_before = [m for _, m in sender.reminders()[:4]]
    hour_before = [m for _, m in sender.reminders()[4:]]
    assert all("Morgen is de" in m.get_body(("plain",)).get_content() for m in day_before)
    assert all("Vandaag is de" in m.get_body(("plain",)).get_content() for m in hour_before)


def test_no_reminder_to_cancelled_bounced_or_very_recent_registrants(registered, clock, deliverer, sender, table):
    cancelled, bounced, recent, reminded = registered
    update(table, cancelled, status="cancelled", cancelled_at="2023-05-21T10:00:00+02:00")
    update(table, bounced, email_status="bounced")
    # Got the Teams link (or registered) less than an hour before the reminder's moment.
    update(table, recent, followup_mail_sent_at="2023-06-06T09:30:00+02:00")
    clock.set("2023-06-06T10:05")
    deliverer.sweep()
    assert [r for r, _ in sender.reminders()] == [reminded]
    complained = registered[3]
    update(table, complained, email_status="complained")
    clock.set("2023-06-07T12:35")
    deliverer.sweep()
    # The hour-before reminder: the recent one is an hour past its link now; the complained one gets nothing.
    assert [r for r, _ in sender.reminders()] == [reminded, recent]


def test_no_reminder_to_an_address_ses_rejected(registered, clock, deliverer, sender, table):
    # SES refused to send to it (its Reject event): a reminder would be refused as well.
    rejected, *others = registered
    update(table, rejected, email_status="rejected")
    clock.set("2023-06-06T10:05")
    deliverer.sweep()
    assert sorted(r for r, _ in sender.reminders()) == sorted(others)


def test_no_reminder_once_the_meeting_has_started(registered, clock, deliverer, sender):
    clock.set("2023-06-07T13:30")
    deliverer.sweep()
    clock.set("2023-06-07T16:00")
    deliverer.sweep()
    assert sender.reminders() == []


def test_a_missed_reminder_is_sent_late_and_of_two_due_only_the_later(registered, clock, deliverer, sender):
    # Nothing ran from before the day-before reminder until the morning of the meeting: it still goes.
    clock.set("2023-06-07T08:00")
    deliverer.sweep()
    assert len(sender.reminders()) == 4
    assert all("Vandaag is de" not in m.get_body(("plain",)).get_content() for _, m in sender.reminders())
    sender.messages.clear()
    # Another outage: nothing ran between 6 June 9:00 and 7 June 12:45; only the hour-before reminder goes.
    clock.set("2023-06-07T12:45")
    deliverer.sweep()
    assert len(sender.reminders()) == 4


def test_both_due_at_once_gives_only_the_later(registered, clock, deliverer, sender):
    clock.set("2023-06-07T12:45")
    deliverer.sweep()
    deliverer.sweep()
    assert len(sender.reminders()) == 4
    assert all("Vandaag is de" in m.get_body(("plain",)).get_content() for _, m in sender.reminders())


def test_a_full_mailbox_never_holds_a_reminder_back(registered, clock, deliverer, sender, table, app_config):
    clock.set("2023-06-06T10:05")
    limits = MailboxLimits(RegistrationRepository(table), app_config["TOKEN_SECRET"])
    # An attacker used up the hour's unsolicited emails for the first registrant's inbox.
    while limits.allow(registered[0], clock()):
        pass
    deliverer.sweep()
    assert registered[0] in [r for r, _ in sender.reminders()]


def test_the_reminders_calendar_entry_has_a_higher_sequence_than_the_confirmation(app_config, clock, deliverer, sender):
    client = own_page_client(create_app(app_config, clock=clock))
    assert client.post("/api/registrations", json=form(9)).status_code == 201
    deliverer.sweep()
    clock.set("2023-06-06T10:05")
    deliverer.sweep()
    sequences = []
    for _, message in sender.messages:
        [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
        [entry] = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")
        sequences.append(int(entry["SEQUENCE"]))
    assert [m["Subject"].split(" ")[0] for _, m in sender.messages] == ["Aanmelding", "Herinnering"]
    assert sequences[1] > sequences[0]


def test_the_summary_and_the_item_record_the_reminders_sent(registered, clock, deliverer, table):
    clock.set("2023-06-06T10:05")
    deliverer.sweep()
    item = RegistrationRepository(table).get(EVENT_ID, registered[0])
    assert item["reminders_sent"] == "2023-06-06T10:00+02:00"
    assert item["reminder_mail_status"] == "sent"


def test_after_publishing_the_reminder_carries_the_teams_link_and_the_papers(
    registered, clock, deliverer, sender, table
):
    from registrations.delivery import publication
    from registrations.meeting import load_meeting

    teams = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_bench"
    clock.set("2023-06-01T10:00")
    publication.publish(
        RegistrationRepository(table),
        EVENT_ID,
        teams,
        [publication.PublishedPaper("Robuustheidscriteria", url="https://vng.nl/criteria")],
        "code",
        "2023-06-01T10:00:00+02:00",
        int(load_meeting().expires_at.timestamp()),
    )
    deliverer.sweep()  # the follow-up itself
    assert len(sender.messages) == 4 and sender.reminders() == []
    clock.set("2023-06-06T10:05")
    deliverer.sweep()
    [(_, reminder), *_] = sender.reminders()
    text = reminder.get_body(("plain",)).get_content()
    assert f"Deelnemen via Microsoft Teams:\r\n{teams}" in text
    assert "- Robuustheidscriteria: https://vng.nl/criteria" in text
    assert "nog niet verstuurd" not in text
