"""SES's delivery events on the registration (dynalite): delivered, bounced, complained, rejected; foreign ones are
ignored; the claim id settles an unknown outcome; the export and the summary show who cannot be reached."""

from __future__ import annotations

import io

import pytest

from registrations import create_app, create_deliverer
from registrations.delivery.ses_events import record_delivery_event
from registrations.lambda_handler import Dispatcher
from registrations.mail.senders import MailOutcomeUnknown
from registrations.meeting import load_meeting
from registrations.reports.export import export_rows
from registrations.reports.summary import render_summary, summarise
from registrations.repository import RegistrationRepository
from tests.conftest import own_page_client
from tests.ses_events import EMAIL, ses_event

EVENT = load_meeting()


@pytest.fixture
def registered(app_config, clock, table, valid_form):
    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)
    return RegistrationRepository(table)


def item(table, email=EMAIL):
    return table.get_item(Key={"event": EVENT.id, "email": email}, ConsistentRead=True)["Item"]


@pytest.mark.parametrize(
    ("event", "status"),
    [
        (ses_event("Delivery"), "delivered"),
        (ses_event("Bounce", bounceType="Permanent", bouncedRecipients=[{"emailAddress": EMAIL}]), "bounced"),
        (ses_event("Complaint", complainedRecipients=[{"emailAddress": EMAIL}]), "complained"),
        (ses_event("Reject", reason="Bad content"), "rejected"),
    ],
    ids=["delivery", "bounce", "complaint", "reject"],
)
def test_each_kind_of_event_is_recorded_on_the_registration(registered, table, event, status):
    assert record_delivery_event(event, registered, EVENT) == "recorded"
    assert (item(table)["email_status"], item(table)["email_status_at"]) == (status, "2023-05-10T10:00:05+02:00")


@pytest.mark.parametrize(
    "event",
    [
        ses_event("Delivery", event_tag="een-andere-bijeenkomst"),
        ses_event("Delivery", event_tag=None),
        ses_event("Delivery", to=[EMAIL, "ander@gemeente.example"]),
        ses_event("Bounce", bounceType="Transient"),
        {"source": "aws.ses", "detail-type": "Email Opened", "detail": {"eventType": "Open", "mail": {}}},
        {"source": "aws.ses", "detail-type": "Email Delivered", "detail": {}},
    ],
    ids=["other event", "no tag", "two recipients", "transient bounce", "open", "empty"],
)
def test_what_is_not_ours_or_not_final_is_ignored(registered, table, event):
    assert record_delivery_event(event, registered, EVENT) == "ignored"
    assert "email_status" not in item(table)


def test_an_event_for_an_address_without_registration_changes_nothing(registered, table):
    event = ses_event("Delivery", to=["niemand@gemeente.example"])
    assert record_delivery_event(event, registered, EVENT) == "unknown-address"


def test_the_newest_event_wins_whatever_order_they_arrive_in(registered, table):
    bounced = ses_event("Bounce", at="2023-05-10T08:00:09.000Z", bounceType="Permanent")
    delivered_earlier = ses_event("Delivery", at="2023-05-10T08:00:05.000Z")
    assert record_delivery_event(bounced, registered, EVENT) == "recorded"
    assert record_delivery_event(delivered_earlier, registered, EVENT) == "older"
    assert item(table)["email_status"] == "bounced"
    # A later delivery (after the address was put right) shows the address works again
    assert record_delivery_event(ses_event("Delivery", at="2023-05-11T08:00:00.000Z"), registered, EVENT) == "recorded"
    assert item(table)["email_status"] == "delivered"


def test_the_claim_id_settles_a_send_whose_outcome_was_unknown(app_config, clock, table, valid_form):
    class TimesOut:
        def send(self, message, recipient, tags=None):
            self.tags = tags
            raise MailOutcomeUnknown("ReadTimeoutError")

    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)
    sender = TimesOut()
    create_deliverer(app_config, clock=clock, transport=sender).sweep()
    assert item(table)["mail_status"] == "unknown"
    # Every send carries the event and the claim as SES message tags
    assert sender.tags == {"event": EVENT.id, "claim": item(table)["mail_claim"]}
    # SES says it delivered the message of that claim: it was sent after all
    event = ses_event("Delivery", claim=item(table)["mail_claim"])
    record_delivery_event(event, RegistrationRepository(table), EVENT)
    assert (item(table)["mail_status"], item(table)["email_status"]) == ("sent", "delivered")


def test_another_claims_event_does_not_settle_it(app_config, clock, table, valid_form):
    class TimesOut:
        def send(self, message, recipient, tags=None):
            raise MailOutcomeUnknown("ReadTimeoutError")

    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)
    create_deliverer(app_config, clock=clock, transport=TimesOut()).sweep()
    record_delivery_event(ses_event("Delivery", claim="iets-anders"), RegistrationRepository(table), EVENT)
    assert item(table)["mail_status"] == "unknown"


def test_the_dispatcher_hands_ses_events_to_the_recorder(registered, table, app_config, clock):
    dispatcher = Dispatcher(lambda: create_deliverer(app_config, clock=clock), zappa_handler=lambda e, c: None)
    answer = dispatcher(ses_event("Bounce", bounceType="Permanent"), None)
    assert answer == {"ses": "recorded"}
    assert item(table)["email_status"] == "bounced"


def test_the_export_and_the_summary_show_who_cannot_be_reached(registered, table, app_config, clock, valid_form):
    client = own_page_client(create_app(app_config, clock=clock))
    for name in ("tweede", "derde"):
        client.post("/api/registrations", json={**valid_form, "email": f"{name}@gemeente.example"})
    record_delivery_event(ses_event("Bounce", bounceType="Permanent"), registered, EVENT)
    record_delivery_event(ses_event("Complaint", to=["tweede@gemeente.example"]), registered, EVENT)
    record_delivery_event(ses_event("Delivery", to=["derde@gemeente.example"]), registered, EVENT)
    items = list(registered.for_event(EVENT.id))
    header, rows = export_rows(items)
    column = header.index("E-mailstatus")
    by_address = {row[header.index("E-mailadres")]: row[column] for row in rows}
    assert by_address == {
        EMAIL: "onbereikbaar (kwam terug)",
        "tweede@gemeente.example": "klacht (als spam gemeld)",
        "derde@gemeente.example": "afgeleverd",
    }
    summary = render_summary(summarise(items, EVENT), EVENT)
    assert "2 adressen onbereikbaar" in summary
    assert io.StringIO(summary).read().count("onbereikbaar") == 1
