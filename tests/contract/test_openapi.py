"""The OpenAPI description (api/openapi.yaml) cannot drift from the app.

- Every route under /api is an operation of the description, and every operation a route.
- The field rules, the choices and the error codes in it are the ones the code uses.
- Real answers, one for every status that each operation documents, validate against it (openapi-core), and
  every documented status is given by at least one real request: nothing is documented that cannot happen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_spec_validator import validate as validate_spec

from registrations import MAX_BODY_BYTES, create_app, exceptions
from registrations.event import OTHER_ORGANISATION, load_event
from registrations.links import ManageLinks
from registrations.validation import CONSENT_VALUES, FIELDS, MAX_LENGTHS
from registrations.web.errors import HTTP_MESSAGES, STATUS, UNEXPECTED
from tests.contract.spec import documented_statuses, flask_path, load_spec, path_template, spec_operations

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
    event = load_event()
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


def test_every_error_code_and_status_of_the_error_map_is_described(spec):
    codes = {
        cls.code
        for cls in vars(exceptions).values()
        if isinstance(cls, type) and issubclass(cls, exceptions.RegistrationError)
    } - {"registration_error"}
    codes |= {code for code, _ in HTTP_MESSAGES.values()} | {UNEXPECTED[0]}
    assert set(schema(spec, "Error")["properties"]["error"]["properties"]["code"]["enum"]) == codes
    described = {
        status for method, template in spec_operations(spec) for status in documented_statuses(spec, method, template)
    }
    # 405 and 500 can come from any path: components.responses describes them once.
    assert set(STATUS.values()) | set(HTTP_MESSAGES) - {405} <= described
    assert {"MethodNotAllowed", "InternalError"} <= set(spec["components"]["responses"])


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


def scenarios(app_config, clock, valid_form) -> list[tuple[str, Callable[[], Any]]]:
    """(what, a call that makes one real request and returns its response), for every documented status."""
    app = create_app(app_config, clock=clock)
    client = app.test_client()
    down = create_app(app_config, clock=clock, table=DownTable()).test_client()
    links = ManageLinks(app_config["TOKEN_SECRET"], load_event())
    page = f"/api/mijn-aanmelding/{links.token_for(EMAIL)}"
    stranger = f"/api/mijn-aanmelding/{links.token_for('nooit@aangemeld.example')}"
    bad = "/api/mijn-aanmelding/dit-is-geen-geldige-link"
    other = {**valid_form, "email": "ander@gemeente.example"}

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
        ("register JSON", lambda: client.post("/api/registrations", json=valid_form)),
        ("register form", lambda: client.post("/api/registrations", data=other)),
        ("invalid JSON", lambda: client.post("/api/registrations", json={**valid_form, "email": "x", "role": "?"})),
        ("invalid form", lambda: client.post("/api/registrations", data={**valid_form, "given_name": ""})),
        ("JSON not an object", lambda: client.post("/api/registrations", data="[1]", content_type="application/json")),
        ("duplicate JSON", lambda: client.post("/api/registrations", json=valid_form)),
        ("duplicate form", lambda: client.post("/api/registrations", data=valid_form)),
        ("closed JSON", at(AFTER_DEADLINE, lambda: client.post("/api/registrations", json=valid_form))),
        ("closed form", at(AFTER_DEADLINE, lambda: client.post("/api/registrations", data=valid_form))),
        ("too large JSON", lambda: client.post("/api/registrations", json={**valid_form, "remark": TOO_LARGE})),
        ("too large form", lambda: client.post("/api/registrations", data={**valid_form, "remark": TOO_LARGE})),
        ("plain text", lambda: client.post("/api/registrations", data="hallo", content_type="text/plain")),
        ("store down JSON", lambda: down.post("/api/registrations", json=valid_form)),
        ("store down form", lambda: down.post("/api/registrations", data=valid_form)),
        ("page", lambda: client.get(page)),
        ("page bad link", lambda: client.get(bad)),
        ("page not registered", lambda: client.get(stranger)),
        ("page expired", at(LINK_EXPIRED, lambda: client.get(page))),
        ("page store down", lambda: down.get(page)),
        ("change", lambda: client.post(page, data=change_form())),
        ("change invalid", lambda: client.post(page, data=change_form(role="?"))),
        ("change bad link", lambda: client.post(bad, data=change_form())),
        ("change started", at(MEETING_STARTED, lambda: client.post(page, data=change_form()))),
        ("change not registered", lambda: client.post(stranger, data=change_form())),
        ("change expired", at(LINK_EXPIRED, lambda: client.post(page, data=change_form()))),
        ("change too large", lambda: client.post(page, data=change_form(remark=TOO_LARGE))),
        ("change store down", lambda: down.post(page, data=change_form())),
        ("ask to cancel", lambda: client.get(page + "/annuleren")),
        ("ask bad link", lambda: client.get(bad + "/annuleren")),
        ("ask not registered", lambda: client.get(stranger + "/annuleren")),
        ("ask expired", at(LINK_EXPIRED, lambda: client.get(page + "/annuleren"))),
        ("ask store down", lambda: down.get(page + "/annuleren")),
        ("cancel bad link", lambda: client.post(bad + "/annuleren")),
        ("cancel started", at(MEETING_STARTED, lambda: client.post(page + "/annuleren"))),
        ("cancel not registered", lambda: client.post(stranger + "/annuleren")),
        ("cancel expired", at(LINK_EXPIRED, lambda: client.post(page + "/annuleren"))),
        ("cancel store down", lambda: down.post(page + "/annuleren")),
        ("cancel", lambda: client.post(page + "/annuleren")),
        ("ask after cancelling", lambda: client.get(page + "/annuleren")),
        ("change after cancelling", lambda: client.post(page, data=change_form())),
        ("cancel again", lambda: client.post(page + "/annuleren")),
    ]


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
        try:
            openapi.validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))
        except Exception as exc:  # noqa: BLE001 - collect every mismatch, then fail once with all of them
            details = "; ".join(str(e) for e in getattr(exc, "schema_errors", []) or [exc.__cause__ or ""])
            problems.append(f"{what}: {request.method} {request.path} -> {response.status_code}: {exc} {details}")
    assert problems == []
    documented = {
        (method, template, status)
        for method, template in spec_operations(spec)
        for status in documented_statuses(spec, method, template)
    }
    assert sorted(documented - given) == [], "documented statuses that no real request gave"
    assert sorted(given - documented) == [], "statuses given that the description does not document"
