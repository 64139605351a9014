"""The confirmation email after storing, the mail outcome on the item, the re-send throttle (dynalite)."""

from __future__ import annotations

import icalendar
import pytest

from registrations import create_app
from registrations.mail.senders import MailNotSent
from tests.concurrency import at_the_same_moment
from tests.mailbox import manage_link, messages, text_of

EVENT_ID = "ibp-vth-2023-06-07"
EMAIL = "j.vanthoff@gemeente.example"
DUPLICATE_MESSAGE = (
    "Dit e-mailadres is al aangemeld voor deze bijeenkomst. U hoeft niets meer te doen. "
    "We hebben een nieuwe e-mail met uw persoonlijke link naar dit adres gestuurd (hooguit één keer per "
    "10 minuten). Met die link kunt u uw aanmelding bekijken, wijzigen of annuleren."
)


class BrokenSender:
    """A mail service that is down (or a bug in building the message)."""

    def __init__(self, error: Exception):
        self.error = error
        self.attempts = 0

    def send(self, message, recipient):
        self.attempts += 1
        raise self.error


def item_of(table, email=EMAIL):
    return table.get_item(Key={"event": EVENT_ID, "email": email}, ConsistentRead=True)["Item"]


def subjects(app_config):
    # Sorted: the outbox names files by the second, so two emails within one second have no order.
    return sorted(m["Subject"].split(" voor de ")[0] for m in messages(app_config["MAIL_OUTBOX"]))


def test_registering_sends_the_confirmation_and_records_it(client, app_config, table, valid_form):
    # When an invitee registers
    response = client.post("/api/registrations", json=valid_form)
    # Then they are told it worked, one email is in the outbox, to the normalised address
    assert response.status_code == 201
    assert response.get_json()["confirmation_email"] == "sent"
    [message] = messages(app_config["MAIL_OUTBOX"])
    assert message["To"].addresses[0].addr_spec == EMAIL
    assert message["From"] == app_config["MAIL_SENDER"]
    assert "Beste Jan-Willem van 't Hoff," in text_of(message)
    assert manage_link(message).startswith(app_config["SITE_URL"] + "/api/mijn-aanmelding/")
    # And the outcome is on the item, for staff to see
    item = item_of(table)
    assert item["confirmation_status"] == "sent"
    assert item["confirmation_at"] == "2023-05-10T10:00:00+02:00"
    assert item["link_sent_at"] == "2023-05-10T10:00:00+02:00"


@pytest.mark.parametrize(
    "error",
    [MailNotSent("MessageRejected"), RuntimeError("a bug while building the message")],
    ids=["mail service refuses", "unexpected error"],
)
@pytest.mark.parametrize("as_form", [False, True], ids=["json", "form"])
def test_a_mail_failure_keeps_the_registration_and_marks_it(app_config, clock, table, valid_form, error, as_form):
    # Given a mail service that fails
    broken = BrokenSender(error)
    client = create_app(app_config, clock=clock, transport=broken).test_client()
    # When an invitee registers
    response = client.post("/api/registrations", data=valid_form) if as_form else client.post(
        "/api/registrations", json=valid_form)
    # Then they are still told the registration succeeded
    assert broken.attempts == 1
    if as_form:
        assert response.status_code == 303 and response.headers["Location"] == "/aanmelden/bevestiging/"
    else:
        assert response.status_code == 201
        assert response.get_json()["confirmation_email"] == "failed"
    # And the registration is stored, marked as not confirmed, with the throttle freed
    item = item_of(table)
    assert item["status"] == "registered"
    assert item["given_name"] == "Jan-Willem"
    assert item["confirmation_status"] == "failed"
    assert item["confirmation_at"] == "2023-05-10T10:00:00+02:00"
    assert "link_sent_at" not in item


def test_a_failed_confirmation_can_be_sent_again(app_config, clock, table, valid_form):
    # Given a registration whose confirmation failed
    broken = create_app(app_config, clock=clock, transport=BrokenSender(MailNotSent("x")))
    assert broken.test_client().post("/api/registrations", json=valid_form).status_code == 201
    assert item_of(table)["confirmation_status"] == "failed"
    assert messages(app_config["MAIL_OUTBOX"]) == []
    # When staff retry the failed confirmations later, with the mail service back
    clock.advance(hours=1)
    service = create_app(app_config, clock=clock).extensions["registrations"]
    assert service.retry_failed_confirmations() == {"sent": 1, "failed": 0}
    # Then the confirmation arrives, and the item says so
    assert subjects(app_config) == ["Aanmelding bevestigd"]
    item = item_of(table)
    assert item["confirmation_status"] == "sent"
    assert item["confirmation_at"] == "2023-05-10T11:00:00+02:00"
    # And a second retry has nothing left to do
    assert service.retry_failed_confirmations() == {"sent": 0, "failed": 0}
    assert len(messages(app_config["MAIL_OUTBOX"])) == 1


def test_retrying_while_mail_is_still_down_keeps_it_failed(app_config, clock, table, valid_form):
    app = create_app(app_config, clock=clock, transport=BrokenSender(MailNotSent("x")))
    app.test_client().post("/api/registrations", json=valid_form)
    assert app.extensions["registrations"].retry_failed_confirmations() == {"sent": 0, "failed": 1}
    assert item_of(table)["confirmation_status"] == "failed"


def test_a_duplicate_gets_409_and_the_link_email_at_most_once_per_10_minutes(client, app_config, clock, table,
                                                                           valid_form):
    # Given a registration (its confirmation carries the personal link)
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    attempt = {**valid_form, "given_name": "Iemand anders", "email": valid_form["email"].upper()}
    timeline = [
        # (minutes after registering, a new email with the link?)
        (1, False),    # the confirmation went out a minute ago
        (9, False),
        (10, True),    # 10 minutes after the last email with the link
        (15, False),
        (19, False),
        (20, True),
        (45, True),
    ]
    sent = ["Aanmelding bevestigd"]
    for minutes, expect_email in timeline:
        clock.set("2023-05-10T10:00")
        clock.advance(minutes=minutes)
        # When someone registers the same address again
        response = client.post("/api/registrations", json=attempt)
        # Then the answer is always the same, and reveals nothing about the registration
        assert response.status_code == 409
        assert response.get_json()["error"] == {"code": "already_registered", "message": DUPLICATE_MESSAGE,
                                                "fields": {}}
        if expect_email:
            sent.append("Uw persoonlijke link")
        assert subjects(app_config) == sorted(sent), f"after {minutes} minutes"
    # And nothing was overwritten
    item = item_of(table)
    assert item["given_name"] == "Jan-Willem"
    assert item["link_sent_at"] == "2023-05-10T10:45:00+02:00"


def test_the_link_email_carries_a_working_link(client, app_config, clock, valid_form):
    client.post("/api/registrations", json=valid_form)
    clock.advance(minutes=30)
    client.post("/api/registrations", json=valid_form)
    [again] = [m for m in messages(app_config["MAIL_OUTBOX"]) if m["Subject"].startswith("Uw persoonlijke link")]
    assert "Het adres was al aangemeld, dus er is niets veranderd." in text_of(again)
    page = client.get(manage_link(again).split(app_config["SITE_URL"])[1])
    assert page.status_code == 200
    assert 'value="Jan-Willem"' in page.get_data(as_text=True)


def test_a_no_js_duplicate_gets_the_same_words_on_a_page(client, clock, valid_form):
    client.post("/api/registrations", data=valid_form)
    response = client.post("/api/registrations", data=valid_form)
    assert response.status_code == 409
    assert DUPLICATE_MESSAGE.replace("'", "&#39;") in response.get_data(as_text=True)


def test_a_duplicate_after_a_failed_confirmation_sends_the_link_at_once(app_config, clock, table, valid_form):
    # Given a registration whose confirmation failed, and the mail service back
    create_app(app_config, clock=clock, transport=BrokenSender(MailNotSent("x"))).test_client().post(
        "/api/registrations", json=valid_form)
    client = create_app(app_config, clock=clock).test_client()
    # When the person, who got no email, tries to register again a minute later
    clock.advance(minutes=1)
    assert client.post("/api/registrations", json=valid_form).status_code == 409
    # Then the email with the link goes out straight away, and counts as the confirmation
    assert subjects(app_config) == ["Uw persoonlijke link"]
    assert item_of(table)["confirmation_status"] == "sent"


def test_twenty_simultaneous_duplicates_send_one_email(app, app_config, clock, table, valid_form):
    # Given a registration whose last email with the link is more than 10 minutes old
    client = app.test_client()
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    clock.advance(minutes=11)

    # When 20 duplicates arrive at the same moment
    statuses = at_the_same_moment(
        20, lambda _: app.test_client().post("/api/registrations", json=valid_form).status_code)
    # Then all are told the address is registered, and exactly one new email goes out
    assert statuses == [409] * 20
    assert subjects(app_config) == ["Aanmelding bevestigd", "Uw persoonlijke link"]


def test_twenty_simultaneous_first_registrations_send_one_confirmation(app, app_config, table, valid_form):
    statuses = at_the_same_moment(
        20, lambda _: app.test_client().post("/api/registrations", json=valid_form).status_code)
    assert sorted(statuses) == [201] + [409] * 19
    assert subjects(app_config) == ["Aanmelding bevestigd"]


def test_the_calendar_download_is_the_same_meeting(client):
    response = client.get("/api/event.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8; method=PUBLISH"
    assert response.headers["Content-Disposition"] == 'attachment; filename="bijeenkomst-ibp-vth-2023-06-07.ics"'
    [vevent] = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert vevent.decoded("DTSTART").isoformat() == "2023-06-07T11:30:00+00:00"
    assert vevent.decoded("DTEND").isoformat() == "2023-06-07T13:00:00+00:00"
    assert str(vevent["LOCATION"]) == "Microsoft Teams (link volgt)"
    # The UID every personal entry carries too, whatever host serves it
    assert str(vevent["UID"]) == "ibp-vth-2023-06-07@vng.nl"


def test_no_personal_data_in_the_logs_when_mailing(app_config, clock, valid_form, caplog):
    caplog.set_level("DEBUG", logger="registrations")
    client = create_app(app_config, clock=clock, transport=BrokenSender(MailNotSent("Throttling"))).test_client()
    client.post("/api/registrations", json=valid_form)
    clock.advance(minutes=11)
    client.post("/api/registrations", json=valid_form)
    text = caplog.text.lower()
    assert "not sent" in text
    for secret in ("vanthoff", "jan-willem", "gemeente.example"):
        assert secret not in text
