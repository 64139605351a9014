"""Blueprint for the papers through the personal link: /api/mijn-aanmelding/<token>/stukken/<name>.

An active registration's current link gets the paper: on AWS a redirect to a presigned S3 link, made on this click
and valid for a few minutes; locally the published file itself. Anything else gets the personal page's Dutch error
page (web/errors.py) and no file. Its statuses (400, 403, 410) are ones CloudFront passes on unchanged: the
distribution replaces a 404 from any origin with the site's own 404 page (infra/template.yaml; a test checks).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect
from flask.typing import ResponseReturnValue

from ..console.files import content_disposition
from ..console.paper_files import content_type
from ..console.papers import check_may_download, find_paper
from ..errors import RegistrationNotFound, RevokedLink, UnknownPaper
from ..mail.confirmation import PERSONAL_PATH
from ..mail.links import PAPERS_SEGMENT
from .personal import keep_private
from .services import services, use

bp = Blueprint("papers", __name__, url_prefix=PERSONAL_PATH)
bp.after_request(keep_private)

# (version, file name) → where the file is: an https link to redirect to, or a local path to send.
PaperLocation = Callable[[int, str], "str | Path"]


@bp.get(f"/<token>/{PAPERS_SEGMENT}/<name>")
def download(token: str, name: str) -> ResponseReturnValue:
    # The link names the meeting: its registration, and its follow-up's papers only.
    chosen = use(services().for_token(token))
    personal_page = chosen.personal_page
    try:
        view = personal_page.view(token)
    except RegistrationNotFound:
        # The link names a registration that a later one of the address replaced: it controls nothing now.
        raise RevokedLink(contact=personal_page.meeting.contact_email) from None
    check_may_download(view["registration"])
    publication = chosen.publication()
    paper = find_paper(publication, name)
    locate: PaperLocation | None = current_app.extensions["paper_locations"](personal_page.meeting.id)
    if publication is None or locate is None:
        raise UnknownPaper()
    where = locate(publication.version, paper.file)
    if isinstance(where, Path):
        if not where.is_file():
            raise UnknownPaper()
        # At most 20 MB, locally only: read whole, so no file handle outlives the request.
        headers = {"Content-Type": content_type(paper.file), "Content-Disposition": content_disposition(paper.file)}
        return Response(where.read_bytes(), 200, headers)
    return redirect(where, code=302)
