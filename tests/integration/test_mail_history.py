"""Registrations stored before the deliverer, the mailbox limit, and what staff see and do about email (dynalite)."""

from __future__ import annotations

from boto3.dynamodb.conditions import Key

from registrations import create_app, create_deliverer
from tests.conftest import own_page_client
from tests.doubles import RecordingSender
from tests.mailbox import messages, personal_path_of

from .staff_support import run_cli

EVENT_ID = "ibp-vth-2023-06-07"


def old_item(email: str, confirmation_status: str, **extra: str) -> dict:
    """A registration as the function stored it before the deliverer: the email sent inside the request."""
    return {
        "event": EVENT_ID,
        "email": email,
        "given_name": "Oud",
        "family_name": "Item",
        "organisation": "DCMR",
        "organisation_code": "dcmr",
        "role": "Lid van het algemeen bestuur",
        "role_code": "algemeen-bestuur",
        "on_behalf_of": "",
        "remark": "",
        "status": "registered",
        "registered_at": "2023-05-01T09:00:00+02:00",
        "consent_at": "2023-05-01T09:00:00+02:00",
        "expires_at": 1693918800,
        "submission_id": "abc",
        "confirmation_status": confirmation_status,
        "confirmation_at": "2023-05-01T09:00:01+02:00",
        **extra,
    }


def test_a_sweep_over_old_registrations_sends_nothing(app_config, clock, table, staff_env):
    # Given registrations stored before the deliverer, in every state the old code left them in
    olds = [
        old_item("a@oud.example", "sent", link_sent_at="2023-05-01T09:00:00+02:00"),
        old_item("b@oud.example", "failed"),
        old_item("c@oud.example", "pending", link_sent_at="2023-05-01T09:00:00+02:00"),
        {**old_item("d@oud.example", "sent"), "status": "cancelled", "cancelled_at": "2023-05-02T09:00:00+02:00"},
    ]
    for item in olds:
        table.put_item(Item=item)
    sender = RecordingSender(app_config["MAIL_OUTBOX"])
    # When the deliverer sweeps, and the stream hands it each of them as a changed record
    deliverer = create_deliverer(app_config, clock=clock, transport=sender)
    assert deliverer.sweep() == {}
    records = [
        {
            "eventSource": "aws:dynamodb",
            "eventName": "MODIFY",
            "dynamodb": {
                "SequenceNumber": str(i),
                "Keys": {"event": {"S": EVENT_ID}, "email": {"S": o["email"]}},
                "NewImage": {"event": {"S": EVENT_ID}, "email": {"S": o["email"]}},
            },
        }
        for i, o in enumerate(olds)
    ]
    assert deliverer.stream(records) == {"batchItemFailures": []}
    for item in olds:
        assert deliverer.deliver(item["email"]) == []
    # Then nothing new is sent, and nothing about them changed
    assert sender.sent == []
    assert sorted(
        table.query(KeyConditionExpression=Key("event").eq(EVENT_ID))["Items"], key=lambda i: i["email"]
    ) == sorted(olds, key=lambda i: i["email"])
    # And staff see the old outcomes counted as the new ones
    code, out, _ = run_cli(["summary"], staff_env)
    stdout = out.decode()
    assert code == 0
    assert "Mislukt na 5 pogingen (mail de deelnemer zelf): 1" in stdout
    assert "Onzeker of verstuurd (wordt niet vanzelf opnieuw verstuurd): 1" in stdout
    assert "Nog te versturen: 0" in stdout


def test_an_old_registration_asking_for_its_link_gets_a_new_working_one(app_config, clock, table, valid_form):
    table.put_item(Item=old_item("j.vanthoff@gemeente.example", "sent"))
    client = own_page_client(create_app(app_config, clock=clock))
    assert client.post("/api/registrations", json=valid_form).status_code == 409
    create_deliverer(app_config, clock=clock).sweep()
    [message] = messages(app_config["MAIL_OUTBOX"])
    page = client.get(personal_path_of(message))
    assert page.status_code == 200 and 'value="Oud"' in page.get_data(as_text=True)


def test_staff_revoke_a_link(app_config, clock, table, valid_form, staff_env):
    client = own_page_client(create_app(app_config, clock=clock))
    client.post("/api/registrations", json=valid_form)
    create_deliverer(app_config, clock=clock).sweep()
    link = personal_path_of(messages(app_config["MAIL_OUTBOX"])[0])
    code, stdout, _ = run_cli(["revoke-link", "J.vanthoff@gemeente.example"], staff_env)
    assert code == 0 and "ingetrokken (nu versie 2)" in stdout.decode()
    assert client.get(link).status_code == 400
    code, _, stderr = run_cli(["revoke-link", "niemand@gemeente.example"], staff_env)
    assert code == 1 and "er is geen aanmelding met het adres niemand@gemeente.example" in stderr
