"""The HTTP API against a real dynalite (started by the fixtures in tests/conftest.py)."""

from __future__ import annotations

import json

import pytest
from boto3.dynamodb.conditions import Key

from registrations import create_app
from registrations.local.dynalite import Dynalite, local_config, prepare_table
from tests.concurrency import at_the_same_moment
from tests.conftest import own_page_client
from tests.event_files import SECOND_ID, SECOND_TITLE, add_second_meeting, meetings_copy
from tests.observed import json_text


def stored(table, event_id="ibp-vth-2023-06-07"):
    return table.query(KeyConditionExpression=Key("event").eq(event_id))["Items"]


def test_health(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_event_gives_the_facts_the_state_and_the_choices(client):
    body = client.get("/api/event").get_json()
    assert body["event"]["starts_at"] == "2023-06-07T13:30:00+02:00"
    assert body["registration"] == {
        "open": True,
        "closes_at": "2023-05-25T00:00:00+02:00",
        "meeting_cancelled": False,
        "notice": "",
    }
    organisations = {c["value"]: c["label"] for c in body["choices"]["organisations"]}
    assert organisations["dcmr"] == "DCMR Milieudienst Rijnmond"
    assert organisations["anders"] == "Een andere organisatie"
    assert {c["value"] for c in body["choices"]["roles"]} >= {"dagelijks-bestuur", "algemeen-bestuur", "anders"}


def test_a_json_registration_is_stored_as_a_flat_readable_item(client, table, valid_form):
    # When an invitee registers
    response = client.post("/api/registrations", json=valid_form)
    # Then the API answers 201 with what was stored, and the item is flat and readable
    assert response.status_code == 201
    assert response.get_json()["registration"]["email"] == "j.vanthoff@gemeente.example"
    [item] = stored(table)
    assert item["email"] == "j.vanthoff@gemeente.example"
    assert item["family_name"] == "van 't Hoff"
    assert item["organisation"] == "Omgevingsdienst Regio Utrecht"
    assert item["organisation_code"] == "regio-utrecht"
    assert item["role"] == "Lid van het dagelijks bestuur"
    assert item["status"] == "registered"
    assert item["registered_at"] == "2023-05-10T10:00:00+02:00"
    # TTL: the end of the meeting plus 90 days, as epoch seconds.
    assert int(item["expires_at"]) == 1686142800 + 90 * 86400
    assert all(not isinstance(v, (dict, list, set)) for v in item.values())


def test_a_form_post_answers_303_to_the_confirmation_page(client, table, valid_form):
    response = client.post("/api/registrations", data=valid_form)
    assert response.status_code == 303
    assert response.headers["Location"] == "/bijeenkomsten/ibp-vth-2023-06-07/aanmelden/bevestiging/"
    assert len(stored(table)) == 1


def test_a_form_post_with_errors_gets_a_dutch_page_that_keeps_every_value(client, table, valid_form):
    form = {**valid_form, "email": "geen-adres", "remark": "Mijn <vraag> & opmerking"}
    response = client.post("/api/registrations", data=form)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="nl"' in page
    assert "Er is 1 fout in het formulier" in page
    assert '<a href="#email">Vul een geldig e-mailadres in, zoals naam@gemeente.nl.</a>' in page
    assert 'value="geen-adres"' in page
    assert 'value="Jan-Willem"' in page
    assert "Mijn &lt;vraag&gt; &amp; opmerking</textarea>" in page
    assert '<option value="regio-utrecht" selected>' in page
    assert 'aria-invalid="true"' in page
    assert stored(table) == []


def test_json_errors_have_a_stable_shape(client, valid_form):
    response = client.post("/api/registrations", json={**valid_form, "given_name": "", "role": "x"})
    assert response.status_code == 400
    assert response.get_json() == {
        "error": {
            "code": "invalid",
            "message": "Niet alle velden zijn goed ingevuld. Verbeter de fouten hieronder en verstuur het formulier opnieuw.",
            "fields": {"given_name": "Vul uw voornaam in.", "role": "Kies een rol uit de lijst."},
        }
    }


def test_a_second_registration_for_the_same_address_is_refused_and_overwrites_nothing(client, table, valid_form):
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    again = {**valid_form, "email": valid_form["email"].upper(), "given_name": "Iemand anders"}
    response = client.post("/api/registrations", json=again)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "already_registered"
    assert "al aangemeld" in response.get_json()["error"]["message"]
    [item] = stored(table)
    assert item["given_name"] == "Jan-Willem"


def test_twenty_simultaneous_submissions_of_one_address_store_exactly_one(app, table, valid_form):
    # Given 20 browsers that submit the same address at the same moment
    def submit(i: int) -> int:
        form = {
            **valid_form,
            "given_name": f"Poging {i}",
            "email": valid_form["email"].upper() if i % 2 else valid_form["email"],
        }
        return own_page_client(app).post("/api/registrations", json=form).status_code

    statuses = at_the_same_moment(20, submit)
    # Then exactly one is stored and the other 19 are told they are already registered
    assert sorted(statuses) == [201] + [409] * 19
    assert len(stored(table)) == 1


@pytest.mark.parametrize(
    ("now", "status"),
    [
        ("2023-05-24T23:59", 201),
        ("2023-05-24T23:59:59+02:00", 201),
        ("2023-05-25T00:00", 403),
        ("2023-05-24T22:00:00+00:00", 403),
        ("2023-06-08T09:00", 403),
    ],
)
def test_the_deadline_edge_in_amsterdam_time(app_config, table, valid_form, now, status):
    client = own_page_client(create_app({**app_config, "PREVIEW_NOW": now}))
    response = client.post("/api/registrations", json=valid_form)
    assert response.status_code == status
    if status == 403:
        error = response.get_json()["error"]
        assert error["code"] == "registration_closed"
        assert "24 mei 2023" in error["message"] and "ronald.kersbergen@vng.nl" in error["message"]
        assert stored(table) == []
        assert client.get("/api/event").get_json()["registration"]["open"] is False


def test_a_closed_form_post_gets_a_page_without_a_form(app_config, valid_form):
    client = own_page_client(create_app({**app_config, "PREVIEW_NOW": "2023-05-25T08:00"}))
    response = client.post("/api/registrations", data=valid_form)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "De aanmelding is gesloten" in page
    assert "<form" not in page


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "bad_request"),
        (b"[1, 2, 3]", "application/json", 400, "bad_request"),
        (b'"just a string"', "application/json", 400, "bad_request"),
        (b"\xff\xfe\x00garbage", "application/json", 400, "bad_request"),
        (b"given_name=Jan", "text/plain", 415, "unsupported_media_type"),
        (b"<xml/>", "application/xml", 415, "unsupported_media_type"),
        (b"", "", 415, "unsupported_media_type"),
    ],
)
def test_malformed_bodies_get_a_clear_error_and_never_a_500(client, table, body, content_type, status, code):
    response = client.post("/api/registrations", data=body, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert "Traceback" not in response.get_data(as_text=True)
    assert stored(table) == []


def test_a_json_body_of_wrong_types_is_a_validation_error(client):
    response = client.post("/api/registrations", json={"given_name": {"a": 1}, "consent": [True]})
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert fields["given_name"] == "Dit veld bevat geen gewone tekst. Vul het opnieuw in."


@pytest.mark.parametrize("as_form", [False, True])
def test_a_body_over_16_kb_is_refused_with_413(client, table, valid_form, as_form):
    big = {**valid_form, "remark": "x" * (17 * 1024)}
    response = (
        client.post("/api/registrations", data=big)
        if as_form
        else client.post("/api/registrations", data=json.dumps(big), content_type="application/json")
    )
    assert response.status_code == 413
    assert "te groot" in response.get_data(as_text=True)
    assert stored(table) == []


def test_unknown_api_paths_and_methods_answer_in_dutch_json(client):
    assert client.get("/api/nope").get_json()["error"]["code"] == "not_found"
    response = client.delete("/api/registrations")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_the_database_being_down_gives_503_and_stores_nothing(tmp_path, valid_form):
    # Given a persistent dynalite with the table, which then goes down
    data_dir = tmp_path / "db"
    server = Dynalite(data_dir=data_dir).start()
    config = local_config(server, table="down-test", data_dir=tmp_path)
    prepare_table(config)
    client = own_page_client(create_app({**config, "PREVIEW_NOW": "2023-05-10T10:00"}))
    server.stop()
    # When someone registers
    response = client.post("/api/registrations", json=valid_form)
    form_response = client.post("/api/registrations", data=valid_form)
    # Then they are asked to try again, and their typed values come back in the no-JS page
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert response.get_json()["error"]["code"] == "store_unavailable"
    assert "Probeer het over een paar minuten opnieuw" in response.get_json()["error"]["message"]
    assert form_response.status_code == 503
    assert 'value="Jan-Willem"' in form_response.get_data(as_text=True)
    # And once the database is back, nothing was half-written
    with Dynalite(data_dir=data_dir, port=server.port) as again:
        from registrations.repository import dynamodb_resource

        items = dynamodb_resource(config["AWS_REGION"], again.endpoint).Table("down-test").scan()["Items"]
        assert items == []


def test_registrations_survive_a_restart_of_the_persistent_store(tmp_path, valid_form):
    data_dir = tmp_path / "db"
    with Dynalite(data_dir=data_dir) as first:
        config = local_config(first, table="restart-test", data_dir=tmp_path)
        prepare_table(config)
        client = own_page_client(create_app({**config, "PREVIEW_NOW": "2023-05-10T10:00"}))
        assert client.post("/api/registrations", json=valid_form).status_code == 201
    with Dynalite(data_dir=data_dir) as second:
        config = local_config(second, table="restart-test", data_dir=tmp_path)
        prepare_table(config)
        client = own_page_client(create_app({**config, "PREVIEW_NOW": "2023-05-10T10:00"}))
        assert client.post("/api/registrations", json=valid_form).status_code == 409


def test_no_personal_data_in_the_logs(client, valid_form, caplog):
    # Production logs at INFO; our own loggers are checked down to DEBUG.
    caplog.set_level("INFO")
    caplog.set_level("DEBUG", logger="registrations")
    client.post("/api/registrations", json=valid_form)
    client.post("/api/registrations", json=valid_form)
    client.post("/api/registrations", json={**valid_form, "email": "fout"})
    # The messages, and every field of the JSON lines Lambda gets (observability/logs.py)
    text = caplog.text.lower() + json_text(caplog.records)
    assert caplog.records, "the service logs what happened"
    for secret in ("vanthoff", "jan-willem", "hoff", "gemeente utrecht", "kleine gemeenten"):
        assert secret not in text


def test_every_meeting_has_its_facts_and_its_calendar_by_its_id(app_config, tmp_path, clock):
    # Given the letter's meeting and a second one, each a folder
    root = meetings_copy(tmp_path)
    add_second_meeting(root)
    client = create_app({**app_config, "MEETINGS_DIR": str(root)}, clock=clock).test_client()
    # Then each meeting answers with its own facts and registration state, the letter's as /api/event does
    letter = client.get("/api/bijeenkomsten/ibp-vth-2023-06-07")
    assert letter.status_code == 200 and letter.get_json() == client.get("/api/event").get_json()
    second = client.get(f"/api/bijeenkomsten/{SECOND_ID}").get_json()
    assert second["event"]["id"] == SECOND_ID and second["event"]["title"] == SECOND_TITLE
    assert second["event"]["starts_at"] == "2024-06-07T13:30:00+02:00"
    assert second["registration"]["closes_at"] == "2024-05-25T00:00:00+02:00"
    assert second["choices"] == letter.get_json()["choices"]
    # And its calendar file is its own meeting's, the letter's the same as /api/event.ics
    calendar = client.get(f"/api/bijeenkomsten/{SECOND_ID}.ics")
    assert calendar.status_code == 200 and calendar.mimetype == "text/calendar"
    assert "DTSTART:20240607T113000Z" in calendar.get_data(as_text=True)
    assert calendar.headers["Content-Disposition"] == f'attachment; filename="bijeenkomst-{SECOND_ID}.ics"'
    assert client.get("/api/bijeenkomsten/ibp-vth-2023-06-07.ics").data == client.get("/api/event.ics").data


@pytest.mark.parametrize("path", ["/api/bijeenkomsten/bestaat-niet", "/api/bijeenkomsten/bestaat-niet.ics"])
def test_an_unknown_meeting_is_a_dutch_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "unknown_meeting" and error["message"].startswith("Deze bijeenkomst bestaat niet.")
