"""No redirect off the site: the CloudFront directory-index function (its own text from infra/template.yaml, run
under Node) and its local twin (registrations.dev.paths in site_and_api, on the local server over raw sockets) take
one table of paths and answer each alike: the same file, the same redirect (a directory's slash, and the old
addresses to the letter's meeting), or a refusal (400 or 404)."""

from __future__ import annotations

import json
import shutil
import subprocess
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest

from deploy import ROOT
from deploy.infra import load_template
from registrations.dev.local import site_and_api
from tests.raw_http import get, send, serving

SITE = "https://site.example"

# (path as sent, query, what both answer: ("file", uri) | ("redirect", location) | ("refused", None), or
# ("missing", uri): the function looks up that file, and the local server, which has none there, answers 404)
LETTER = "/bijeenkomsten/ibp-vth-2023-06-07/"
CASES = [
    ("/", "", ("file", "/index.html")),
    ("/privacy/", "", ("file", "/privacy/index.html")),
    ("/privacy/", "a=1", ("file", "/privacy/index.html")),
    (LETTER + "aanmelden/", "", ("file", LETTER + "aanmelden/index.html")),
    ("/assets/main.css", "", ("file", "/assets/main.css")),
    ("/privacy", "", ("redirect", "/privacy/")),
    ("/privacy", "x=1&x=2&y", ("redirect", "/privacy/?x=1&x=2&y")),
    # The addresses of before there were several meetings (the letter's link leads to /aanmelden/): in one step to
    # the letter's meeting, with or without the slash, as .../index.html too, and with the query kept.
    ("/aanmelden/", "", ("redirect", LETTER + "aanmelden/")),
    ("/aanmelden", "", ("redirect", LETTER + "aanmelden/")),
    ("/aanmelden/index.html", "", ("redirect", LETTER + "aanmelden/")),
    ("/aanmelden/", "x=1&x=2&y", ("redirect", LETTER + "aanmelden/?x=1&x=2&y")),
    ("/aanmelden/bevestiging/", "", ("redirect", LETTER + "aanmelden/bevestiging/")),
    ("/aanmelden/bevestiging", "a=1", ("redirect", LETTER + "aanmelden/bevestiging/?a=1")),
    ("/achtergrond/", "", ("redirect", LETTER + "achtergrond/")),
    ("/achtergrond", "", ("redirect", LETTER + "achtergrond/")),
    # Only those addresses: a page below them, or a file there, is looked up as it is (and is not there)
    ("/aanmelden/anders/", "", ("missing", "/aanmelden/anders/index.html")),
    ("/aanmelden/style.css", "", ("missing", "/aanmelden/style.css")),
    # What browsers read as another host: //host and /\host (a backslash is a slash to them) ...
    ("//evil.example/aanmelden", "", ("refused", None)),
    ("//evil.example", "", ("refused", None)),
    ("/\\evil.example/aanmelden", "", ("refused", None)),
    ("/\\/evil.example/aanmelden", "", ("refused", None)),
    ("/aanmelden//evil.example", "", ("refused", None)),
    # (with /.. at the end the path is the site's root folder, which the local server redirected to its slash)
    ("/\\evil.example/..", "", ("refused", None)),
    ("//evil.example/..", "", ("refused", None)),
    ("/%5Cevil.example/..", "", ("refused", None)),
    ("/%2F%2Fevil.example/%2E%2E", "", ("refused", None)),
    # ... percent-encoded, in either case of hex digits, whole or in part ...
    ("/%2F%2Fevil.example/aanmelden", "", ("refused", None)),
    ("/%2f%2fevil.example/aanmelden", "", ("refused", None)),
    ("/%2F/evil.example/aanmelden", "", ("refused", None)),
    ("//%2Fevil.example/aanmelden", "", ("refused", None)),
    ("/%5Cevil.example/aanmelden", "", ("refused", None)),
    ("/%5cevil.example/aanmelden", "", ("refused", None)),
    ("/%5C%5Cevil.example/aanmelden", "", ("refused", None)),
    ("/aanmelden%2F%2Fevil.example", "", ("refused", None)),
    # ... control characters: NUL, and the tab and line break that browsers drop from a URL ...
    ("/%00", "", ("refused", None)),
    ("/aanmelden%00", "", ("refused", None)),
    ("/aanmelden/%00/", "", ("refused", None)),
    ("/%09/evil.example/aanmelden", "", ("refused", None)),
    ("/%0A/evil.example/aanmelden", "", ("refused", None)),
    # ... and escapes that do not decode.
    ("/%zz", "", ("refused", None)),
    ("/%ff/aanmelden", "", ("refused", None)),
]
IDS = [f"{path}?{query}" if query else path for path, query, _ in CASES]

NODE_RUNNER = """
const code = require('fs').readFileSync(0, 'utf8');
const handler = new Function(code + '\\nreturn handler;')();
const cases = JSON.parse(process.argv[1]);
console.log(JSON.stringify(cases.map(c => handler({request: {uri: c.uri, querystring: c.querystring}}))));
"""


def querystring(query: str) -> dict:
    """A query as CloudFront hands it to a function: each name once, repeated values in multiValue."""
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    return {
        name: {"value": vs[0], **({"multiValue": [{"value": v} for v in vs]} if len(vs) > 1 else {})}
        for name, vs in values.items()
    }


@pytest.fixture(scope="module")
def function_answers():
    """The function's result for every case, in one run of Node."""
    node = shutil.which("node")
    assert node, "node is needed (it runs dynalite too)"
    code = load_template()["Resources"]["DirectoryIndexFunction"]["Properties"]["FunctionCode"]
    cases = json.dumps([{"uri": path, "querystring": querystring(query)} for path, query, _ in CASES])
    out = subprocess.run(
        [node, "-e", NODE_RUNNER, cases], input=code, capture_output=True, text=True, check=True, cwd=ROOT, timeout=30
    )
    return dict(zip(IDS, json.loads(out.stdout), strict=True))


@pytest.fixture(scope="module")
def local_port(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    for name, text in {
        "index.html": "home",
        "privacy/index.html": "privacy",
        LETTER.lstrip("/") + "aanmelden/index.html": "aanmelden",
        "assets/main.css": "body{}",
        "404.html": "niet gevonden",
    }.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")

    def api(environ, start_response):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"api"]

    with serving(site_and_api(site, api)) as port:
        yield port, site


def stays_on_the_site(location: str) -> bool:
    """As a browser resolves it from a page of the site: a backslash is a slash, tabs and line breaks are dropped."""
    cleaned = location.replace("\\", "/").replace("\t", "").replace("\n", "").replace("\r", "")
    resolved = urlsplit(urljoin(SITE + "/aanmelden/", cleaned))
    return (resolved.scheme, resolved.netloc) == ("https", "site.example")


@pytest.mark.parametrize(("path", "query", "expected"), CASES, ids=IDS)
def test_the_cloudfront_function(function_answers, path, query, expected):
    result = function_answers[f"{path}?{query}" if query else path]
    kind, value = expected
    location = result.get("headers", {}).get("location", {}).get("value")
    assert location is None or stays_on_the_site(location), location
    if kind in ("file", "missing"):
        assert "statusCode" not in result and result["uri"] == value
    elif kind == "redirect":
        assert (result["statusCode"], location) == (301, value)
    else:
        assert result.get("statusCode") in (400, 404) and location is None, result


@pytest.mark.parametrize(("path", "query", "expected"), CASES, ids=IDS)
def test_the_local_twin(local_port, path, query, expected):
    port, site = local_port
    answer = send(port, get(path + (f"?{query}" if query else "")), timeout=5)
    kind, value = expected
    location = answer.headers.get("location")
    assert location is None or stays_on_the_site(location), location
    if kind == "file":
        assert answer.status == 200 and answer.body == (site / value.lstrip("/")).read_bytes()
    elif kind == "missing":
        assert answer.status == 404 and location is None, answer
    elif kind == "redirect":
        assert (answer.status, location) == (301, value)
    else:
        assert answer.status in (400, 404) and location is None, answer
