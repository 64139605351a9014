"""The rules of web/guards.py on their own: which origins are the site's, which requests its own pages sent."""

from __future__ import annotations

import pytest

from registrations.web.guards import allowed_origins, has_origin_secret, is_own_page, origin_of

SITE = allowed_origins("https://netwerkbijeenkomst.vng.nl")
LOCAL = allowed_origins("http://127.0.0.1:8000")


def test_the_origin_of_a_url_is_as_a_browser_sends_it():
    assert origin_of("https://Netwerkbijeenkomst.VNG.nl/") == "https://netwerkbijeenkomst.vng.nl"
    assert origin_of("https://example.org:443/a?b") == "https://example.org"
    assert origin_of("http://127.0.0.1:8000") == "http://127.0.0.1:8000"


def test_a_local_site_is_its_own_origin_by_both_loopback_names_and_only_on_its_port():
    assert LOCAL == {"http://127.0.0.1:8000", "http://localhost:8000"}
    assert SITE == {"https://netwerkbijeenkomst.vng.nl"}


@pytest.mark.parametrize(
    ("origin", "fetch_site", "own"),
    [
        # The site's pages, with JavaScript (fetch) and without (a form post), in every modern browser
        ("https://netwerkbijeenkomst.vng.nl", "same-origin", True),
        # A browser without Sec-Fetch-Site (Safari before 16.4) sends Origin on every post
        ("https://netwerkbijeenkomst.vng.nl", None, True),
        # A page sent with Referrer-Policy: no-referrer (the personal pages): Chromium sends Origin: null
        ("null", "same-origin", True),
        # A browser that sends only Sec-Fetch-Site
        (None, "same-origin", True),
        # Another site, also one under the same registrable domain
        ("https://evil.example", "cross-site", False),
        ("https://evil.example", None, False),
        ("https://www.vng.nl", "same-site", False),
        ("http://netwerkbijeenkomst.vng.nl", "same-origin", False),
        # A sandboxed frame or a data: URL on another site sends null too, but never same-origin
        ("null", "cross-site", False),
        ("null", None, False),
        # The browser's own word beats a matching Origin (a forged header in a cross-site request cannot happen, a
        # proxy that rewrites Origin can)
        ("https://netwerkbijeenkomst.vng.nl", "cross-site", False),
        # Neither header: no browser's post (a script, a robot)
        (None, None, False),
        (None, "cross-site", False),
    ],
)
def test_is_own_page(origin, fetch_site, own):
    assert is_own_page(origin, fetch_site, SITE) is own


def test_on_loopback_both_names_are_the_site_but_another_port_is_not():
    assert is_own_page("http://localhost:8000", "same-origin", LOCAL)
    assert is_own_page("http://127.0.0.1:8000", "same-origin", LOCAL)
    assert not is_own_page("http://127.0.0.1:8001", "same-site", LOCAL)
    assert not is_own_page("http://127.0.0.1:8001", None, LOCAL)


def test_the_origin_secret_must_match_exactly():
    secret = "a" * 40
    assert has_origin_secret(secret, secret)
    assert not has_origin_secret(None, secret)
    assert not has_origin_secret("", secret)
    assert not has_origin_secret("a" * 39, secret)
    assert not has_origin_secret(secret + "a", secret)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:abc", "http://127.0.0.1:65536", "http://[::1", "http://127.0.0.1:8000.evil.example", ":+8000"],
)
def test_a_url_that_cannot_be_parsed_has_no_origin_and_is_never_the_sites(url):
    assert origin_of(url) is None
    assert not is_own_page(url, "same-origin", LOCAL)
    assert not is_own_page(url, None, LOCAL)
    assert not is_own_page("http://127.0.0.1:8000", "same-origin", LOCAL, referer=url + "/aanmelden/")


def test_a_referer_must_be_a_page_of_the_site_when_it_is_sent():
    assert is_own_page("http://127.0.0.1:8000", "same-origin", LOCAL, referer="http://localhost:8000/aanmelden/")
    assert is_own_page("http://127.0.0.1:8000", "same-origin", LOCAL, referer=None)
    assert not is_own_page("http://127.0.0.1:8000", "same-origin", LOCAL, referer="https://evil.example/")
    assert not is_own_page(None, "same-origin", LOCAL, referer="https://evil.example/")
