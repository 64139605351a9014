"""Zappa's access line loses the client's address, the query string and the referrer."""

from __future__ import annotations

import logging

import pytest

from registrations.web.access_log import AccessLogRedaction, PathRedaction

ZAPPA_LINE = (
    '192.0.2.10 - - [10/May/2023:10:00:00 +0000] "{request}" {status} 16 "{referer}" "Mozilla/5.0 (X11)" 0/3703'
)


def redact(line: str) -> str | None:
    record = logging.LogRecord("zappa.wsgi", logging.INFO, __file__, 1, line, (), None)
    return record.getMessage() if AccessLogRedaction().filter(record) else None


@pytest.mark.parametrize(
    ("request_line", "referer", "expected"),
    [
        ("GET /api/health HTTP/1.1", "", '"GET /api/health HTTP/1.1" 200 16 "-" "Mozilla/5.0 (X11)" 0/3703'),
        (
            "GET /api/registrations/manage?token=abc.def HTTP/1.1",
            "https://example.org/?email=a%40b.example",
            '"GET /api/registrations/manage HTTP/1.1" 200 16 "-" "Mozilla/5.0 (X11)" 0/3703',
        ),
        (
            "POST /api/registrations HTTP/1.1",
            "https://site.example/aanmelden/",
            '"POST /api/registrations HTTP/1.1" 200 16 "-" "Mozilla/5.0 (X11)" 0/3703',
        ),
    ],
)
def test_the_access_line_keeps_the_request_and_drops_personal_data(request_line, referer, expected):
    redacted = redact(ZAPPA_LINE.format(request=request_line, status=200, referer=referer))
    assert redacted.startswith("- - - [10/May/2023:10:00:00 +0000] ")
    assert redacted.endswith(expected)
    for personal in ("192.0.2.10", "token=", "abc.def", "a%40b.example", "site.example"):
        assert personal not in redacted


def test_a_line_of_unknown_shape_is_dropped():
    assert redact("something else from 192.0.2.10") is None


@pytest.mark.parametrize(
    ("request_line", "expected"),
    [
        ("GET /api/mijn-aanmelding/WyJpYnAt.lzJDvn19 HTTP/1.1", '"GET /api/mijn-aanmelding/[link] HTTP/1.1"'),
        (
            "POST /api/mijn-aanmelding/WyJpYnAt.lzJDvn19/annuleren HTTP/1.1",
            '"POST /api/mijn-aanmelding/[link]/annuleren HTTP/1.1"',
        ),
        (
            "GET /api/mijn-aanmelding/WyJpYnAt.lzJDvn19?opgeslagen=1 HTTP/1.1",
            '"GET /api/mijn-aanmelding/[link] HTTP/1.1"',
        ),
    ],
)
def test_the_personal_links_token_is_replaced_by_a_mark(request_line, expected):
    redacted = redact(ZAPPA_LINE.format(request=request_line, status=200, referer=""))
    assert expected in redacted
    assert "WyJpYnAt" not in redacted and "lzJDvn19" not in redacted


TOKEN = "WyJpYnAt.lzJDvn19"
# Forms of the personal page's path that still reach it: werkzeug merges slashes (a redirect to the page), the
# servers decode percent signs (Zappa once more after API Gateway), browsers and CloudFront resolve dot segments.
PERSONAL_FORMS = [
    "/api//mijn-aanmelding/{t}",
    "/api/mijn-aanmelding//{t}",
    "/api%2Fmijn-aanmelding/{t}",
    "/api/mijn-aanmelding%2F{t}",
    "/api/m%69jn-aanmelding/{t}",
    "/ap%69/mijn-aanmelding/{t}",
    "/api/./mijn-aanmelding/{t}",
    "/api/mijn-aanmelding/./{t}",
    "/api/x/../mijn-aanmelding/{t}",
    # and more of the same kinds
    "/x/../api/mijn-aanmelding/{t}",
    "/api/mijn-aanmelding%252F{t}",
    "/api/mijn-aanmelding%2f{t}",
    "/api%5Cmijn-aanmelding%5C{t}",
    "/api/mijn-aanmelding/ {t}",
    "/API/Mijn-Aanmelding/{t}",
    "//api///mijn-aanmelding///{t}",
]


@pytest.mark.parametrize("form", PERSONAL_FORMS)
@pytest.mark.parametrize("action", ["", "/annuleren"])
def test_the_token_is_never_logged_whatever_the_form_of_the_path(form, action):
    raw_path = form.format(t=TOKEN) + action
    line = ZAPPA_LINE.format(request=f"POST {raw_path}?opgeslagen=1 HTTP/1.1", status=303, referer="")
    # The positive control: the token really is in the raw path and in the line Zappa writes
    assert TOKEN in raw_path and TOKEN in line
    redacted = redact(line)
    assert f'"POST /api/mijn-aanmelding/[link]{action} HTTP/1.1" 303 16 "-"' in redacted
    assert "WyJpYnAt" not in redacted and "lzJDvn19" not in redacted


@pytest.mark.parametrize("path", ["/api/mijn-aanmelding", "/api/health", "/api/registrations", "/aanmelden/"])
def test_paths_without_a_token_are_logged_as_they_are(path):
    redacted = redact(ZAPPA_LINE.format(request=f"GET {path} HTTP/1.1", status=200, referer=""))
    assert f'"GET {path} HTTP/1.1" 200' in redacted


def test_a_path_with_a_quote_cannot_run_into_the_referrer_and_is_dropped():
    line = ZAPPA_LINE.format(request=f'GET /api/mijn-aanmelding/"{TOKEN} HTTP/1.1', status=400, referer="")
    assert TOKEN in line
    assert redact(line) is None


@pytest.mark.parametrize("form", PERSONAL_FORMS)
def test_the_local_servers_lines_that_name_a_path_lose_the_token_too(form):
    raw_path = form.format(t=TOKEN) + "/annuleren"
    record = logging.LogRecord(
        "waitress", logging.INFO, __file__, 1, "Client disconnected while serving %s", (raw_path,), None
    )
    assert TOKEN in record.getMessage()
    assert PathRedaction().filter(record)
    assert record.getMessage() == "Client disconnected while serving /api/mijn-aanmelding/[link]/annuleren"


def test_the_local_servers_other_lines_are_kept_as_they_are():
    record = logging.LogRecord(
        "waitress", logging.INFO, __file__, 1, "Serving on http://%s:%d", ("127.0.0.1", 8000), None
    )
    assert PathRedaction().filter(record)
    assert record.getMessage() == "Serving on http://127.0.0.1:8000"


def test_the_local_run_installs_the_redaction_on_waitress_logger_once(caplog):
    from registrations.web import access_log

    access_log.install_local()
    access_log.install_local()
    logger = logging.getLogger("waitress")
    assert [type(f) for f in logger.filters].count(PathRedaction) == 1
    with caplog.at_level(logging.INFO, logger="waitress"):
        logger.info("Client disconnected while serving %s", f"/api//mijn-aanmelding/{TOKEN}")
    assert caplog.messages == ["Client disconnected while serving /api/mijn-aanmelding/[link]"]
