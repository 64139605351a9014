"""The staff alert: under 48 hours to go and the follow-up not published gives one alert, at most once a day,
with its state in the table so every invocation sees it; locally it is an email in the outbox (dynalite)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from registrations.delivery.staff_alert import OutboxNotifier, StaffAlert, TopicNotifier, alert_text
from registrations.mail.composer import MessageComposer
from registrations.mail.senders import OutboxSender
from registrations.meeting import load_meeting
from registrations.repository import RegistrationRepository
from tests.mailbox import messages, text_of

AMS = ZoneInfo("Europe/Amsterdam")
EVENT = load_meeting()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=AMS)


class Recording:
    def __init__(self, fails: int = 0):
        self.sent: list = []
        self.fails = fails

    def notify(self, message) -> None:
        if self.fails:
            self.fails -= 1
            raise OSError("down")
        self.sent.append(message)


def alert_with(table, notifier) -> StaffAlert:
    return StaffAlert(EVENT, RegistrationRepository(table), MessageComposer(EVENT, "VNG <x@vng.example>"), notifier)


@pytest.mark.parametrize(
    ("now", "published", "expected"),
    [
        ("2023-06-05T13:29", False, False),  # more than 48 hours to go
        ("2023-06-05T13:30", False, True),
        ("2023-06-07T13:29", False, True),
        ("2023-06-07T13:30", False, False),  # started
        ("2023-06-06T10:00", True, False),  # published
    ],
)
def test_the_alert_is_due_under_48_hours_without_a_published_follow_up(now, published, expected):
    assert bool(alert_text(EVENT, at(now), published)) is expected


def test_one_alert_a_day_whichever_invocation_asks(table):
    first, second = Recording(), Recording()
    # Two containers, each with its own StaffAlert, share the table's state.
    assert alert_with(table, first).check(at("2023-06-05T14:00"), published=False) is True
    assert alert_with(table, second).check(at("2023-06-05T14:00"), published=False) is False
    assert alert_with(table, second).check(at("2023-06-06T13:59"), published=False) is False
    assert len(first.sent) == 1 and second.sent == []
    [message] = first.sent
    assert message["Subject"].startswith("Let op. Vervolgmail nog niet gepubliceerd")
    assert "nog niet gepubliceerd" in text_of(message) and "over 47 uur" in text_of(message)
    # A day later, still not published: once more.
    assert alert_with(table, second).check(at("2023-06-06T14:00"), published=False) is True
    assert len(second.sent) == 1


def test_a_failed_alert_is_tried_again_on_the_next_round(table):
    flaky = Recording(fails=1)
    assert alert_with(table, flaky).check(at("2023-06-05T14:00"), published=False) is False
    assert alert_with(table, flaky).check(at("2023-06-05T14:05"), published=False) is True
    assert len(flaky.sent) == 1


def test_no_alert_once_the_follow_up_is_published(table):
    recording = Recording()
    assert alert_with(table, recording).check(at("2023-06-06T10:00"), published=True) is False
    assert recording.sent == []


def test_locally_the_alert_is_an_email_in_the_outbox(table, app_config):
    notifier = OutboxNotifier(OutboxSender(app_config["MAIL_OUTBOX"]), EVENT.contact_email)
    assert alert_with(table, notifier).check(at("2023-06-06T10:00"), published=False) is True
    [message] = messages(app_config["MAIL_OUTBOX"])
    assert message["To"] == EVENT.contact_email
    assert "vervolgmail met de Teams-link is nog niet gepubliceerd" in text_of(message)


def test_on_aws_the_alert_goes_to_the_staff_topic(table):
    published: list[dict] = []

    class Sns:
        def publish(self, **request):
            published.append(request)

    topic = "arn:aws:sns:eu-central-1:123456789012:vng-registrations-production-staff-alerts"
    notifier = TopicNotifier(topic, "eu-central-1", client=Sns())
    assert alert_with(table, notifier).check(at("2023-06-06T10:00"), published=False) is True
    [request] = published
    assert request["TopicArn"] == topic
    assert request["Subject"].startswith("Let op.") and len(request["Subject"]) <= 100
    assert "nog niet gepubliceerd" in request["Message"]
