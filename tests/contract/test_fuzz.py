"""schemathesis against the local stack over HTTP: every operation of api/openapi.yaml, generated requests.

The app runs as in `make run` (waitress, a real dynalite table) in a thread of this process. Requests come as from
the site's own pages (Sec-Fetch-Site: same-origin), as the origin guard (web/guards.py) needs. Every response must
be no 5xx (a documented 503 excepted: the store is up here, so none is expected either) and must conform to the
description: a documented status, a documented content type, a body that validates against its schema, the
documented headers, and the security headers of every answer. The same POSTs from a foreign page must all get 403.
A test of its own, on its own server and table, fuzzes registrations and changes through a personal link, and
the deliverer must make and send every email they owe (their names go into the headers); none may fail. The number
of examples is bounded and the run is seeded, so it takes seconds and fails the same way every time.
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.datastructures import Headers

from benchmarks import results
from benchmarks.results import Figure
from registrations import create_app, create_deliverer
from registrations.local.dynalite import local_config, prepare_table
from registrations.meeting import load_meeting
from registrations.registration.personal_link import PersonalLinks
from registrations.repository import RegistrationRepository, dynamodb_resource
from registrations.web import guards, honeypot
from tests.browser.conftest import LiveServer
from tests.conftest import OPEN_MOMENT
from tests.contract.spec import SPEC_PATH, header_problems, load_spec, path_template, spec_operations
from tests.mailbox import messages, personal_path_of

# Per operation and phase: about 20 s in all on 2 cores. FUZZ_MAX_EXAMPLES=500 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "40"))
# The foreign-origin run only has to show that no generated POST gets past the guard: fewer examples.
FOREIGN_EXAMPLES = max(1, MAX_EXAMPLES // 4)
SEED = 20230607


def config(max_examples: int) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # No example database (.hypothesis/): every run is the same run.
            "generation": {"max-examples": max_examples, "deterministic": True, "database": "none"},
            # The stateful phase needs links between operations; the personal token only ever travels by email.
            "phases": {"stateful": {"enabled": False}},
        }
    )


def security_headers(ctx: Any, response: Any, case: Any) -> None:
    """Every answer carries the headers web/guards.py sets, with the values components.headers describes."""
    headers = Headers([(name, value) for name, values in response.headers.items() for value in values])
    problems = header_problems(load_spec(), headers)
    if problems:
        raise AssertionError("; ".join(problems))


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    security_headers,
]
REGISTERED = "fuzz.registered@gemeente.example"
REVOKED = "fuzz.revoked@gemeente.example"
# What the site's own pages send (web/guards.py), and what a page of another site sends.
OWN_PAGE = {"Sec-Fetch-Site": "same-origin"}
FOREIGN_PAGE = {"Origin": "https://elders.example", "Sec-Fetch-Site": "cross-site"}

schema = schemathesis.openapi.from_path(SPEC_PATH, config=config(MAX_EXAMPLES))
foreign_posts = schemathesis.openapi.from_path(SPEC_PATH, config=config(FOREIGN_EXAMPLES)).include(method="POST")


@dataclass
class Stack:
    server: LiveServer
    config: dict[str, Any]
    # Tokens of a registered address, of a revoked link and of a registration that does not exist.
    tokens: tuple[str, str, str]
    # (method, path template, status) of every request the server answered.
    answers: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    registrations: int = 0
    # Cases per operation so far, to take the real tokens in turn.
    turns: Counter[str] = field(default_factory=Counter)


def counted(app: Any, answers: Counter[tuple[str, str, int]], foreign: Counter[tuple[str, str, int]]) -> Any:
    """WSGI middleware that counts the answers per operation and status, for the figures of the run: those to
    the site's own pages and those to a foreign page apart."""
    spec = load_spec()

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            template = path_template(spec, environ.get("PATH_INFO", "")) or "(not described)"
            counter = foreign if environ.get("HTTP_ORIGIN") == FOREIGN_PAGE["Origin"] else answers
            counter[(environ["REQUEST_METHOD"], template, int(status.split()[0]))] += 1
            return start_response(status, headers, exc_info)

        return app(environ, start)

    return wrapped


@pytest.fixture(scope="module")
def stack(dynalite, tmp_path_factory) -> Iterator[Stack]:
    """One server and table for the whole run: what one operation stores, the others see (as in production)."""
    config = local_config(dynalite, table=f"fuzz-{uuid.uuid4().hex[:12]}", data_dir=tmp_path_factory.mktemp("data"))
    prepare_table(config)
    config["PREVIEW_NOW"] = OPEN_MOMENT
    answers: Counter[tuple[str, str, int]] = Counter()
    foreign: Counter[tuple[str, str, int]] = Counter()
    # Built once the port is known (LiveServer sets SITE_URL, which the guard and the links in the emails use).
    server = LiveServer(lambda ready: counted(create_app(ready), answers, foreign), config)
    began = time.monotonic()
    yield Stack(server, config, (*real_tokens(config), not_registered_token(config)), answers)
    server.stop()
    write_figures(answers, foreign, time.monotonic() - began)
    dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(config["REGISTRATIONS_TABLE"]).delete()


def real_tokens(config: dict[str, Any]) -> tuple[str, str]:
    """The tokens of two registrations as the deliverer mails them (mail goes out after the write); the second
    one's link is then revoked."""
    client = create_app(config).test_client()
    for email in (REGISTERED, REVOKED):
        form = {
            "given_name": "Fenna",
            "family_name": "Fuzz",
            "email": email,
            "organisation": "dcmr",
            "role": "directie",
            "consent": "ja",
        }
        if client.post("/api/registrations", json=form, headers=OWN_PAGE).status_code != 201:
            pytest.fail(f"could not register {email}")
    create_deliverer(config).sweep()
    tokens = {
        str(m["To"].addresses[0].addr_spec): personal_path_of(m).rsplit("/", 1)[1]
        for m in messages(config["MAIL_OUTBOX"])
    }
    table = dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(config["REGISTRATIONS_TABLE"])
    RegistrationRepository(table).revoke_links(load_meeting().id, REVOKED)
    return tokens[REGISTERED], tokens[REVOKED]


def not_registered_token(config: dict[str, Any]) -> str:
    return PersonalLinks(config["TOKEN_SECRET"], load_meeting()).token_for("nooit-uitgegeven-id", 1)


def write_figures(
    answers: Counter[tuple[str, str, int]], foreign: Counter[tuple[str, str, int]], seconds: float
) -> None:
    """The run's figures for the benchmark report (make bench): requests per operation and status, and time."""
    described = spec_operations(load_spec())
    operations: dict[str, dict[str, int]] = {}
    other: Counter[int] = Counter()
    for (method, template, status), count in sorted(answers.items()):
        if (method, template) in described:
            operations.setdefault(f"{method} {template}", {})[str(status)] = count
        else:  # the coverage phase also tries methods that a path does not serve
            other[status] += count
    operations["other methods on these paths"] = {str(status): n for status, n in sorted(other.items())}
    results.write(
        "schemathesis",
        title="Contract fuzzing (schemathesis)",
        command="make test  (tests/contract/test_fuzz.py)",
        figures=[
            Figure("operations fuzzed", len(operations) - 1, "operations"),
            Figure("requests sent as from the site's own pages", sum(answers.values()), "requests"),
            Figure("requests sent as from a foreign page", sum(foreign.values()), "requests"),
            Figure(
                "of which refused (403)", sum(n for (_, _, status), n in foreign.items() if status == 403), "requests"
            ),
            Figure(
                "responses 5xx", sum(n for (*_, status), n in (answers + foreign).items() if status >= 500), "responses"
            ),
            Figure("time of the run (server up to down)", round(seconds, 1), "s"),
        ],
        notes=[
            f"seed {SEED}, at most {MAX_EXAMPLES} examples per operation and phase ({FOREIGN_EXAMPLES} per POST "
            "operation and phase from a foreign page); checks: " + ", ".join(check.__name__ for check in CHECKS)
        ],
        extra={"answers": operations},
    )


@schema.parametrize()
def test_every_operation_answers_within_the_description(case, stack):
    token = case.path_parameters.get("token") if case.path_parameters else None
    if isinstance(token, str):
        # A generated token is never valid: swap some for real ones, in turn per operation (the run is
        # deterministic, so the turns are too), so that the pages behind a real link are fuzzed too. (Picking by
        # the token's hash left the registered link out of whole operations: few distinct tokens are generated.)
        turn = stack.turns[case.operation.label]
        stack.turns[case.operation.label] += 1
        if turn % 5 < len(stack.tokens):
            case.path_parameters["token"] = stack.tokens[turn % 5]
    if isinstance(case.body, dict) and isinstance(case.body.get("email"), str) and "@" in case.body["email"]:
        # Generated addresses repeat a lot (a@a.com), so nearly every registration after the first would be a 409.
        # A counter in front of the local part makes most of them new, so that storing and the confirmation email
        # (the names go into its headers) are fuzzed too.
        stack.registrations += 1
        case.body["email"] = f"f{stack.registrations}.{case.body['email']}"
        real_meeting(case.body, stack.registrations)
    case.call_and_validate(base_url=stack.server.url, checks=CHECKS, headers=OWN_PAGE)


@foreign_posts.parametrize()
def test_no_post_from_a_foreign_page_gets_past_the_guard(case, stack):
    response = case.call_and_validate(base_url=stack.server.url, checks=CHECKS, headers=FOREIGN_PAGE)
    # The coverage phase also tries other methods on these paths: every state-changing one is refused as well,
    # before routing; GET and the like are no business of the guard.
    if case.method.upper() in guards.STATE_CHANGING:
        assert response.status_code == 403, f"{case.method} {case.formatted_path}: {response.text[:300]}"


def real_meeting(body: dict[str, Any], turn: int) -> None:
    """A generated meeting id is nearly never a meeting's (404 unknown_meeting): every other one becomes the real
    one, so that registering for a named meeting is fuzzed too."""
    if isinstance(body.get("meeting"), str) and turn % 2:
        body["meeting"] = load_meeting().id


# The operations whose requests owe an email with what was typed in it (the names go into its headers).
REGISTER = schema["/api/registrations"]["POST"]
CHANGE = schema["/api/mijn-aanmelding/{token}"]["POST"]
CHANGED = "fuzz.changed@gemeente.example"


def fuzz(operation: Any, send: Callable[[Any], None], max_examples: int = MAX_EXAMPLES) -> None:
    """Send generated requests for one operation, as seeded and bounded as the rest of the run."""

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # no shrinking: a failure is reported as it came
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        send(case)

    run()


def test_every_email_the_fuzzed_requests_owe_can_be_made_and_sent(app_config):
    """Its own fuzzed registrations, then its own fuzzed changes through one registration's personal link, on its
    own server and table: the deliverer must make and send every email they owe (or hold it back under the
    mailbox limit, still owed); none may fail."""
    server = LiveServer(create_app, app_config)
    deliverer = create_deliverer(app_config)
    outcomes: Counter[str] = Counter()
    numbers = itertools.count(1)
    registered: set[str] = set()

    def register(case: Any) -> None:
        if isinstance(case.body, dict) and isinstance(case.body.get("email"), str) and "@" in case.body["email"]:
            case.body["email"] = f"r{next(numbers)}.{case.body['email']}"  # most become new addresses, not 409s
            real_meeting(case.body, next(numbers))
        response = case.call(base_url=server.url, headers=OWN_PAGE)
        assert response.status_code < 500, response.text[:300]
        # Stored: 201 to JSON, 303 to a plain form post. A filled honeypot is answered as a registration and stores
        # nothing, so it owes no email.
        if response.status_code in (201, 303) and not case.body.get(honeypot.FIELD):
            registered.add(str(case.body["email"]).strip().lower())

    changes = 0

    def change(case: Any) -> None:
        nonlocal changes
        case.path_parameters["token"] = token
        response = case.call(base_url=server.url, headers=OWN_PAGE, allow_redirects=False)
        assert response.status_code < 500, response.text[:300]
        if response.status_code == 303:
            changes += 1
            outcomes.update(deliverer.sweep())  # at once: a later change would otherwise replace this one's email

    try:
        fuzz(REGISTER, register)
        form = {"given_name": "Fenna", "family_name": "Fuzz", "email": CHANGED, "organisation": "dcmr"}
        response = requests.post(
            f"{server.url}/api/registrations", json={**form, "role": "directie", "consent": True}, headers=OWN_PAGE
        )
        assert response.status_code == 201, response.text
        outcomes.update(deliverer.sweep())
        [confirmation] = [
            m for m in messages(app_config["MAIL_OUTBOX"]) if str(m["To"].addresses[0].addr_spec) == CHANGED
        ]
        token = personal_path_of(confirmation).rsplit("/", 1)[1]
        fuzz(CHANGE, change)
    finally:
        server.stop()

    assert set(outcomes) <= {"sent", "held_back"}, outcomes
    mailed = Counter(str(m["To"].addresses[0].addr_spec).lower() for m in messages(app_config["MAIL_OUTBOX"]))
    # The fuzzing reached what it is for: registrations stored, changes accepted
    assert len(registered) > 1 and changes > 0, (len(registered), changes)
    # Every registration got its confirmation, or is held back for the next hour; nobody else got one
    assert len(registered - set(mailed)) <= outcomes["held_back"], outcomes
    assert set(mailed) <= registered | {CHANGED}
    # And every accepted change its own email, besides the confirmation
    assert mailed[CHANGED] == 1 + changes, (mailed[CHANGED], changes)
