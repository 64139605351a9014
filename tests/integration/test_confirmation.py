"""The request owes the email; the deliverer sends it, once, whatever happens (dynalite)."""

from __future__ import annotations

import icalendar
import pytest

from registrations import create_app, create_deliverer
from registrations.mail.senders import MailNotSent, MailOutcomeUnknown
from tests.concurrency import at_the_same_moment
from tests.conftest import own_page_client
from tests.doubles import BrokenSender, CountingTable, RecordingSender, SendsThenDies
from tests.mailbox import messages, personal_link_of, personal_path_of, text_of
from tests.observed import json_text

EVENT_ID = "ibp-vth-2023-06-07"
EMAIL = "j.vanthoff@gemeente.example"
DUPLICATE_MESSAGE = (
    "Dit e-mailadres is al aangemeld voor deze bijeenkomst. U hoeft niets meer te doen. "
    "We sturen uw persoonlijke link nog een keer naar dit adres, meestal binnen een paar minuten. "
    "Met die link kunt u uw aanmelding bekijken, wijzigen of annuleren. Komt er geen e-mail? Kijk dan ook in "
    "de map met ongewenste e-mail. Staat hij daar niet? Mail dan naar ronald.kersbergen@vng.nl."
)


@pytest.fixture
def sender(app_config):
    return RecordingSender(app_config["MAIL_OUTBOX"])


@pytest.fixture
def deliverer(app_config, clock, sender):
    return create_deliverer(app_config, clock=clock, transport=sender)


def item_of(table, email=EMAIL):
    return table.get_item(Key={"event": EVENT_ID, "email": email}, ConsistentRead=True)["Item"]


def subjects(app_config):
    # Sorted: the outbox names files by the second, so two emails within one second have no order.
    return sorted(m["Subject"].split(" voor de ")[0] for m in messages(app_config["MAIL_OUTBOX"]))


def change_form(**changes):
    return {
        "given_name": "Jan-Willem",
        "family_name": "van 't Hoff",
        "organisation": "regio-utrecht",
        "organisation_other": "",
        "role": "dagelijks-bestuur",
        "on_behalf_of": "",
        "remark": "",
        **changes,
    }


def test_each_request_makes_one_write_and_sends_nothing(app_config, clock, table, valid_form, deliverer, sender):
    counting = CountingTable(table)
    client = own_page_client(create_app(app_config, clock=clock, table=counting, transport=sender))
    # Registering: the inbox's record (one registration per inbox), then one conditional put; nothing else
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    assert counting.calls == {"UpdateItem": 1, "PutItem": 1}
    deliverer.sweep()
    link = personal_path_of(messages(app_config["MAIL_OUTBOX"])[0])
    sent_before = len(sender.sent)
    paths = [
        # (what the person does, the calls it may make)
        (lambda: client.post("/api/registrations", json=valid_form), 409, {"PutItem": 1, "UpdateItem": 2}),
        (lambda: client.post(link, data=change_form(remark="Later")), 303, {"Query": 1, "UpdateItem": 1}),
        (lambda: client.post(f"{link}/annuleren"), 303, {"Query": 1, "UpdateItem": 1}),
    ]
    for action, status, calls in paths:
        counting.calls.clear()
        assert action().status_code == status
        # One write of the registration (the 409's inbox record is ours; its put is refused, then one update
        # records the link owed), no email from the request
        assert counting.calls == calls
        assert len(sender.sent) == sent_before
    assert item_of(table)["mail_owed"] == "cancellation"


def test_the_deliverer_sends_the_owed_confirmation_and_records_it(
    client, app_config, table, valid_form, deliverer, sender
):
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    # The request sent nothing: the item says what it owes
    assert messages(app_config["MAIL_OUTBOX"]) == []
    assert item_of(table)["mail_owed"] == "confirmation"
    # The deliverer sends it, with the claim id as the message tag, and records it
    assert deliverer.sweep() == {"sent": 1}
    [message] = messages(app_config["MAIL_OUTBOX"])
    assert message["To"].addresses[0].addr_spec == EMAIL
    assert "Beste Jan-Willem van 't Hoff," in text_of(message)
    assert personal_link_of(message).startswith(app_config["SITE_URL"] + "/api/mijn-aanmelding/")
    item = item_of(table)
    assert sender.sent == [(EMAIL, {"event": "ibp-vth-2023-06-07", "claim": item["mail_claim"]})]
    assert item["mail_status"] == "sent" and item["mail_kind"] == "confirmation"
    assert item["mail_sent_at"] == "2023-05-10T10:00:00+02:00"
    assert "mail_owed" not in item and "mail_claim_for" not in item
    # Nothing more is owed
    assert deliverer.sweep() == {}
    assert deliverer.deliver(EMAIL) == []
    assert len(messages(app_config["MAIL_OUTBOX"])) == 1


def test_a_duplicate_gets_409_and_the_link_is_owed_again(client, app_config, table, valid_form, deliverer):
    client.post("/api/registrations", json=valid_form)
    deliverer.sweep()
    attempt = {**valid_form, "given_name": "Iemand anders", "email": valid_form["email"].upper()}
    response = client.post("/api/registrations", json=attempt)
    assert response.status_code == 409
    assert response.get_json()["error"] == {"code": "already_registered", "message": DUPLICATE_MESSAGE, "fields": {}}
    assert item_of(table)["mail_owed"] == "link"
    deliverer.sweep()
    assert subjects(app_config) == ["Aanmelding bevestigd", "Uw persoonlijke link"]
    [again] = [m for m in messages(app_config["MAIL_OUTBOX"]) if m["Subject"].startswith("Uw persoonlijke link")]
    assert "Het adres was al aangemeld, dus er is niets veranderd." in text_of(again)
    page = client.get(personal_path_of(again))
    assert page.status_code == 200 and 'value="Jan-Willem"' in page.get_data(as_text=True)
    # And nothing was overwritten
    assert item_of(table)["given_name"] == "Jan-Willem"


def test_a_no_js_duplicate_gets_the_same_words_on_a_page(client, valid_form):
    client.post("/api/registrations", data=valid_form)
    response = client.post("/api/registrations", data=valid_form)
    assert response.status_code == 409
    assert DUPLICATE_MESSAGE.replace("'", "&#39;") in response.get_data(as_text=True)


def test_changing_and_cancelling_are_confirmed_by_email(client, app_config, table, valid_form, deliverer):
    client.post("/api/registrations", json=valid_form)
    deliverer.sweep()
    link = personal_path_of(messages(app_config["MAIL_OUTBOX"])[0])
    client.post(link, data=change_form(remark="Ik kom later."))
    assert deliverer.sweep() == {"sent": 1}
    client.post(f"{link}/annuleren")
    assert deliverer.sweep() == {"sent": 1}
    assert subjects(app_config) == ["Aanmelding bevestigd", "Afmelding bevestigd", "Wijziging opgeslagen"]


def test_the_same_stream_record_twice_and_twenty_workers_send_one_email(
    app, app_config, clock, table, valid_form, sender
):
    own_page_client(app).post("/api/registrations", json=valid_form)
    workers = [create_deliverer(app_config, clock=clock, transport=sender) for _ in range(20)]
    # Twenty workers at once, each delivering the same registration (as duplicate records or triggers would)
    outcomes = at_the_same_moment(20, lambda i: workers[i].deliver(EMAIL))
    assert sorted(o for result in outcomes for o in result if o != "skipped") == ["sent"]
    # And the same again afterwards changes nothing
    assert workers[0].deliver(EMAIL) == [] and workers[1].sweep() == {}
    assert len(sender.sent) == 1 and subjects(app_config) == ["Aanmelding bevestigd"]


def test_twenty_simultaneous_first_registrations_get_one_email(app, app_config, valid_form, deliverer):
    statuses = at_the_same_moment(
        20, lambda _: own_page_client(app).post("/api/registrations", json=valid_form).status_code
    )
    assert sorted(statuses) == [201] + [409] * 19
    # Each repeat owed the link again before anything was sent: the latest state change is the one delivered,
    # and it carries the personal link, like the confirmation
    deliverer.sweep()
    deliverer.sweep()
    [message] = messages(app_config["MAIL_OUTBOX"])
    assert personal_link_of(message)


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


@pytest.mark.parametrize("error", [MailNotSent("Throttling"), ValueError("bad message")], ids=["refused", "bug"])
def test_a_mail_outage_then_a_sweep_delivers_everything_exactly_once(app_config, clock, table, valid_form, error):
    client = own_page_client(create_app(app_config, clock=clock))
    addresses = [f"persoon{i}@gemeente{i}.example" for i in range(4)]
    for address in addresses:
        assert client.post("/api/registrations", json={**valid_form, "email": address}).status_code == 201
    # While SES refuses, nothing is sent and every item says it will be tried again
    down = BrokenSender(MailNotSent("Throttling"))
    assert create_deliverer(app_config, clock=clock, transport=down).sweep() == {"retrying": 4}
    item = item_of(table, addresses[0])
    assert item["mail_status"] == "retrying" and item["mail_attempts"] == 1
    assert item["mail_retry_at"] == "2023-05-10T10:01:00+02:00"
    # Before the pause is over, a sweep leaves them alone
    up = RecordingSender(app_config["MAIL_OUTBOX"])
    back = create_deliverer(app_config, clock=clock, transport=up)
    assert back.sweep() == {}
    # After it, the sweep delivers each once, and a second sweep has nothing to do
    clock.advance(minutes=1)
    assert back.sweep() == {"sent": 4}
    assert back.sweep() == {}
    assert sorted(recipient for recipient, _ in up.sent) == sorted(addresses)


def test_failed_sends_are_retried_up_to_the_cap_then_failed(app_config, clock, table, valid_form):
    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)
    down = BrokenSender(MailNotSent("MessageRejected"))
    deliverer = create_deliverer(app_config, clock=clock, transport=down)
    for _ in range(10):
        deliverer.sweep()
        clock.advance(minutes=20)
    assert down.attempts == 5
    item = item_of(table)
    assert item["mail_status"] == "failed" and item["mail_attempts"] == 5 and "mail_owed" not in item


def test_an_unknown_outcome_is_never_sent_again(app_config, clock, table, valid_form, sender):
    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)
    timeout = BrokenSender(MailOutcomeUnknown("ReadTimeoutError"))
    assert create_deliverer(app_config, clock=clock, transport=timeout).sweep() == {"unknown": 1}
    item = item_of(table)
    assert item["mail_status"] == "unknown" and item["mail_claim"]
    clock.advance(hours=2)
    assert create_deliverer(app_config, clock=clock, transport=sender).sweep() == {}
    assert timeout.attempts == 1 and sender.sent == []


def test_a_crash_between_sending_and_recording_never_sends_twice(app_config, clock, table, valid_form, sender):
    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)
    dying = SendsThenDies(app_config["MAIL_OUTBOX"])
    with pytest.raises(SystemExit):
        create_deliverer(app_config, clock=clock, transport=dying).sweep()
    # A new worker finds the claim and leaves it; once it is stale, it is recorded as unknown
    deliverer = create_deliverer(app_config, clock=clock, transport=sender)
    assert deliverer.sweep() == {}
    clock.advance(minutes=11)
    assert deliverer.sweep() == {"unknown": 1}
    assert deliverer.sweep() == {}
    assert len(dying.inner.sent) == 1 and sender.sent == []
    assert item_of(table)["mail_status"] == "unknown"


def test_a_newer_change_while_sending_is_delivered_too(app_config, clock, table, valid_form, sender):
    client = own_page_client(create_app(app_config, clock=clock))
    client.post("/api/registrations", json=valid_form)
    deliverer = create_deliverer(app_config, clock=clock, transport=sender)
    deliverer.sweep()
    link = personal_path_of(messages(app_config["MAIL_OUTBOX"])[0])

    class ChangesWhileSending:
        def send(self, message, recipient, tags=None):
            if not getattr(self, "done", False):
                self.done = True
                client.post(f"{link}/annuleren")  # the person cancels while the change email goes out
            return sender.send(message, recipient, tags)

    client.post(link, data=change_form(remark="Later"))
    assert create_deliverer(app_config, clock=clock, transport=ChangesWhileSending()).sweep() == {"sent": 2}
    assert subjects(app_config) == ["Aanmelding bevestigd", "Afmelding bevestigd", "Wijziging opgeslagen"]


def test_no_personal_data_in_the_logs_when_mailing(app_config, clock, valid_form, caplog):
    caplog.set_level("DEBUG", logger="registrations")
    client = own_page_client(create_app(app_config, clock=clock))
    client.post("/api/registrations", json=valid_form)
    client.post("/api/registrations", json=valid_form)
    create_deliverer(app_config, clock=clock, transport=BrokenSender(MailNotSent("Throttling"))).sweep()
    # The messages, and every field of the JSON lines Lambda gets (observability/logs.py)
    text = caplog.text.lower() + json_text(caplog.records)
    assert "not sent" in text
    for secret in ("vanthoff", "jan-willem", "gemeente.example", "mijn-aanmelding"):
        assert secret not in text
