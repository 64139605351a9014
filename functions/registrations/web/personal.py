"""Blueprint for the personal link: view, change or cancel a registration, as server-rendered pages.

Plain HTML forms with the POST/redirect/GET pattern, so everything works with JavaScript on and off alike. The
token in the path is the only key; errors (bad links, closed changes, validation) are mapped in errors.py.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from ..errors import InvalidLink, InvalidRegistration, StoreUnavailable
from ..mail.confirmation import PERSONAL_PATH
from ..mail.links import PaperLink, paper_links
from ..meeting import OTHER_ORGANISATION
from ..registration.item import is_active
from ..registration.moments import moment_text
from ..registration.personal import ChangeAttempt, PersonalPage
from ..repository import StoredRegistration
from .errors import HTML, STATUS, Answer, with_retry_after
from .services import current, services, use

log = logging.getLogger(__name__)

bp = Blueprint("personal", __name__, url_prefix=PERSONAL_PATH)

NOTICES = {
    "opgeslagen": "Uw wijzigingen zijn opgeslagen.",
    "geannuleerd": "Uw aanmelding is geannuleerd.",
}


def service(token: str) -> PersonalPage:
    """The personal page of the meeting the link names; a link that names none is a bad link (InvalidLink)."""
    return use(services().for_token(token)).personal_page


@bp.after_request
def keep_private(response: Response) -> Response:
    # The path holds a personal key: no caching, no Referer to anywhere, no search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def form_values(item: StoredRegistration) -> dict[str, str]:
    """The stored registration as the form's field values."""
    code = item.get("organisation_code", "")
    return {
        "given_name": item.get("given_name", ""),
        "family_name": item.get("family_name", ""),
        "email": item.get("email", ""),
        "organisation": code,
        "organisation_other": item.get("organisation", "") if code == OTHER_ORGANISATION else "",
        "role": item.get("role_code", ""),
        "on_behalf_of": item.get("on_behalf_of", ""),
        "remark": item.get("remark", ""),
    }


def published_papers(personal_url: str, item: Mapping[str, Any]) -> tuple[PaperLink, ...]:
    """The papers as published now for the link's meeting, for an active registration only; files through this
    personal link."""
    publication = current().publication() if is_active(item) else None
    return paper_links(personal_url, publication.papers) if publication is not None else ()


def render_personal_page(
    token: str,
    view: Mapping[str, Any],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str = "",
    problem: str = "",
    status: int = 200,
    papers: tuple[PaperLink, ...] = (),
) -> Answer:
    """`papers`: only on the page itself (GET); a page shown again after a failed change makes no further call."""
    item = view["registration"]
    personal_url = url_for("personal.view", token=token)
    html = render_template(
        "personal.html",
        view=view,
        registration=item,
        values={**(values if values is not None else form_values(item)), "email": item["email"]},
        errors=errors or {},
        notice=notice,
        problem=problem,
        personal_url=personal_url,
        papers=papers,
        cancelled_text=moment_text(item.get("cancelled_at"), current().meeting),
        changed_text=moment_text(item.get("changed_at"), current().meeting),
    )
    return html, status, dict(HTML)


@bp.get("/<token>")
def view(token: str) -> Answer:
    notice = next((text for key, text in NOTICES.items() if key in request.args), "")
    shown = service(token).view(token)
    papers = published_papers(url_for("personal.view", token=token), shown["registration"])
    return render_personal_page(token, shown, notice=notice, papers=papers)


@bp.post("/<token>")
def change(token: str) -> ResponseReturnValue:
    form = request.form.to_dict()
    attempt = ChangeAttempt()
    page = service(token)
    # Either failure shows the same page again with every value typed, made from the form and what the change
    # had read: no second store call, which in a hang would wait out the bound again and lose what was typed.
    try:
        page.change(token, form, attempt)
    except InvalidRegistration as exc:
        # With the summary and the inline messages.
        unsaved = page.unsaved_view(attempt)
        return render_personal_page(token, unsaved, values=form, errors=exc.fields, status=STATUS[type(exc)])
    except StoreUnavailable as exc:
        log.warning("store unavailable while changing: %s", type(exc.__cause__).__name__)
        unsaved = page.unsaved_view(attempt)
        answer = render_personal_page(
            token, unsaved, values=form, problem=StoreUnavailable.change_message, status=STATUS[type(exc)]
        )
        return with_retry_after(answer)
    return redirect(url_for("personal.view", token=token, opgeslagen=1), code=303)


@bp.get("/<token>/annuleren")
def confirm_cancel(token: str) -> ResponseReturnValue:
    view_data = service(token).view(token)
    if not view_data["can_change"]:
        # Cancelled already, or the meeting has started: the main page says which.
        return redirect(url_for("personal.view", token=token), code=303)
    html = render_template(
        "personal_cancel.html",
        registration=view_data["registration"],
        personal_url=url_for("personal.view", token=token),
    )
    return html, 200, dict(HTML)


@bp.post("/<token>/annuleren")
def cancel(token: str) -> ResponseReturnValue:
    service(token).cancel(token)
    return redirect(url_for("personal.view", token=token, geannuleerd=1), code=303)


@bp.route("/", methods=["GET", "POST"], strict_slashes=False)
@bp.route("/<path:rest>", methods=["GET", "POST"])
def no_token(rest: str = "") -> ResponseReturnValue:
    # A link cut short or glued to other text: the same clear page as a tampered token.
    raise InvalidLink(contact=current().meeting.contact_email)
