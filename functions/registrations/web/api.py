"""Blueprint /api: HTTP in and out only. It parses the request, calls the service and renders the answer."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..errors import UnknownMeeting
from ..mail import ics
from ..mail.confirmation import ConfirmationMailer
from ..meeting import Meeting, Meetings, page_path
from ..meeting.addresses import CONFIRMATION
from ..registration.item import public_registration
from ..registration.registering import Registering
from . import honeypot
from .errors import FORM_CONTENT_TYPES
from .services import services, use

bp = Blueprint("api", __name__, url_prefix="/api")


def confirmation_path(meeting: Meeting) -> str:
    """The site's confirmation page of the meeting, where a form post without JavaScript lands."""
    return page_path(meeting.id, CONFIRMATION)


def service() -> Registering:
    registering: Registering = current_app.extensions["registrations"]
    return registering


# How deep a JSON body may nest: a registration is one flat object (depth 1); some room for clients that wrap it.
MAX_JSON_DEPTH = 8


def json_depth(body: bytes) -> int:
    """The deepest nesting of [ and { in a JSON text, outside strings; cheap on the 16 kB a body may have."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def submitted_fields() -> dict[str, Any]:
    """The request body as a flat mapping of field names, from JSON or an ordinary form post."""
    if request.mimetype == "application/json":
        body = request.get_data(cache=True)
        if json_depth(body) > MAX_JSON_DEPTH:
            # A registration is one flat object. Deeper is never ours; refused before parsing, whatever this
            # Python's parser would manage (3.11 gives up near 1,000 levels, 3.13 goes much further).
            raise BadRequest()
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            # Not JSON, not UTF-8, a number too long to convert, or nested deeper than the parser goes: a 400,
            # never a 500. (RecursionError is not a ValueError, so Flask's get_json(silent=True) lets it through.)
            raise BadRequest() from None
        if not isinstance(data, dict):
            raise BadRequest()
        return data
    if request.mimetype in FORM_CONTENT_TYPES:
        return request.form.to_dict()
    raise UnsupportedMediaType()


@bp.get("/health")
def health() -> Response:
    return jsonify(status="ok")


def meetings() -> Meetings:
    catalogue: Meetings = current_app.extensions["meetings"]
    return catalogue


def meeting_named(meeting_id: str) -> Meeting:
    meeting = meetings().get(meeting_id)
    if meeting is None:
        raise UnknownMeeting()
    return meeting


def meeting_answer(meeting: Meeting) -> Response:
    """A meeting's public facts, whether registration is open now, and the choices of its form. `event` is the
    published API's name for the meeting (api/openapi.yaml), in /api/event and in the answer."""
    now = service().clock()
    return jsonify(
        event=meeting.public_facts(),
        # A called-off meeting closes registration (Meeting.is_registration_open) and says why.
        registration={
            "open": meeting.is_registration_open(now),
            "closes_at": meeting.registration_closes_at.isoformat(),
            "meeting_cancelled": meeting.cancelled,
            "notice": meeting.cancelled_text,
        },
        choices={
            "organisations": [{"value": c.value, "label": c.label} for c in meeting.organisation_choices],
            "roles": [{"value": c.value, "label": c.label} for c in meeting.roles],
        },
    )


def calendar_answer(meeting: Meeting) -> Response:
    """ "Zet in agenda": the meeting as an .ics (PUBLISH) with the meeting's one UID, the same UID every email's
    entry carries, so adding both gives one entry in a calendar."""
    mailer: ConfirmationMailer = current_app.extensions["mailer"]
    calendar = ics.meeting_calendar(meeting, ics.event_uid(meeting), service().clock(), mailer.site_url)
    return Response(
        calendar,
        headers={
            "Content-Type": ics.CONTENT_TYPE,
            "Content-Disposition": f'attachment; filename="{ics.filename(meeting)}"',
            "Cache-Control": "public, max-age=300",
        },
    )


# The addresses of before there were several meetings: the meeting of the old addresses (the letter's).
@bp.get("/event")
def event() -> Response:
    return meeting_answer(service().meeting)


@bp.get("/event.ics")
def event_calendar() -> Response:
    return calendar_answer(service().meeting)


# Any meeting, by its id (its folder's name, which never holds a dot): Werkzeug prefers the rule with `.ics` for a
# path that ends in it, whatever the order here.
@bp.get("/bijeenkomsten/<meeting_id>.ics")
def meeting_calendar(meeting_id: str) -> Response:
    return calendar_answer(meeting_named(meeting_id))


@bp.get("/bijeenkomsten/<meeting_id>")
def meeting_facts(meeting_id: str) -> Response:
    return meeting_answer(meeting_named(meeting_id))


@bp.post("/registrations")
def create_registration() -> ResponseReturnValue:
    fields = submitted_fields()
    # The meeting first: an id that is no meeting's is refused before anything else (nothing stored either way).
    chosen = use(services().for_post(fields.get("meeting")))
    if honeypot.is_filled(fields):
        # Counted before the fields are checked: a robot that sends nonsense is a robot too.
        honeypot.record()
        current_app.extensions["metrics"].refusal("honeypot")
        body = honeypot.decoy(chosen.registering, fields)
        if request.mimetype in FORM_CONTENT_TYPES:
            return redirect(confirmation_path(chosen.meeting), code=303)
        return jsonify(body), 201
    item = chosen.registering.register(fields)
    current_app.extensions["metrics"].registration_stored()
    if request.mimetype in FORM_CONTENT_TYPES:
        return redirect(confirmation_path(chosen.meeting), code=303)
    # The confirmation email is owed; the deliverer sends it after this answer.
    return jsonify(registration=public_registration(item)), 201
