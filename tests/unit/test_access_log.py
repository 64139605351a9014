"""Zappa's access line loses the client's address, the query string and the referrer."""

from __future__ import annotations

import logging

import pytest

from registrations.web.access_log import AccessLogRedaction

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
