"""schemathesis against the local stack over HTTP: every operation of api/openapi.yaml, generated requests.

The app runs as in `make run` (waitress, a real dynalite table) in a thread of this process. Every response must
be no 5xx (a documented 503 excepted: the store is up here, so none is expected either) and must conform to the
description: a documented status, a documented content type, a body that validates against its schema, and the
documented headers. The number of examples is bounded and the run is seeded, so it takes seconds and fails the
same way every time.
"""

from __future__ import annotations

import os
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from benchmarks import results
from benchmarks.results import Figure
from registrations import create_app
from registrations.dev.local import local_config, prepare_table
from registrations.event import load_event
from registrations.links import ManageLinks
from registrations.repository import dynamodb_resource
from tests.browser.conftest import LiveServer
from tests.conftest import OPEN_MOMENT
from tests.contract.spec import SPEC_PATH, load_spec, path_template, spec_operations

# Per operation and phase: about 20 s in all on 2 cores. FUZZ_MAX_EXAMPLES=500 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "40"))
SEED = 20230607
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        # No example database (.hypothesis/): every run is the same run.
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # The stateful phase needs links between operations; the personal token only ever travels by email.
        "phases": {"stateful": {"enabled": False}},
    }
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
REGISTERED = "fuzz.registered@gemeente.example"

schema = schemathesis.openapi.from_path(SPEC_PATH, config=CONFIG)


@dataclass
class Stack:
    server: LiveServer
    # A token of a registered address and one of an address that is not registered.
    tokens: tuple[str, str]
    # (method, path template, status) of every request the server answered.
    answers: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    registrations: int = 0


def counted(app: Any, answers: Counter[tuple[str, str, int]]) -> Any:
    """WSGI middleware that counts the answers per operation and status, for the figures of the run."""
    spec = load_spec()

    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            template = path_template(spec, environ.get("PATH_INFO", "")) or "(not described)"
            answers[(environ["REQUEST_METHOD"], template, int(status.split()[0]))] += 1
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
    server = LiveServer(counted(create_app(config), answers), config)
    began = time.monotonic()
    form = {
        "given_name": "Fenna",
        "family_name": "Fuzz",
        "email": REGISTERED,
        "organisation": "dcmr",
        "role": "directie",
        "consent": "ja",
    }
    create_app(config).test_client().post("/api/registrations", json=form).status_code == 201 or pytest.fail("seed")
    links = ManageLinks(config["TOKEN_SECRET"], load_event())
    yield Stack(server, (links.token_for(REGISTERED), links.token_for("nooit.aangemeld@gemeente.example")), answers)
    server.stop()
    write_figures(answers, time.monotonic() - began)
    dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(config["REGISTRATIONS_TABLE"]).delete()


def write_figures(answers: Counter[tuple[str, str, int]], seconds: float) -> None:
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
            Figure("requests sent", sum(answers.values()), "requests"),
            Figure("responses 5xx", sum(n for (_, _, status), n in answers.items() if status >= 500), "responses"),
            Figure("time of the run (server up to down)", round(seconds, 1), "s"),
        ],
        notes=[
            f"seed {SEED}, at most {MAX_EXAMPLES} examples per operation and phase; checks: "
            + ", ".join(check.__name__ for check in CHECKS)
        ],
        extra={"answers": operations},
    )


@schema.parametrize()
def test_every_operation_answers_within_the_description(case, stack):
    token = case.path_parameters.get("token") if case.path_parameters else None
    if isinstance(token, str):
        # A generated token is never valid: swap some for real ones (chosen by the token itself, so the run stays
        # deterministic), so that the pages behind a valid link are fuzzed too.
        pick = zlib.crc32(token.encode("utf-8", "surrogatepass")) % 4
        if pick < 2:
            case.path_parameters["token"] = stack.tokens[pick]
    if isinstance(case.body, dict) and isinstance(case.body.get("email"), str) and "@" in case.body["email"]:
        # Generated addresses repeat a lot (a@a.com), so nearly every registration after the first would be a 409.
        # A counter in front of the local part makes most of them new, so that storing and the confirmation email
        # (the names go into its headers) are fuzzed too.
        stack.registrations += 1
        case.body["email"] = f"f{stack.registrations}.{case.body['email']}"
    case.call_and_validate(base_url=stack.server.url, checks=CHECKS)
