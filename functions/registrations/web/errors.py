"""The one map from domain exceptions (and HTTP-level errors) to responses.

JSON clients get `{"error": {"code", "message", "fields"}}`. A plain HTML form post (no JavaScript) gets an
accessible Dutch page that lists the errors and shows the form again with everything the person typed.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import (
    ChangesClosed,
    DirectRequest,
    DuplicateRegistration,
    ExpiredLink,
    ForeignLink,
    ForeignOrigin,
    InvalidLink,
    InvalidRegistration,
    MeetingCancelled,
    PapersOnlyForRegistrants,
    RegistrationCancelled,
    RegistrationClosed,
    RegistrationError,
    RegistrationNotFound,
    StoreUnavailable,
    UnknownMeeting,
    UnknownPaper,
)
from ..mail.confirmation import PERSONAL_PATH
from ..observability.logs import fields

log = logging.getLogger(__name__)

# Every answer this module (and the personal page) makes: the body, the status and the headers.
Answer = tuple[str | Response, int, dict[str, str]]
HTML = {"Content-Type": "text/html; charset=utf-8"}

STATUS = {
    InvalidRegistration: 400,
    InvalidLink: 400,
    ForeignLink: 400,
    RegistrationClosed: 403,
    MeetingCancelled: 403,
    ChangesClosed: 403,
    ForeignOrigin: 403,
    DirectRequest: 403,
    RegistrationNotFound: 404,
    UnknownMeeting: 404,
    DuplicateRegistration: 409,
    RegistrationCancelled: 409,
    ExpiredLink: 410,
    StoreUnavailable: 503,
    # The papers through the personal link (web/papers.py): statuses CloudFront passes on, never a 404.
    PapersOnlyForRegistrants: 403,
    UnknownPaper: 410,
}

# The refusals counted as metrics (observability.metrics.REFUSAL_KINDS), by the error that refused.
REFUSAL_KIND = {
    InvalidRegistration: "invalid",
    DuplicateRegistration: "duplicate",
    RegistrationClosed: "closed",
    MeetingCancelled: "closed",
    ChangesClosed: "closed",
    ForeignOrigin: "foreign_origin",
    DirectRequest: "direct_request",
}

# Headings of the personal page's error page, per error code.
MANAGE_HEADINGS = {
    "invalid_link": "Deze link werkt niet",
    "foreign_link": "Deze link werkt niet",
    "revoked_link": "Deze link werkt niet meer",
    "link_expired": "Deze link is verlopen",
    "changes_closed": "Wijzigen kan niet meer",
    "cancelled": "Uw aanmelding is al geannuleerd",
    "not_found": "Aanmelding niet gevonden",
    "papers_cancelled": "De stukken zijn alleen voor wie is aangemeld",
    "unknown_paper": "Dit stuk is er niet",
    "store_unavailable": "Even niet beschikbaar",
    "foreign_origin": "Niet verstuurd",
    "direct_request": "Niet verstuurd",
}
# The page does not show the form again with what was sent: for the refusals of where a request came from, because
# the person never typed it on this site; for an unknown meeting, because there is no form of that meeting.
NO_FORM_AGAIN = ("foreign_origin", "direct_request", "unknown_meeting")

# HTTP-level failures a client can cause, in Dutch.
HTTP_MESSAGES = {
    400: ("bad_request", "Het verzoek kon niet worden gelezen. Vul het formulier opnieuw in en verstuur het nog eens."),
    404: ("not_found", "Deze pagina of dit adres bestaat niet."),
    405: ("method_not_allowed", "Dit adres werkt niet op deze manier."),
    413: (
        "too_large",
        "Wat u verstuurde is te groot (meer dan 16 kB). Maak uw opmerking korter en probeer het opnieuw.",
    ),
    415: ("unsupported_media_type", "Dit soort gegevens wordt niet ondersteund. Gebruik het aanmeldformulier."),
}
UNEXPECTED = ("internal_error", "Er ging bij ons iets mis. Probeer het later opnieuw.")

# Only what a plain <form method="post"> sends; files are never asked for.
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded",)


def wants_html() -> bool:
    """A browser without JavaScript posted the form itself: answer with a page, not JSON."""
    return request.mimetype in FORM_CONTENT_TYPES or (
        request.method == "GET" and request.accept_mimetypes.best == "text/html"
    )


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def is_personal_page() -> bool:
    """A request for the personal page (the link in the email): it is always answered with a page."""
    return request.path == PERSONAL_PATH or request.path.startswith(PERSONAL_PATH + "/")


def render_personal_error(status: int, code: str, message: str) -> Answer:
    """The personal page's own error page (a form the person filled in is re-rendered by web/personal.py)."""
    if status == 503:
        message = StoreUnavailable.reading_message
    heading = MANAGE_HEADINGS.get(code, "Er ging iets mis")
    html = render_template("personal_error.html", status=status, code=code, heading=heading, message=message)
    return html, status, dict(HTML)


def render_error(status: int, code: str, message: str, fields: dict[str, str] | None = None) -> Answer:
    if is_personal_page():
        return render_personal_error(status, code, message)
    if wants_html():
        form = None if code in NO_FORM_AGAIN else _submitted_form()
        html = render_template(
            "form_error.html", status=status, code=code, message=message, fields=fields or {}, form=form
        )
        return html, status, dict(HTML)
    return jsonify(error_body(code, message, fields)), status, {}


def _submitted_form() -> dict[str, str]:
    # Reading the form again is safe: Werkzeug caches it, and a failure here must not hide the real error.
    try:
        return {k: v for k, v in request.form.items()} if request.mimetype in FORM_CONTENT_TYPES else {}
    except Exception:  # noqa: BLE001 - an unreadable body leaves an empty form, never a 500
        return {}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RegistrationError)
    def domain_error(exc: RegistrationError) -> Answer:
        status = STATUS.get(type(exc), 400)
        kind = REFUSAL_KIND.get(type(exc))
        if kind is not None:
            current_app.extensions["metrics"].refusal(kind)
            log.info("request refused: %s", kind, extra=fields(outcome=kind))
        if isinstance(exc, StoreUnavailable):
            log.warning("store unavailable: %s", type(exc.__cause__).__name__)
            response = render_error(status, exc.code, exc.message, exc.fields)
            return with_retry_after(response)
        return render_error(status, exc.code, exc.message, exc.fields)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Answer:
        status = exc.code or 500
        code, message = HTTP_MESSAGES.get(status, UNEXPECTED)
        return render_error(status if status in HTTP_MESSAGES else 500, code, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Answer:
        # Only the type: the message of an unexpected error may carry personal data.
        log.error("unexpected error: %s", type(exc).__name__, exc_info=False)
        return render_error(500, *UNEXPECTED)


def with_retry_after(answer: Answer) -> Answer:
    """A 503 says when to try again: a minute."""
    body, status, headers = answer
    return body, status, {**headers, "Retry-After": "60"}
