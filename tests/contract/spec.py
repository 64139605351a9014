"""The OpenAPI description of /api (api/openapi.yaml), read for the contract tests."""

from __future__ import annotations

import functools
import re
from typing import Any

import jsonschema
import yaml

from registrations.local.dynalite import PROJECT_ROOT

SPEC_PATH = PROJECT_ROOT / "api" / "openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
# The headers web/guards.py puts on every answer, described in components.headers.
SECURITY_HEADERS = (
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Content-Security-Policy",
    "Cache-Control",
    "Referrer-Policy",
)


@functools.cache
def load_spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def spec_operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, /path/{param}) of every operation in the description."""
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item if method in METHODS}


def flask_path(rule: str) -> str:
    """A Werkzeug rule in OpenAPI's spelling: /api/x/<token> and /api/x/<string:token> become /api/x/{token}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def path_template(spec: dict[str, Any], path: str) -> str | None:
    """The description's path that a concrete path (/api/mijn-aanmelding/abc) belongs to."""
    for template in spec["paths"]:
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return template
    return None


def documented_statuses(spec: dict[str, Any], method: str, template: str) -> set[int]:
    return {int(status) for status in spec["paths"][template][method.lower()]["responses"]}


def header_problems(spec: dict[str, Any], headers: Any) -> list[str]:
    """How an answer's security headers (any mapping whose get() ignores case) differ from components.headers."""
    problems = []
    for name in SECURITY_HEADERS:
        value = headers.get(name)
        if value is None:
            problems.append(f"no {name}")
            continue
        try:
            jsonschema.validate(value, spec["components"]["headers"][name]["schema"])
        except jsonschema.ValidationError as exc:
            problems.append(f"{name}: {exc.message}")
    return problems
