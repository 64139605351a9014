"""The personal page behind the link: view, change, cancel; and every bad link gets a clear Dutch page (dynalite)."""

from __future__ import annotations

import dataclasses
import html

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from registrations import create_app, create_deliverer
from registrations.meeting import load_meeting
from registrations.registration.personal_link import PersonalLinks
from tests.conftest import own_page_client
from tests.mailbox import messages, personal_path_of
from tests.observed import json_text

EVENT_ID = "ibp-vth-2023-06-07"
EMAIL = "j.vanthoff@gemeente.example"


@pytest.fixture
def deliver(app_config, clock):
    """Run the deliverer once, as the stream or the sweep would after a write."""
    return create_deliverer(app_config, clock=clock).sweep


@pytest.fixture
def link(client, app_config, valid_form, deliver):
    """The path of the personal link from the confirmation email of a fresh registration."""
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    deliver()
    [message] = messages(app_config["MAIL_OUTBOX"])
    return personal_path_of(message)


def item_of(table):
    return table.get_item(Key={"event": EVENT_ID, "email": EMAIL}, ConsistentRead=True)["Item"]


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def change_form(**changes):
    form = {
        "given_name": "Jan-Willem",
        "family_name": "van 't Hoff",
        "organisation": "anders",
        "organisation_other": "Gemeente Houten",
        "role": "algemeen-bestuur",
        "on_behalf_of": "",
        "remark": "Ik kom iets later.",
    }
    return {**form, **changes}


def test_the_link_shows_the_registration_in_a_form_without_the_address_field(client, link):
    response = client.get(link)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = page_of(response)
    assert '<html lang="nl"' in page
    assert "<h1>Uw aanmelding</h1>" in page
    assert 'value="Jan-Willem"' in page and 'value="van \'t Hoff"' in page
    assert '<option value="regio-utrecht" selected>' in page
    assert '<option value="dagelijks-bestuur" selected>' in page
    assert "Graag aandacht voor de kleine gemeenten.</textarea>" in page
    # The address is shown but cannot be changed, and consent is not asked again
    assert f"E-mailadres: <strong>{EMAIL}</strong>" in page
    assert 'name="email"' not in page and 'name="consent"' not in page
    assert f'action="{link}"' in page
    assert ">Wijzigingen opslaan</button>" in page
    assert f'href="{link}/annuleren"' in page
    # The meeting's own calendar file (the link names the meeting)
    assert 'href="/api/bijeenkomsten/ibp-vth-2023-06-07.ics"' in page
    # The key in the path stays private
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_changing_details_keeps_the_address_and_says_it_was_saved(client, link, table):
    # When the invitee changes their details (and tries to slip in another address)
    response = client.post(link, data=change_form(email="iemand@anders.example"))
    # Then they are sent back to their page, which says the change was saved
    assert response.status_code == 303
    assert response.headers["Location"] == f"{link}?opgeslagen=1"
    page = page_of(client.get(response.headers["Location"]))
    assert "Uw wijzigingen zijn opgeslagen." in page
    assert "<title>Uw wijzigingen zijn opgeslagen. - Uw aanmelding" in page
    assert 'value="Gemeente Houten"' in page
    # And the item has the new details, the same address, and the time of the change
    item = item_of(table)
    assert item["organisation"] == "Gemeente Houten"
    assert item["organisation_code"] == "anders"
    assert item["role"] == "Lid van het algemeen bestuur"
    assert item["remark"] == "Ik kom iets later."
    assert item["changed_at"] == "2023-05-10T10:00:00+02:00"
    assert item["registered_at"] == "2023-05-10T10:00:00+02:00"
    assert item["status"] == "registered"
    assert table.get_item(Key={"event": EVENT_ID, "email": "iemand@anders.example"}).get("Item") is None


def test_a_change_with_mistakes_shows_them_and_keeps_what_was_typed(client, link, table):
    response = client.post(link, data=change_form(given_name="", organisation_other="", remark="Nieuw <tekst>"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Er zijn 2 fouten in het formulier" in page
    assert '<a href="#given_name">Vul uw voornaam in.</a>' in page
    assert '<a href="#organisation_other">Vul de naam van uw organisatie in.</a>' in page
    assert 'aria-invalid="true"' in page
    assert "Nieuw &lt;tekst&gt;</textarea>" in page
    assert '<option value="anders" selected>' in page
    assert "<title>Fout in het formulier - Uw aanmelding" in page
    # Nothing was changed
    assert item_of(table)["remark"] == "Graag aandacht voor de kleine gemeenten."


def test_cancelling_asks_first_then_keeps_the_item_as_cancelled(client, link, table):
    # When the invitee chooses to cancel, they are asked to confirm first
    confirm = client.get(f"{link}/annuleren")
    assert confirm.status_code == 200
    page = page_of(confirm)
    assert "Weet u zeker dat u uw aanmelding" in page
    assert f'action="{link}/annuleren"' in page
    assert item_of(table)["status"] == "registered"
    # And when they confirm, the registration is cancelled, not deleted
    response = client.post(f"{link}/annuleren")
    assert response.status_code == 303
    assert response.headers["Location"] == f"{link}?geannuleerd=1"
    item = item_of(table)
    assert item["status"] == "cancelled"
    assert item["cancelled_at"] == "2023-05-10T10:00:00+02:00"
    assert item["given_name"] == "Jan-Willem"
    page = page_of(client.get(response.headers["Location"]))
    assert "Uw aanmelding is geannuleerd." in page
    assert (
        "U hebt uw aanmelding voor de bestuurlijke netwerkbijeenkomst IBP VTH van woensdag 7 juni 2023 "
        "geannuleerd op 10 mei 2023 om 10.00 uur." in page
    )
    assert '<a href="/bijeenkomsten/ibp-vth-2023-06-07/aanmelden/">Meld u dan opnieuw aan</a>' in page
    assert "<form" not in page


def test_after_cancelling_nothing_more_can_change_but_registering_again_works(
    client, link, table, app_config, valid_form, deliver
):
    client.post(f"{link}/annuleren")
    deliver()
    # The link still shows the cancelled registration, read-only
    page = page_of(client.get(link))
    assert "Uw aanmelding is geannuleerd." not in page and "geannuleerd op 10 mei 2023" in page
    assert "<form" not in page
    # A second cancel and a change are refused politely
    again = client.post(f"{link}/annuleren")
    assert again.status_code == 409
    assert "U hebt deze aanmelding al geannuleerd. Er is niets veranderd." in page_of(again)
    assert client.post(link, data=change_form()).status_code == 409
    assert client.get(f"{link}/annuleren").status_code == 303
    # Registering again with the same address is allowed, and gets a new confirmation with a new link
    old_id = item_of(table)["registration_id"]
    assert client.post("/api/registrations", json={**valid_form, "given_name": "Jan"}).status_code == 201
    item = item_of(table)
    assert item["status"] == "registered" and item["given_name"] == "Jan"
    assert item["registration_id"] != old_id
    deliver()
    subjects = sorted(m["Subject"].split(" voor ")[0] for m in messages(app_config["MAIL_OUTBOX"]))
    assert subjects == ["Aanmelding bevestigd", "Aanmelding bevestigd", "Afmelding bevestigd"]
    # And the old link controls nothing: it finds no registration, and changes or cancels nothing
    for response in (client.get(link), client.post(link, data=change_form()), client.post(f"{link}/annuleren")):
        assert response.status_code == 404
        assert "Deze aanmelding bestaat niet (meer)." in page_of(response)
    item = item_of(table)
    assert item["status"] == "registered" and item["given_name"] == "Jan"


@pytest.mark.parametrize("moment", ["2023-06-07T13:30", "2023-06-07T16:00"])
def test_once_the_meeting_has_started_the_page_says_so_and_refuses_changes(client, link, clock, table, moment):
    clock.set(moment)
    page = page_of(client.get(link))
    assert "De bijeenkomst is begonnen. U kunt uw aanmelding daarom niet meer wijzigen of annuleren." in page
    assert "<form" not in page
    assert "Graag aandacht voor de kleine gemeenten." in page
    for response in (client.post(link, data=change_form()), client.post(f"{link}/annuleren")):
        assert response.status_code == 403
        text = page_of(response)
        assert "<h1>Wijzigen kan niet meer</h1>" in text
        assert "ronald.kersbergen@vng.nl" in text
    assert client.get(f"{link}/annuleren").status_code == 303
    assert item_of(table)["status"] == "registered"


def test_a_minute_before_the_start_changes_still_work(client, link, clock, table):
    clock.set("2023-06-07T13:29")
    assert client.post(f"{link}/annuleren").status_code == 303
    assert item_of(table)["status"] == "cancelled"


def test_after_the_deadline_the_page_warns_that_registering_again_is_not_possible(client, link, clock):
    clock.set("2023-06-01T09:00")
    page = page_of(client.get(link))
    assert "Let op: aanmelden kan niet meer." in page
    client.post(f"{link}/annuleren")
    page = page_of(client.get(link))
    # The menu links the form on every page; the page's own text offers no way back to it.
    content = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Aanmelden kan niet meer." in content and "aanmelden/" not in content


def token_id(link: str) -> str:
    """The registration id a link names (the test reads its own link; the id is no secret without a signature)."""
    return PersonalLinks("any", load_meeting())._serializer.loads_unsafe(link.rsplit("/", 1)[1])[1][1]


def bad_links(link: str) -> list[tuple[str, int, str]]:
    token = link.rsplit("/", 1)[1]
    return [
        # (path, status, the heading and message the person reads)
        (link[:-1], 400, "Deze link werkt niet"),
        (link[: len(link) - 40], 400, "Deze link werkt niet"),
        (
            link.replace(token, token[:10] + ("x" if token[10] != "x" else "y") + token[11:]),
            400,
            "Deze link werkt niet",
        ),
        (link + "extra", 400, "Deze link werkt niet"),
        (link + "/iets", 400, "Deze link werkt niet"),
        ("/api/mijn-aanmelding/", 400, "Deze link werkt niet"),
        ("/api/mijn-aanmelding", 400, "Deze link werkt niet"),
        ("/api/mijn-aanmelding/%00%ff", 400, "Deze link werkt niet"),
        ("/api/mijn-aanmelding/" + "a" * 3000, 400, "Deze link werkt niet"),
        (
            "/api/mijn-aanmelding/" + PersonalLinks("a-guessed-secret", load_meeting()).token_for(token_id(link), 1),
            400,
            "Deze link werkt niet",
        ),
    ]


def test_every_bad_link_gets_a_clear_dutch_page_and_never_a_500(client, link, table):
    for path, status, words in bad_links(link):
        for method in ("GET", "POST"):
            for suffix in ("", "/annuleren") if not path.endswith("/") else ("",):
                response = client.open(path + suffix, method=method, data=change_form() if method == "POST" else None)
                assert response.status_code == status, (path, method, suffix)
                page = page_of(response)
                assert response.mimetype == "text/html", path
                assert '<html lang="nl"' in page
                assert words in page, path
                assert "Traceback" not in page
                assert response.headers["Cache-Control"] == "no-store"
    # And no bad link changed anything
    assert item_of(table)["status"] == "registered"
    assert item_of(table)["given_name"] == "Jan-Willem"


def test_a_genuine_link_of_a_meeting_that_is_no_folder_is_a_link_that_does_not_work(app_config, client):
    # The token picks the meeting (web/services.py); one that names none of the meetings is any other bad link.
    other_event = dataclasses.replace(load_meeting(), id="een-andere-bijeenkomst")
    token = PersonalLinks(app_config["TOKEN_SECRET"], other_event).token_for("Cj0S4TKi2Hu8rTci9lGgpQ", 1)
    for path in (f"/api/mijn-aanmelding/{token}", f"/api/mijn-aanmelding/{token}/stukken/agenda.pdf"):
        response = client.get(path)
        assert response.status_code == 400
        page = page_of(response)
        assert "<h1>Deze link werkt niet</h1>" in page and "Misschien is hij niet helemaal gekopieerd." in page


def test_an_expired_link_says_until_when_it_worked(client, link, clock):
    clock.set("2023-07-08T09:00")
    response = client.get(link)
    assert response.status_code == 410
    page = page_of(response)
    assert "<h1>Deze link is verlopen</h1>" in page
    assert "Hij werkte tot en met 7 juli 2023." in page


def test_a_link_for_a_registration_that_does_not_exist(app, app_config, client):
    token = PersonalLinks(app_config["TOKEN_SECRET"], load_meeting()).token_for("nooit-uitgegeven-id", 1)
    response = client.get(f"/api/mijn-aanmelding/{token}")
    assert response.status_code == 404
    assert "Deze aanmelding bestaat niet (meer)." in page_of(response)


class FailingWrites:
    """The real table, except that every update fails as if DynamoDB were throttling."""

    def __init__(self, table):
        self.table = table

    def __getattr__(self, name):
        return getattr(self.table, name)

    def update_item(self, **kwargs):
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "UpdateItem"
        )


def test_a_store_failure_while_changing_keeps_what_was_typed(app_config, clock, link, table):
    client = own_page_client(create_app(app_config, clock=clock, table=FailingWrites(table)))
    response = client.post(link, data=change_form(remark="Mijn nieuwe vraag"))
    assert response.status_code == 503
    page = page_of(response)
    assert "Uw wijzigingen konden nu niet worden opgeslagen door een storing bij ons." in page
    assert "Mijn nieuwe vraag</textarea>" in page
    assert 'value="Gemeente Houten"' in page
    assert item_of(table)["remark"] == "Graag aandacht voor de kleine gemeenten."


def test_no_personal_data_in_the_logs_when_managing(client, link, caplog):
    caplog.set_level("DEBUG", logger="registrations")
    client.get(link)
    client.post(link, data=change_form())
    client.post(f"{link}/annuleren")
    client.get(link[:-3])
    # The messages, and every field of the JSON lines Lambda gets (observability/logs.py)
    text = caplog.text.lower() + json_text(caplog.records)
    assert "registration changed" in text and "registration cancelled" in text
    for secret in ("vanthoff", "jan-willem", "houten", link.rsplit("/", 1)[1].lower()):
        assert secret not in text


def test_a_revoked_link_stops_working_and_the_new_one_works(client, link, table, app_config, deliver):
    from registrations.repository import RegistrationRepository

    RegistrationRepository(table).revoke_links(EVENT_ID, EMAIL)
    for response in (client.get(link), client.post(link, data=change_form()), client.post(f"{link}/annuleren")):
        assert response.status_code == 400
        page = page_of(response)
        assert "<h1>Deze link werkt niet meer</h1>" in page
        assert "Deze link werkt niet meer. Gebruik de link uit de nieuwste e-mail" in page
    assert item_of(table)["status"] == "registered"
    # Asking for the link again (registering the address once more) sends the link of the current version
    client.post(
        "/api/registrations",
        json={
            "given_name": "X",
            "family_name": "Y",
            "email": EMAIL,
            "organisation": "dcmr",
            "role": "algemeen-bestuur",
            "consent": "ja",
        },
    )
    deliver()
    [again] = [m for m in messages(app_config["MAIL_OUTBOX"]) if m["Subject"].startswith("Uw persoonlijke link")]
    newest = personal_path_of(again)
    assert newest != link and client.get(newest).status_code == 200


class FailsAfterTheFirstRead:
    """The real table for the first call (the lookup of the link's registration), then a store that fails every
    read and write alike, as a hang does once botocore gives up; counts the calls by API name."""

    def __init__(self, table, error, answered=1):
        self.table, self.error, self.answered = table, error, answered
        self.calls = []

    def __getattr__(self, name):
        attribute = getattr(self.table, name)
        if name not in ("put_item", "get_item", "update_item", "query", "scan", "delete_item"):
            return attribute

        def call(**request):
            self.calls.append(name)
            if len(self.calls) > self.answered:
                raise self.error
            return attribute(**request)

        return call


STORE_FAILURES = {
    "read timeout": ReadTimeoutError(endpoint_url="http://127.0.0.1:1"),
    "connection refused": EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
    "throttled": ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "UpdateItem"),
}


@pytest.mark.parametrize("failure", list(STORE_FAILURES))
def test_a_change_during_a_hang_keeps_what_was_typed_without_a_second_store_call(
    app_config, clock, link, table, failure
):
    failing = FailsAfterTheFirstRead(table, STORE_FAILURES[failure])
    client = own_page_client(create_app(app_config, clock=clock, table=failing))
    typed = change_form(given_name="Janneke", remark="Mijn nieuwe vraag", organisation_other="Gemeente Zeist")
    response = client.post(link, data=typed)
    # The error map's status, with the Dutch text of a change that was not stored
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    page = page_of(response)
    assert "Uw wijzigingen konden nu niet worden opgeslagen door een storing bij ons." in page
    # Every value typed is in the form again, and the address the lookup had read
    assert "Mijn nieuwe vraag</textarea>" in page
    assert 'value="Janneke"' in page and 'value="Gemeente Zeist"' in page
    assert '<option value="algemeen-bestuur" selected>' in page
    assert f"<strong>{EMAIL}</strong>" in page
    # One read that answered and one write that failed: no store call after the failure (each waits out its bound)
    assert failing.calls == ["query", "update_item"]
    assert item_of(table)["remark"] == "Graag aandacht voor de kleine gemeenten."


def test_a_change_whose_first_read_fails_keeps_what_was_typed_after_that_one_call(app_config, clock, link, table):
    failing = FailsAfterTheFirstRead(table, ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), answered=0)
    client = own_page_client(create_app(app_config, clock=clock, table=failing))
    response = client.post(link, data=change_form(remark="Mijn nieuwe vraag"))
    assert response.status_code == 503
    page = page_of(response)
    assert "Uw wijzigingen konden nu niet worden opgeslagen door een storing bij ons." in page
    assert "Mijn nieuwe vraag</textarea>" in page
    assert failing.calls == ["query"]


def test_a_change_with_mistakes_during_a_hang_shows_them_without_another_store_call(app_config, clock, link, table):
    failing = FailsAfterTheFirstRead(table, ReadTimeoutError(endpoint_url="http://127.0.0.1:1"))
    client = own_page_client(create_app(app_config, clock=clock, table=failing))
    response = client.post(link, data=change_form(given_name="", remark="Nieuw"))
    assert response.status_code == 400
    page = page_of(response)
    assert "Er is 1 fout in het formulier" in page
    assert "Nieuw</textarea>" in page
    assert failing.calls == ["query"]
