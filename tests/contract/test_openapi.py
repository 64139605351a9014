"""The OpenAPI description (api/openapi.yaml) cannot drift from the app.

- Every route under /api is an operation of the description, and every operation a route.
- The field rules, the choices, the honeypot, the token and the error codes in it are the ones the code uses, and
  each error code is described under the status the code answers it with.
- Real answers, one for every status that each operation documents, validate against it (openapi-core), carry the
  security headers it describes, and every documented status is given by at least one real request: nothing is
  documented that cannot happen. The statuses that any path can give (403 direct_request, 405) are given by every
  operation and validate against their shared responses.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from botocore.exceptions import EndpointConnectionError
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_spec_validator import validate as validate_spec

from registrations import MAX_BODY_BYTES, create_app, create_deliverer
from registrations import errors as domain_errors
from registrations.delivery.publication import Publication, PublishedPaper
from registrations.meeting import OTHER_ORGANISATION, load_meeting
from registrations.meeting.catalogue import MEETING_ID
from registrations.registration.item import new_registration_id
from registrations.registration.personal_link import MAX_TOKEN_LENGTH, PersonalLinks
from registrations.registration.validation import CONSENT_VALUES, FIELDS, MAX_LENGTHS
from registrations.repository import RegistrationRepository
from registrations.web import guards, honeypot
from registrations.web.api import MAX_JSON_DEPTH
from registrations.web.errors import HTTP_MESSAGES, STATUS, UNEXPECTED
from tests.conftest import own_page_client
from tests.contract.spec import (
    SECURITY_HEADERS,
    documented_statuses,
    flask_path,
    header_problems,
    load_spec,
    path_template,
    spec_operations,
)
from tests.mailbox import messages, personal_path_of

PACKAGE = Path(__file__).resolve().parents[2] / "functions" / "registrations"
# Routes that exist only to answer a cut-off link with the same page as a bad token (400 invalid_link). A path
# parameter of OpenAPI cannot span segments, so <path:rest> cannot be described; the {token} operations document
# that 400.
UNDESCRIBED_ROUTES = {
    ("GET", "/api/mijn-aanmelding/"),
    ("POST", "/api/mijn-aanmelding/"),
    ("GET", "/api/mijn-aanmelding/{rest}"),
    ("POST", "/api/mijn-aanmelding/{rest}"),
}
# Added by Flask to every rule; not operations of their own.
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
# Statuses any path can give, described once in components.responses (and named in info.description).
ANY_PATH = {403: "DirectRequest", 405: "MethodNotAllowed", 500: "InternalError"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec()


def schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


def test_the_description_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1.")
    validate_spec(spec)


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (method, flask_path(rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule == "/api" or rule.rule.startswith("/api/")
        for method in (rule.methods or set()) - AUTOMATIC_METHODS
    }


def test_every_route_under_api_is_described_and_every_operation_is_served(spec, app):
    routes = app_routes(app)
    assert UNDESCRIBED_ROUTES <= routes, "an exception in UNDESCRIBED_ROUTES is no longer a route: remove it"
    assert sorted(routes - UNDESCRIBED_ROUTES - spec_operations(spec)) == [], "routes missing from api/openapi.yaml"
    assert sorted(spec_operations(spec) - routes) == [], "operations in api/openapi.yaml that the app does not serve"


def test_the_choices_are_the_ones_in_event_toml(spec):
    event = load_meeting()
    assert schema(spec, "Organisation")["enum"] == [c.value for c in event.organisation_choices]
    assert event.organisation_choices[-1].value == OTHER_ORGANISATION
    assert schema(spec, "Role")["enum"] == [c.value for c in event.roles]


def test_the_field_rules_are_the_ones_in_validation(spec):
    fields = schema(spec, "RegistrationFields")
    properties = fields["properties"]
    assert [*properties, "consent"] == list(FIELDS)
    for name, limit in MAX_LENGTHS.items():
        field = properties[name] if "maxLength" in properties[name] else schema(spec, "Name")
        assert field["maxLength"] == limit, name
    assert set(fields["required"]) == {"given_name", "family_name", "email", "organisation", "role", "consent"}
    assert set(schema(spec, "ConsentText")["enum"]) == CONSENT_VALUES
    assert schema(spec, "Error")["properties"]["error"]["properties"]["fields"]["propertyNames"]["enum"] == list(FIELDS)
    change = schema(spec, "ChangeForm")["properties"]
    assert list(change) == [f for f in FIELDS if f not in ("email", "consent")]


def test_the_honeypot_is_described_by_the_name_the_form_uses(spec):
    assert honeypot.FIELD not in FIELDS
    for name in ("RegistrationJson", "RegistrationForm"):
        assert schema(spec, name)["properties"][honeypot.FIELD] == {"$ref": "#/components/schemas/Honeypot"}, name
    assert f"`{honeypot.FIELD}`" in spec["paths"]["/api/registrations"]["post"]["description"]


def test_the_meeting_field_is_described_by_the_name_the_form_uses(spec):
    form = (PACKAGE / "web" / "templates" / "_form.html").read_text(encoding="utf-8")
    assert '<input type="hidden" name="meeting" value="{{ event.id }}">' in form
    for name in ("RegistrationJson", "RegistrationForm"):
        assert schema(spec, name)["properties"]["meeting"] == {"$ref": "#/components/schemas/RegistrationMeeting"}, name
    # Every meeting id the catalogue accepts fits the described one, and the letter meeting's is one
    assert schema(spec, "RegistrationMeeting")["pattern"] == "^" + MEETING_ID.pattern.removesuffix("\\Z") + "$"
    assert re.fullmatch(schema(spec, "RegistrationMeeting")["pattern"], load_meeting().id)


def test_the_token_is_described_as_links_py_makes_it(spec):
    token = spec["components"]["parameters"]["Token"]["schema"]
    assert token["maxLength"] == MAX_TOKEN_LENGTH
    links = PersonalLinks("a-secret-only-for-this-test", load_meeting())
    for version in (1, 2, 10, 12345):
        made = links.token_for(new_registration_id(), version)
        assert token["minLength"] <= len(made) <= token["maxLength"]
        assert re.fullmatch(token["pattern"], made), made
    # Cut off (a character short) or glued to other text, a token no longer fits.
    assert not re.fullmatch(token["pattern"], made[:-1])
    assert not re.fullmatch(token["pattern"], made + ".")


def test_the_security_headers_are_the_ones_guards_set(spec):
    headers = spec["components"]["headers"]
    assert headers["Content-Security-Policy"]["schema"]["enum"] == [guards.HTML_CSP, guards.OTHER_CSP]
    for name in SECURITY_HEADERS:
        assert headers[name]["required"] is True
        assert f"`{name}`" in spec["info"]["description"], name


def error_code_statuses() -> dict[str, set[int]]:
    """Every error code the app can answer with, and the statuses it answers it with (web/errors.py)."""
    statuses: dict[str, set[int]] = {}
    for cls in vars(domain_errors).values():
        if (
            isinstance(cls, type)
            and issubclass(cls, domain_errors.RegistrationError)
            and cls.code != "registration_error"
        ):
            statuses.setdefault(cls.code, set()).add(STATUS.get(cls, 400))  # errors.py's default, as for RevokedLink
    for status, (code, _) in HTTP_MESSAGES.items():
        statuses.setdefault(code, set()).add(status)
    statuses.setdefault(UNEXPECTED[0], set()).add(500)
    return statuses


def response_descriptions(spec: dict[str, Any]) -> set[tuple[int, str]]:
    """(status, description) of every documented response, $refs resolved, and of the any-path responses."""
    components = spec["components"]["responses"]
    found = {(status, components[name]["description"]) for status, name in ANY_PATH.items()}
    for method, template in spec_operations(spec):
        for status, response in spec["paths"][template][method.lower()]["responses"].items():
            if "$ref" in response:
                response = components[response["$ref"].rsplit("/", 1)[1]]
            found.add((int(status), response["description"]))
    return found


def test_every_error_code_and_status_of_the_error_map_is_described(spec):
    codes = error_code_statuses()
    assert set(schema(spec, "Error")["properties"]["error"]["properties"]["code"]["enum"]) == set(codes)
    descriptions = response_descriptions(spec)
    # Each code is named (`code`) in the description of a response with the status the app gives it.
    missing = sorted(
        (code, status)
        for code, statuses in codes.items()
        for status in statuses
        if not any(f"`{code}`" in text for given, text in descriptions if given == status)
    )
    assert missing == [], "error codes not described under their status"


# Real answers ------------------------------------------------------------------------------------------------

EMAIL = "j.vanthoff@gemeente.example"
AFTER_DEADLINE = "2023-05-30T10:00"
MEETING_STARTED = "2023-06-07T14:00"
LINK_EXPIRED = "2023-08-01T10:00"
TOO_LARGE = "x" * (MAX_BODY_BYTES + 1)


class DownTable:
    """A table whose every call fails as if DynamoDB could not be reached."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def fail(**_: Any) -> Any:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

        return fail


def change_form(**changes: str) -> dict[str, str]:
    return {
        "given_name": "Jan",
        "family_name": "Jansen",
        "organisation": "dcmr",
        "organisation_other": "",
        "role": "algemeen-bestuur",
        "on_behalf_of": "",
        "remark": "",
        **changes,
    }


FOREIGN = {"Origin": "https://elders.example", "Sec-Fetch-Site": "cross-site"}
TOO_DEEP = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)


def personal_path(app_config, clock, email: str) -> str:
    """The path of the personal link that the deliverer mails to this address: mail goes out after the write."""
    create_deliverer(app_config, clock=clock).sweep()
    paths = {
        personal_path_of(m) for m in messages(app_config["MAIL_OUTBOX"]) if m["To"].addresses[0].addr_spec == email
    }
    # Every email of a registration carries the link of its current version: one link, however many emails.
    assert len(paths) == 1, paths
    return paths.pop()


def scenarios(app_config, clock, valid_form) -> list[tuple[str, Callable[[], Any]]]:
    """(what, a call that makes one real request and returns its response), for every documented status."""
    app = create_app(app_config, clock=clock)
    client = own_page_client(app)
    down = own_page_client(create_app(app_config, clock=clock, table=DownTable()))
    # The papers of a published follow-up: locally the file itself, on AWS a redirect to a presigned link.
    kept = Path(app_config["MAIL_OUTBOX"]).parent / "agenda.pdf"
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(b"%PDF-1.7\n%%EOF\n")
    published = Publication(
        load_meeting().id,
        1,
        "2023-05-25T10:00:00+02:00",
        "https://teams.example/x",
        (PublishedPaper("Agenda", file="agenda.pdf"),),
    )
    local_papers = own_page_client(
        create_app(app_config, clock=clock, publication=lambda: published, paper_location=lambda version, name: kept)
    )
    aws_papers = own_page_client(
        create_app(
            app_config,
            clock=clock,
            publication=lambda: published,
            paper_location=lambda version, name: (
                f"https://exports.example/gepubliceerd/v{version:06d}/{name}?X-Amz-Expires=300"
            ),
        )
    )
    links = PersonalLinks(app_config["TOKEN_SECRET"], load_meeting())
    stranger = f"/api/mijn-aanmelding/{links.token_for('nooit-uitgegeven-id', 1)}"
    bad = "/api/mijn-aanmelding/dit-is-geen-geldige-link"
    other = {**valid_form, "email": "ander@gemeente.example"}
    named = {**valid_form, "email": "genoemd@gemeente.example", "meeting": load_meeting().id}
    elsewhere = {**valid_form, "email": "elders@gemeente.example", "meeting": "ibp-vth-1999-01-01"}

    # The links of the two registrations below, read from their emails once they are registered.
    @functools.cache
    def page() -> str:
        return personal_path(app_config, clock, EMAIL)

    @functools.cache
    def revoked() -> str:
        path = personal_path(app_config, clock, other["email"])
        RegistrationRepository(app.extensions["registrations"].repository.table).revoke_links(
            load_meeting().id, other["email"]
        )
        return path

    def at(moment: str, call: Callable[[], Any]) -> Callable[[], Any]:
        def moved() -> Any:
            clock.set(moment)
            try:
                return call()
            finally:
                clock.set("2023-05-10T10:00")

        return moved

    return [
        ("health", lambda: client.get("/api/health")),
        ("event", lambda: client.get("/api/event")),
        ("calendar", lambda: client.get("/api/event.ics")),
        ("meeting", lambda: client.get(f"/api/bijeenkomsten/{load_meeting().id}")),
        ("meeting calendar", lambda: client.get(f"/api/bijeenkomsten/{load_meeting().id}.ics")),
        ("unknown meeting", lambda: client.get("/api/bijeenkomsten/bestaat-niet")),
        ("unknown meeting calendar", lambda: client.get("/api/bijeenkomsten/bestaat-niet.ics")),
        # The honeypot first: the real registration of the same address after it is new, not a 409.
        ("honeypot JSON", lambda: client.post("/api/registrations", json={**valid_form, honeypot.FIELD: "x"})),
        ("honeypot form", lambda: client.post("/api/registrations", data={**valid_form, honeypot.FIELD: "x"})),
        ("register JSON", lambda: client.post("/api/registrations", json=valid_form)),
        ("register form", lambda: client.post("/api/registrations", data=other)),
        ("register JSON, meeting named", lambda: client.post("/api/registrations", json=named)),
        ("unknown meeting JSON", lambda: client.post("/api/registrations", json=elsewhere)),
        ("unknown meeting form", lambda: client.post("/api/registrations", data=elsewhere)),
        ("invalid JSON", lambda: client.post("/api/registrations", json={**valid_form, "email": "x", "role": "?"})),
        ("invalid form", lambda: client.post("/api/registrations", data={**valid_form, "given_name": ""})),
        ("JSON not an object", lambda: client.post("/api/registrations", data="[1]", content_type="application/json")),
        ("JSON too deep", lambda: client.post("/api/registrations", data=TOO_DEEP, content_type="application/json")),
        ("foreign JSON", lambda: client.post("/api/registrations", json=valid_form, headers=FOREIGN)),
        ("foreign form", lambda: client.post("/api/registrations", data=valid_form, headers=FOREIGN)),
        ("duplicate JSON", lambda: client.post("/api/registrations", json=valid_form)),
        ("duplicate form", lambda: client.post("/api/registrations", data=valid_form)),
        ("closed JSON", at(AFTER_DEADLINE, lambda: client.post("/api/registrations", json=valid_form))),
        ("closed form", at(AFTER_DEADLINE, lambda: client.post("/api/registrations", data=valid_form))),
        ("too large JSON", lambda: client.post("/api/registrations", json={**valid_form, "remark": TOO_LARGE})),
        ("too large form", lambda: client.post("/api/registrations", data={**valid_form, "remark": TOO_LARGE})),
        ("plain text", lambda: client.post("/api/registrations", data="hallo", content_type="text/plain")),
        ("store down JSON", lambda: down.post("/api/registrations", json=valid_form)),
        ("store down form", lambda: down.post("/api/registrations", data=valid_form)),
        ("page", lambda: client.get(page())),
        ("page bad link", lambda: client.get(bad)),
        ("page revoked link", lambda: client.get(revoked())),
        ("page not registered", lambda: client.get(stranger)),
        ("page expired", at(LINK_EXPIRED, lambda: client.get(page()))),
        ("page store down", lambda: down.get(page())),
        ("change", lambda: client.post(page(), data=change_form())),
        ("change invalid", lambda: client.post(page(), data=change_form(role="?"))),
        ("change bad link", lambda: client.post(bad, data=change_form())),
        ("change revoked link", lambda: client.post(revoked(), data=change_form())),
        ("change foreign", lambda: client.post(page(), data=change_form(), headers=FOREIGN)),
        ("change started", at(MEETING_STARTED, lambda: client.post(page(), data=change_form()))),
        ("change not registered", lambda: client.post(stranger, data=change_form())),
        ("change expired", at(LINK_EXPIRED, lambda: client.post(page(), data=change_form()))),
        ("change too large", lambda: client.post(page(), data=change_form(remark=TOO_LARGE))),
        ("change store down", lambda: down.post(page(), data=change_form())),
        ("ask to cancel", lambda: client.get(page() + "/annuleren")),
        ("ask bad link", lambda: client.get(bad + "/annuleren")),
        ("ask revoked link", lambda: client.get(revoked() + "/annuleren")),
        ("ask not registered", lambda: client.get(stranger + "/annuleren")),
        ("ask expired", at(LINK_EXPIRED, lambda: client.get(page() + "/annuleren"))),
        ("ask store down", lambda: down.get(page() + "/annuleren")),
        ("cancel bad link", lambda: client.post(bad + "/annuleren")),
        ("cancel revoked link", lambda: client.post(revoked() + "/annuleren")),
        ("cancel foreign", lambda: client.post(page() + "/annuleren", headers=FOREIGN)),
        ("cancel started", at(MEETING_STARTED, lambda: client.post(page() + "/annuleren"))),
        ("cancel not registered", lambda: client.post(stranger + "/annuleren")),
        ("cancel expired", at(LINK_EXPIRED, lambda: client.post(page() + "/annuleren"))),
        ("cancel store down", lambda: down.post(page() + "/annuleren")),
        ("paper", lambda: local_papers.get(page() + "/stukken/agenda.pdf")),
        ("paper on AWS", lambda: aws_papers.get(page() + "/stukken/agenda.pdf")),
        ("paper unknown", lambda: local_papers.get(page() + "/stukken/geheim.pdf")),
        ("paper bad link", lambda: local_papers.get(bad + "/stukken/agenda.pdf")),
        ("paper revoked link", lambda: local_papers.get(revoked() + "/stukken/agenda.pdf")),
        ("paper not registered", lambda: local_papers.get(stranger + "/stukken/agenda.pdf")),
        ("paper expired", at(LINK_EXPIRED, lambda: local_papers.get(page() + "/stukken/agenda.pdf"))),
        ("paper store down", lambda: down.get(page() + "/stukken/agenda.pdf")),
        ("cancel", lambda: client.post(page() + "/annuleren")),
        ("paper after cancelling", lambda: local_papers.get(page() + "/stukken/agenda.pdf")),
        ("ask after cancelling", lambda: client.get(page() + "/annuleren")),
        ("change after cancelling", lambda: client.post(page(), data=change_form())),
        ("cancel again", lambda: client.post(page() + "/annuleren")),
    ]


# What each scenario must answer with, where the status alone does not tell the case apart.
EXPECTED_CODES = {
    "unknown meeting JSON": "unknown_meeting",
    "unknown meeting form": "unknown_meeting",
    "JSON too deep": "bad_request",
    "foreign JSON": "foreign_origin",
    "foreign form": "foreign_origin",
    "change foreign": "foreign_origin",
    "cancel foreign": "foreign_origin",
    "page revoked link": "revoked_link",
    "change revoked link": "revoked_link",
    "ask revoked link": "revoked_link",
    "cancel revoked link": "revoked_link",
    "paper revoked link": "revoked_link",
    "paper not registered": "revoked_link",
    "paper unknown": "unknown_paper",
    "paper expired": "link_expired",
    "paper after cancelling": "papers_cancelled",
    "unknown meeting": "unknown_meeting",
    "unknown meeting calendar": "unknown_meeting",
}


def first_sentences() -> dict[str, str]:
    """Per error code, the first sentence of its Dutch message: what tells the codes apart on a page."""
    messages = {
        cls.code: cls.message
        for cls in vars(domain_errors).values()
        if isinstance(cls, type) and issubclass(cls, domain_errors.RegistrationError)
    }
    messages |= dict(HTTP_MESSAGES.values())
    return {
        code: message.split(". ")[0].split("{")[0].rstrip(".") + "."
        for code, message in messages.items()
        if code != "registration_error"
    }


def error_code_of(response) -> str | None:
    """The code of an error answer: the JSON body's, or, for a page, the one code whose message it shows."""
    if response.mimetype == "application/json":
        return ((response.get_json(silent=True) or {}).get("error") or {}).get("code")
    page = html.unescape(response.get_data(as_text=True))
    shown = [code for code, sentence in first_sentences().items() if sentence in page]
    return shown[0] if len(shown) == 1 else f"one of {shown}"


def validate(openapi: OpenAPI, response) -> str | None:
    try:
        openapi.validate_response(WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response))
    except Exception as exc:  # noqa: BLE001 - collect every mismatch, then fail once with all of them
        details = "; ".join(str(e) for e in getattr(exc, "schema_errors", []) or [exc.__cause__ or ""])
        return f"{exc} {details}"
    return None


def test_real_answers_match_the_description_and_give_every_documented_status(spec, app_config, clock, valid_form):
    openapi = OpenAPI.from_dict(spec)
    given: set[tuple[str, str, int]] = set()
    problems = []
    for what, call in scenarios(app_config, clock, valid_form):
        response = call()
        request = response.request
        template = path_template(spec, request.path)
        assert template is not None, f"{what}: {request.path} is not in the description"
        given.add((request.method, template, response.status_code))
        where = f"{what}: {request.method} {request.path} -> {response.status_code}"
        if (mismatch := validate(openapi, response)) is not None:
            problems.append(f"{where}: {mismatch}")
        problems += [f"{where}: {problem}" for problem in header_problems(spec, response.headers)]
        if what in EXPECTED_CODES and error_code_of(response) != EXPECTED_CODES[what]:
            problems.append(f"{where}: code {error_code_of(response)}, not {EXPECTED_CODES[what]}")
    assert problems == []
    documented = {
        (method, template, status)
        for method, template in spec_operations(spec)
        for status in documented_statuses(spec, method, template)
    }
    assert sorted(documented - given) == [], "documented statuses that no real request gave"
    assert sorted(given - documented) == [], "statuses given that the description does not document"


def test_the_honeypot_answers_as_a_registration_and_stores_nothing(app_config, clock, valid_form, table):
    client = own_page_client(create_app(app_config, clock=clock))
    response = client.post("/api/registrations", json={**valid_form, honeypot.FIELD: "https://spam.example"})
    assert response.status_code == 201 and set(response.get_json()) == {"registration"}
    assert table.scan()["Items"] == []


def concrete_path(template: str, token: str) -> str:
    return template.replace("{token}", token).replace("{meeting_id}", load_meeting().id)


def body_for(method: str) -> dict[str, Any]:
    return {"data": change_form()} if method == "POST" else {}


def test_any_path_gives_the_shared_statuses_as_described(spec, app_config, clock):
    """403 direct_request (an origin secret is set and the request did not come through CloudFront) and 405 for
    every operation's path, each validated against its response in components.responses."""
    token = PersonalLinks(app_config["TOKEN_SECRET"], load_meeting()).token_for("nooit-uitgegeven-id", 1)
    app = create_app({**app_config, "ORIGIN_SECRET": "s" * 32}, clock=clock)
    client = own_page_client(app)
    responses = spec["components"]["responses"]
    problems = []

    def check(what: str, response, name: str, status: int, code: str) -> None:
        content = responses[name]["content"]
        where = f"{what} -> {response.status_code} {response.mimetype}"
        if response.status_code != status or response.mimetype not in content:
            problems.append(f"{where}: not {status} with one of {sorted(content)}")
        elif response.mimetype == "application/json":
            try:
                jsonschema.validate(response.get_json(), schema(spec, "Error"))
            except jsonschema.ValidationError as exc:
                problems.append(f"{where}: {exc.message}")
        if error_code_of(response) != code:
            problems.append(f"{where}: code {error_code_of(response)}, not {code}")
        problems.extend(f"{where}: {problem}" for problem in header_problems(spec, response.headers))

    for method, template in sorted(spec_operations(spec)):
        path = concrete_path(template, token)
        check(
            f"{method} {template} without the secret",
            client.open(path, method=method, **body_for(method)),
            "DirectRequest",
            403,
            "direct_request",
        )
        through = client.open(path, method=method, headers={guards.ORIGIN_SECRET_HEADER: "s" * 32}, **body_for(method))
        if through.status_code == 403:
            problems.append(f"{method} {template} with the secret: 403")
        served = {m.upper() for m in spec["paths"][template] if m.upper() in {"GET", "POST", "PUT", "DELETE"}}
        unserved = sorted({"PUT", "DELETE"} - served)[0]
        check(
            f"{unserved} {template}",
            client.open(path, method=unserved, headers={guards.ORIGIN_SECRET_HEADER: "s" * 32}),
            "MethodNotAllowed",
            405,
            "method_not_allowed",
        )
    assert problems == []
