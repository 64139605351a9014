"""Guards of every request and answer: where a request may come from, and the headers every answer carries.

- Only through CloudFront: with ORIGIN_SECRET set, a request without CloudFront's secret header is refused, so the
  regional execute-api address serves nothing (it would skip CloudFront's headers and the WAF).
- Same origin: a state-changing request must come from a page of the site (SITE_URL), told by the browser's
  Sec-Fetch-Site and Origin (and Referer, when sent). Not by Host: behind CloudFront, Host is the execute-api host.
- Safe answers: nosniff, frame denial, a CSP, and no caching unless a view chose its own Cache-Control.

Refusals are domain errors, answered by the one map in errors.py.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.wrappers import Response

from ..errors import DirectRequest, ForeignOrigin
from ..settings import Settings

# The header CloudFront adds on its way to the API (infra/template.yaml, the api origin's OriginCustomHeaders).
ORIGIN_SECRET_HEADER = "X-Origin-Verify"  # nosec B105 # the name of the header, not its secret value
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A local run is reached as 127.0.0.1 and as localhost alike.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Sec-Fetch-Site values of a request the site's own pages make ("none": typed or bookmarked by the person, which
# no other site can cause).
OWN_FETCH_SITES = frozenset({"same-origin", "none"})

# The function's pages load only the site's own stylesheet, script and icon, and post only to this origin.
HTML_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# Anything else (JSON, the .ics) is never a document that may load or run something.
OTHER_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def origin_of(url: str) -> str | None:
    """The serialised origin of a URL as a browser sends it in Origin: scheme://host[:port], port only when not
    the scheme's default, lower case. None for a URL that has none: no scheme or host, or one that cannot be
    parsed (a port that is no number or over 65535, an unclosed IPv6 bracket): urlsplit raises ValueError for
    those, and a header must never make that a 500."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not scheme or not host:
        return None
    return f"{scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS.get(scheme) else "")


def allowed_origins(site_url: str) -> frozenset[str]:
    """The origins of the site's own pages: SITE_URL's, and on loopback both of its names."""
    origin = origin_of(site_url)
    if origin is None:
        return frozenset()
    parts = urlsplit(origin)
    if parts.hostname in LOOPBACK_HOSTS:
        port = f":{parts.port}" if parts.port else ""
        return frozenset(f"{parts.scheme}://{host}{port}" for host in LOOPBACK_HOSTS)
    return frozenset({origin})


def is_own_page(
    origin: str | None, fetch_site: str | None, allowed: frozenset[str], referer: str | None = None
) -> bool:
    """Did a page of the site itself send this request?

    `Origin: null` is what Chromium sends for a form on a page with `Referrer-Policy: no-referrer` (the personal
    pages): it is accepted only with the browser's own word that the request is same-origin, because a sandboxed
    frame or a data: URL on another site sends null too. A request with neither header is no modern browser's.
    A Referer, when sent, must be a page of the site too: a browser sends the page the post came from (or
    nothing, under no-referrer). Any header that cannot be parsed is another site's, never an error.
    """
    if fetch_site is not None and fetch_site.lower() not in OWN_FETCH_SITES:
        return False
    if referer and origin_of(referer) not in allowed:
        return False
    if origin is None:
        return fetch_site is not None
    if origin == "null":
        return fetch_site is not None and fetch_site.lower() == "same-origin"
    return origin_of(origin) in allowed


def has_origin_secret(sent: str | None, secret: str) -> bool:
    # Constant time: the comparison must not tell an attacker how much of a guess was right.
    return hmac.compare_digest((sent or "").encode("utf-8"), secret.encode("utf-8"))


def secure_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Content-Security-Policy", HTML_CSP if response.mimetype == "text/html" else OTHER_CSP)
    # Answers carry personal data (a registration, what was typed, a personal page): never stored on the way,
    # unless a view said otherwise (the public .ics).
    response.headers.setdefault("Cache-Control", "no-store")
    # What CloudFront sets for the site; the personal pages set their own no-referrer, which CloudFront keeps.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def install(app: Flask, settings: Settings) -> None:
    site_origins = allowed_origins(settings.site_url) if settings.site_url else None

    @app.before_request
    def only_through_cloudfront() -> None:
        if settings.origin_secret and not has_origin_secret(
            request.headers.get(ORIGIN_SECRET_HEADER), settings.origin_secret
        ):
            raise DirectRequest()

    @app.before_request
    def only_from_own_pages() -> None:
        if request.method not in STATE_CHANGING:
            return
        # Without SITE_URL (only possible with the outbox, never in production) the site is where it was asked.
        host_origin = origin_of(request.host_url)
        allowed = site_origins or frozenset({host_origin} if host_origin else ())
        headers = request.headers
        if not is_own_page(headers.get("Origin"), headers.get("Sec-Fetch-Site"), allowed, headers.get("Referer")):
            raise ForeignOrigin()

    app.after_request(secure_headers)
