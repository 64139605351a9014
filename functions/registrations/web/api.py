"""Blueprint /api: HTTP in and out only. It parses the request, calls the service and renders the answer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..items import public_registration
from ..mail import ics
from ..mail.confirmation import ConfirmationMailer
from ..registering import Registering
from .errors import FORM_CONTENT_TYPES

bp = Blueprint("api", __name__, url_prefix="/api")

CONFIRMATION_PATH = "/aanmelden/bevestiging/"


def service() -> Registering:
    registering: Registering = current_app.extensions["registrations"]
    return registering


def submitted_fields() -> dict[str, Any]:
    """The request body as a flat mapping of field names, from JSON or an ordinary form post."""
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadRequest()
        return data
    if request.mimetype in FORM_CONTENT_TYPES:
        return request.form.to_dict()
    raise UnsupportedMediaType()


@bp.get("/health")
def health() -> Response:
    return jsonify(status="ok")


@bp.get("/event")
def event() -> Response:
    svc = service()
    return jsonify(
        event=svc.event.public_facts(),
        registration=svc.registration_state(),
        choices={
            "organisations": [{"value": c.value, "label": c.label} for c in svc.event.organisation_choices],
            "roles": [{"value": c.value, "label": c.label} for c in svc.event.roles],
        },
    )


@bp.get("/event.ics")
def event_calendar() -> Response:
    """"Zet in agenda": the meeting as an .ics with the event's own UID (each confirmation carries one of its own)."""
    svc = service()
    mailer: ConfirmationMailer = current_app.extensions["mailer"]
    return Response(
        mailer.calendar(svc.clock()),
        headers={
            "Content-Type": ics.CONTENT_TYPE,
            "Content-Disposition": f'attachment; filename="{ics.filename(svc.event)}"',
            "Cache-Control": "public, max-age=300",
        },
    )


@bp.post("/registrations")
def create_registration() -> ResponseReturnValue:
    fields = submitted_fields()
    item = service().register(fields)
    if request.mimetype in FORM_CONTENT_TYPES:
        return redirect(CONFIRMATION_PATH, code=303)
    # The confirmation email is owed; the deliverer sends it after this answer.
    return jsonify(registration=public_registration(item)), 201
