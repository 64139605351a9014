"""A called-off meeting in the function: the API's registration state, the form and the personal page say plainly
that it will not take place, and registration is closed (dynalite)."""

from __future__ import annotations

import dataclasses
import html

import pytest

from registrations import create_app, create_deliverer
from registrations.meeting import load_meeting
from tests.conftest import own_page_client
from tests.mailbox import messages, personal_path_of

REASON = "De stuurgroep heeft het besluit uitgesteld."


@pytest.fixture
def cancelled_event():
    return dataclasses.replace(load_meeting(), cancelled=True, cancelled_reason=REASON)


@pytest.fixture
def cancelled_client(app_config, clock, cancelled_event):
    return own_page_client(create_app(app_config, clock=clock, meeting=cancelled_event))


def test_the_api_says_registration_is_closed_because_the_meeting_is_called_off(cancelled_client, client):
    body = cancelled_client.get("/api/event").get_json()
    assert body["registration"]["open"] is False
    assert body["registration"]["meeting_cancelled"] is True
    assert "gaat niet door" in body["registration"]["notice"] and REASON in body["registration"]["notice"]
    assert body["event"]["cancelled"] is True
    # The same moment with the meeting on: open, and nothing to say.
    normal = client.get("/api/event").get_json()["registration"]
    assert normal == {**normal, "open": True, "meeting_cancelled": False, "notice": ""}


def test_a_registration_for_a_called_off_meeting_is_refused_and_nothing_is_stored(cancelled_client, valid_form, table):
    response = cancelled_client.post("/api/registrations", json=valid_form)
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "meeting_cancelled"
    assert error["message"].startswith("De bijeenkomst gaat niet door. " + REASON + " Aanmelden kan daarom niet meer.")
    assert table.scan()["Items"] == []
    # The form's own page (no JavaScript) says why, and does not offer the form again.
    page = html.unescape(cancelled_client.post("/api/registrations", data=valid_form).get_data(as_text=True))
    assert "De bijeenkomst gaat niet door" in page and REASON in page
    assert 'id="registration-form"' not in page


def test_the_personal_page_says_the_meeting_will_not_take_place(
    client, app_config, clock, valid_form, cancelled_client
):
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    create_deliverer(app_config, clock=clock).sweep()
    [confirmation] = messages(app_config["MAIL_OUTBOX"])
    page = html.unescape(cancelled_client.get(personal_path_of(confirmation)).get_data(as_text=True))
    assert "De bijeenkomst gaat niet door." in page and REASON in page
    normal = html.unescape(client.get(personal_path_of(confirmation)).get_data(as_text=True))
    assert "gaat niet door" not in normal


def test_the_honeypot_answers_a_called_off_meeting_as_a_real_post_would(cancelled_client, valid_form, table):
    from registrations.web.honeypot import FIELD

    real = cancelled_client.post("/api/registrations", json=valid_form)
    robot = cancelled_client.post("/api/registrations", json={**valid_form, FIELD: "x"})
    assert (robot.status_code, robot.get_json()) == (real.status_code, real.get_json())
    assert table.scan()["Items"] == []
