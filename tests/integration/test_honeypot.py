"""The honeypot (web/honeypot.py): a submission that fills the hidden field is answered as a registration, but
nothing is stored or mailed, and the log counts it without what was sent."""

from __future__ import annotations

import pytest
from boto3.dynamodb.conditions import Key

from registrations import create_deliverer
from registrations.web.honeypot import FIELD
from tests.mailbox import messages


def stored(table):
    return table.query(KeyConditionExpression=Key("event").eq("ibp-vth-2023-06-07"))["Items"]


def test_the_form_carries_the_honeypot_empty(client, valid_form):
    page = client.post("/api/registrations", data={**valid_form, "email": "x", FIELD: "gevuld"}).get_data(as_text=True)
    # The error page shows the form again, with the honeypot empty whatever was sent.
    assert f'name="{FIELD}" type="text" value="" tabindex="-1" autocomplete="off"' in page
    assert "Laat dit veld leeg" in page


def test_a_json_submission_with_the_honeypot_filled_is_answered_as_registered_and_not_stored(
    client, table, valid_form, app_config, caplog
):
    caplog.set_level("INFO", logger="registrations")
    response = client.post("/api/registrations", json={**valid_form, FIELD: "https://spam.example"})
    # The answer looks like a real registration's ...
    assert response.status_code == 201
    real_keys = client.post("/api/registrations", json={**valid_form, "email": "echt@gemeente.example"}).get_json()
    body = response.get_json()
    assert body.keys() == real_keys.keys()
    assert body["registration"].keys() == real_keys["registration"].keys()
    assert body["registration"]["email"] == "j.vanthoff@gemeente.example"
    # ... but only the real one is stored and mailed
    assert [item["email"] for item in stored(table)] == ["echt@gemeente.example"]
    create_deliverer(app_config).sweep()  # mail goes out after the write
    assert [m["To"].addresses[0].addr_spec for m in messages(app_config["MAIL_OUTBOX"])] == ["echt@gemeente.example"]
    # The log counts it, without anything that was sent
    [line] = [r.getMessage() for r in caplog.records if "honeypot" in r.getMessage()]
    for sent in ("vanthoff", "Jan-Willem", "spam.example", "Utrecht"):
        assert sent.lower() not in line.lower()


def test_a_form_submission_with_the_honeypot_filled_goes_to_the_confirmation_page_and_is_not_stored(
    client, table, valid_form, app_config
):
    response = client.post("/api/registrations", data={**valid_form, FIELD: "x"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/bijeenkomsten/ibp-vth-2023-06-07/aanmelden/bevestiging/"
    assert stored(table) == []
    assert messages(app_config["MAIL_OUTBOX"]) == []


@pytest.mark.parametrize("value", ["", None])
def test_an_empty_honeypot_is_an_ordinary_registration(client, table, valid_form, value):
    response = client.post("/api/registrations", json={**valid_form, FIELD: value})
    assert response.status_code == 201
    assert len(stored(table)) == 1


def test_a_filled_honeypot_with_invalid_fields_gets_the_same_errors_as_anyone_and_is_counted(
    client, table, valid_form, caplog
):
    caplog.set_level("INFO", logger="registrations")
    response = client.post("/api/registrations", json={**valid_form, "email": "geen-adres", FIELD: "x"})
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == ["email"]
    assert stored(table) == []
    assert [r for r in caplog.records if "honeypot" in r.getMessage()]


def item_of(table, email="j.vanthoff@gemeente.example"):
    return table.get_item(Key={"event": "ibp-vth-2023-06-07", "email": email}, ConsistentRead=True).get("Item")


def answer(response):
    """What a client sees of an answer: the status, and the error's code and message or the page's text."""
    if response.mimetype == "application/json":
        body = response.get_json()
        return response.status_code, body.get("error", {}).get("code"), body.get("error", {}).get("message")
    return response.status_code, response.mimetype, response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["json", "data"])
def test_a_filled_honeypot_for_a_registered_address_gets_the_409_of_a_real_repeat_and_changes_nothing(
    client, table, valid_form, app_config, kind
):
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    create_deliverer(app_config).sweep()  # the confirmation
    before = item_of(table)
    # Looked up by the posted address, in another spelling of the same address
    spelled = {**valid_form, "email": "J.VANTHOFF@gemeente.example"}
    caught = client.post("/api/registrations", **{kind: {**spelled, FIELD: "x"}})
    # Nothing was stored: not even the "link owed again" a real repeat records
    assert item_of(table) == before
    create_deliverer(app_config).sweep()
    assert len(messages(app_config["MAIL_OUTBOX"])) == 1
    real = client.post("/api/registrations", **{kind: spelled})
    assert real.status_code == 409
    assert answer(caught) == answer(real)


@pytest.mark.parametrize("kind", ["json", "data"])
def test_a_filled_honeypot_after_the_deadline_gets_the_403_of_a_real_post(client, table, valid_form, clock, kind):
    clock.set("2023-05-30T10:00")
    caught = client.post("/api/registrations", **{kind: {**valid_form, FIELD: "x"}})
    assert caught.status_code == 403
    real = client.post("/api/registrations", **{kind: valid_form})
    assert answer(caught) == answer(real)
    assert stored(table) == []


@pytest.mark.parametrize("kind", ["json", "data"])
def test_a_filled_honeypot_from_another_site_gets_the_403_of_a_real_post(client, table, valid_form, kind):
    foreign = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    caught = client.post("/api/registrations", headers=foreign, **{kind: {**valid_form, FIELD: "x"}})
    assert caught.status_code == 403
    assert answer(caught) == answer(client.post("/api/registrations", headers=foreign, **{kind: valid_form}))
    assert stored(table) == []


def test_a_filled_honeypot_for_a_cancelled_registration_is_answered_201_as_a_new_registration_would_be(
    client, table, valid_form
):
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    table.update_item(
        Key={"event": "ibp-vth-2023-06-07", "email": "j.vanthoff@gemeente.example"},
        UpdateExpression="SET #s = :c",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":c": "cancelled"},
    )
    before = item_of(table)
    caught = client.post("/api/registrations", json={**valid_form, FIELD: "x"})
    assert caught.status_code == 201
    assert item_of(table) == before
