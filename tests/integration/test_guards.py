"""The guards of web/guards.py through the whole app on dynalite: where a post may come from, the origin secret, the
headers of every answer, and bodies the JSON parser cannot handle. (In Chromium: tests/browser/test_origin.py.)"""

from __future__ import annotations

import pytest
from boto3.dynamodb.conditions import Key

from registrations import create_app, create_deliverer
from registrations.web.guards import ORIGIN_SECRET_HEADER
from tests.conftest import own_page_client
from tests.mailbox import messages, personal_path_of

REFUSED = "Uw gegevens zijn niet verstuurd vanaf een pagina van deze website."


def stored(table):
    return table.query(KeyConditionExpression=Key("event").eq("ibp-vth-2023-06-07"))["Items"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403),
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, 403),
        ({"Origin": "null"}, 403),
        ({}, 403),
        ({"Origin": "http://127.0.0.1:9"}, 403),
        ({"Origin": "http://127.0.0.1:8000"}, 201),
        ({"Origin": "http://localhost:8000", "Sec-Fetch-Site": "same-origin"}, 201),
        ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, 201),
    ],
)
def test_a_json_post_is_accepted_only_from_the_sites_own_pages(app_config, table, valid_form, headers, status):
    # A plain test client sends what curl or a robot sends: neither Origin nor Sec-Fetch-Site.
    client = create_app({**app_config, "SITE_URL": "http://127.0.0.1:8000"}).test_client()
    response = client.post("/api/registrations", json=valid_form, headers=headers)
    assert response.status_code == status
    if status == 403:
        assert response.get_json()["error"]["code"] == "foreign_origin"
        assert response.get_json()["error"]["message"].startswith(REFUSED)
        assert stored(table) == []
        assert messages(app_config["MAIL_OUTBOX"]) == []
    else:
        assert len(stored(table)) == 1


def test_a_foreign_form_post_gets_a_dutch_page_that_does_not_show_what_was_sent(client, table, valid_form):
    response = client.post(
        "/api/registrations",
        data=valid_form,
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert REFUSED in page and 'lang="nl"' in page
    # What another site sent is not put into a page of this site.
    assert "<form" not in page and "Jan-Willem" not in page
    assert stored(table) == []


def test_a_foreign_post_to_a_personal_page_changes_nothing(client, table, valid_form, app_config):
    client.post("/api/registrations", json=valid_form)
    create_deliverer(app_config).sweep()  # the confirmation, with the personal link
    path = personal_path_of(messages(app_config["MAIL_OUTBOX"])[-1])
    for target in (path, path + "/annuleren"):
        response = client.post(
            target,
            data={**valid_form, "given_name": "Aangepast"},
            headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        )
        assert response.status_code == 403
        assert "Niet verstuurd" in response.get_data(as_text=True)
    [item] = stored(table)
    assert item["given_name"] == "Jan-Willem" and item["status"] == "registered"


SECRET = "s" * 43


@pytest.fixture
def behind_cloudfront(app_config):
    return own_page_client(create_app({**app_config, "ORIGIN_SECRET": SECRET}))


@pytest.mark.parametrize("sent", [None, "", "wrong", SECRET[:-1], SECRET + "s"])
def test_with_an_origin_secret_a_request_without_it_is_refused(behind_cloudfront, table, valid_form, sent):
    headers = {} if sent is None else {ORIGIN_SECRET_HEADER: sent}
    health = behind_cloudfront.get("/api/health", headers=headers)
    assert health.status_code == 403
    assert health.get_json()["error"]["code"] == "direct_request"
    assert behind_cloudfront.post("/api/registrations", json=valid_form, headers=headers).status_code == 403
    assert stored(table) == []


def test_with_an_origin_secret_a_request_through_cloudfront_is_answered(behind_cloudfront, table, valid_form):
    headers = {ORIGIN_SECRET_HEADER: SECRET}
    assert behind_cloudfront.get("/api/health", headers=headers).status_code == 200
    assert behind_cloudfront.post("/api/registrations", json=valid_form, headers=headers).status_code == 201
    assert len(stored(table)) == 1


def test_without_an_origin_secret_configured_there_is_no_check(client):
    assert client.get("/api/health").status_code == 200


def answers(client, valid_form, app_config):
    """One answer of every kind the function gives: JSON, pages, errors, the personal page, the .ics."""
    created = client.post("/api/registrations", json=valid_form)
    create_deliverer(app_config).sweep()  # the confirmation, with the personal link
    path = personal_path_of(messages(app_config["MAIL_OUTBOX"])[-1])
    return {
        "health": client.get("/api/health"),
        "event": client.get("/api/event"),
        "created": created,
        "duplicate": client.post("/api/registrations", json=valid_form),
        "form error page": client.post("/api/registrations", data={**valid_form, "email": "x"}),
        "bad json": client.post("/api/registrations", data=b"{", content_type="application/json"),
        "not found": client.get("/api/bestaat-niet", headers={"Accept": "text/html"}),
        "personal page": client.get(path),
        "cancel page": client.get(path + "/annuleren"),
        "refused": client.post("/api/registrations", json=valid_form, headers={"Sec-Fetch-Site": "cross-site"}),
        "calendar": client.get("/api/event.ics"),
    }


def test_every_answer_carries_nosniff_frame_denial_and_a_csp(client, valid_form, app_config):
    for name, response in answers(client, valid_form, app_config).items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["X-Frame-Options"] == "DENY", name
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and csp.startswith("default-src 'none'"), name
        if response.mimetype == "text/html":
            # The function's pages load the site's own stylesheet and script, nothing inline, nothing foreign.
            assert "script-src 'self';" in csp and "style-src 'self';" in csp, name
            assert "unsafe-inline" not in csp and "*" not in csp and "http" not in csp, name
        else:
            assert "script-src" not in csp, name


def test_answers_with_personal_data_are_never_stored_on_the_way(client, valid_form, app_config):
    all_answers = answers(client, valid_form, app_config)
    for name in ("created", "duplicate", "form error page", "personal page", "cancel page", "refused"):
        assert all_answers[name].headers["Cache-Control"] == "no-store", name
    # The public calendar file keeps its own caching.
    assert all_answers["calendar"].headers["Cache-Control"] == "public, max-age=300"


def test_the_personal_pages_send_no_referrer_and_the_others_same_origin(client, valid_form, app_config):
    all_answers = answers(client, valid_form, app_config)
    assert all_answers["personal page"].headers["Referrer-Policy"] == "no-referrer"
    assert all_answers["cancel page"].headers["Referrer-Policy"] == "no-referrer"
    assert all_answers["form error page"].headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "body",
    [
        "[" * 8000 + "]" * 8000,
        '{"given_name": ' + "[" * 5000 + "]" * 5000 + "}",
        "{" + '"a":{' * 2500 + "}" * 2501,
        # Python refuses to convert a number of more than 4300 digits (a ValueError, not a 500)
        '{"given_name": ' + "1" * 5000 + "}",
        '{"given_name": "Jan"',
        # Deeper than a registration ever is, even where this Python's parser would cope
        '{"given_name": ' + "[" * 9 + "]" * 9 + "}",
    ],
)
def test_a_json_body_the_parser_cannot_handle_is_a_dutch_400(client, table, body):
    response = client.post("/api/registrations", data=body.encode(), content_type="application/json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request"
    assert error["message"].startswith("Het verzoek kon niet worden gelezen.")
    assert stored(table) == []


SITE = "http://127.0.0.1:8000"
# Origins no browser sends, but any script can: urlsplit().port raises for most of them. Each is another site's.
MALFORMED_ORIGINS = [
    "http://127.0.0.1:abc",
    "http://127.0.0.1:65536",
    "http://127.0.0.1:99999",
    "http://[::1",
    "http://[::1]:8000:1",
    "http://127.0.0.1:8000.evil.example",
    "http://127.0.0.1:+8000",
    ":+8000",
    "http://127.0.0.1:\uff18\uff10\uff10\uff10",  # full-width digits
    "http://",
    "127.0.0.1:8000",
]
MALFORMED_FETCH_SITES = ["same-origin, cross-site", "same_origin", "", "\xe9", "same-origin;"]
MALFORMED_REFERERS = [
    "http://127.0.0.1:abc/aanmelden/",
    "http://[::1/aanmelden/",
    "http://127.0.0.1:8000.evil.example/aanmelden/",
    "http://127.0.0.1:70000/aanmelden/",
    "//evil.example/aanmelden/",
    "geen adres",
    "https://evil.example/aanmelden/",
]
HOSTILE_HEADERS = (
    [{"Origin": origin} for origin in MALFORMED_ORIGINS]
    + [{"Origin": origin, "Sec-Fetch-Site": "same-origin"} for origin in MALFORMED_ORIGINS]
    + [{"Origin": SITE, "Sec-Fetch-Site": fetch_site} for fetch_site in MALFORMED_FETCH_SITES]
    + [{"Sec-Fetch-Site": fetch_site} for fetch_site in MALFORMED_FETCH_SITES]
    + [{"Origin": SITE, "Sec-Fetch-Site": "same-origin", "Referer": referer} for referer in MALFORMED_REFERERS]
    + [{"Sec-Fetch-Site": "same-origin", "Referer": referer} for referer in MALFORMED_REFERERS]
)


@pytest.fixture
def site_client(app_config):
    return create_app({**app_config, "SITE_URL": SITE}).test_client()  # neither Origin nor Sec-Fetch-Site


@pytest.fixture
def personal_path(site_client, valid_form, app_config):
    own = {"Origin": SITE, "Sec-Fetch-Site": "same-origin"}
    assert site_client.post("/api/registrations", json=valid_form, headers=own).status_code == 201
    create_deliverer(app_config).sweep()  # the confirmation, with the personal link
    return personal_path_of(messages(app_config["MAIL_OUTBOX"])[-1])


@pytest.mark.parametrize("route", ["register JSON", "register form", "change", "cancel"])
def test_a_malformed_origin_fetch_site_or_referer_is_a_foreign_origin_on_every_state_changing_route(
    site_client, personal_path, table, valid_form, route
):
    other = {**valid_form, "email": "ander@gemeente.example", "given_name": "Aangepast"}
    posts = {
        "register JSON": lambda headers: site_client.post("/api/registrations", json=other, headers=headers),
        "register form": lambda headers: site_client.post("/api/registrations", data=other, headers=headers),
        "change": lambda headers: site_client.post(personal_path, data=other, headers=headers),
        "cancel": lambda headers: site_client.post(personal_path + "/annuleren", headers=headers),
    }
    wrong = []
    for headers in HOSTILE_HEADERS:
        response = posts[route](headers)
        page = response.get_data(as_text=True)
        if route == "register JSON":
            error = (response.get_json(silent=True) or {}).get("error", {})
            refused = error.get("code") == "foreign_origin" and error.get("message", "").startswith(REFUSED)
        elif route == "register form":
            refused = response.mimetype == "text/html" and REFUSED in page and 'lang="nl"' in page
        else:
            refused = response.mimetype == "text/html" and "Niet verstuurd" in page and 'lang="nl"' in page
        if response.status_code != 403 or not refused:
            wrong.append((headers, response.status_code))
    assert wrong == []
    # Nothing was stored or changed by any of them
    [item] = stored(table)
    assert item["given_name"] == "Jan-Willem" and item["status"] == "registered"
    # And the same post from the site's own page goes through (the headers were the only reason)
    own = {"Origin": SITE, "Sec-Fetch-Site": "same-origin", "Referer": SITE + "/aanmelden/"}
    assert posts[route](own).status_code in (201, 303)
