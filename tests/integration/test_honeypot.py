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
    assert response.headers["Location"] == "/aanmelden/bevestiging/"
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
