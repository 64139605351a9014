"""The embedded default: dynalite (local/dynalite.py), the built site and /api on one origin.

`make run` (dev/run.py) is built from these pieces. The test fixtures use the same `Dynalite` and `site_and_api`,
so the tests exercise exactly what a newcomer runs.
"""

from __future__ import annotations

import functools
import mimetypes
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

    from ..console.flow import ConsoleFlow
    from ..delivery.deliverer import Deliverer
    from ..settings import Clock, Settings

from ..local.dynalite import PROJECT_ROOT
from ..meeting import Meeting, default_meetings, old_addresses
from .paths import moved_location, refused, slash_location
from .worker import SWEEP_INTERVAL, LocalWorker


def build_site(site_dir: Path = PROJECT_ROOT / "site", env: dict[str, str] | None = None) -> Path:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site_dir)],  # nosec B603 # fixed argv, no shell
        cwd=PROJECT_ROOT,
        check=True,
        env=env,
    )
    return site_dir


def site_and_api(
    site_dir: Path, api_app: WSGIApplication, meetings: Iterable[Meeting] | None = None
) -> WSGIApplication:
    """One WSGI origin: /api/* goes to Flask, everything else is a file from the built site.

    Directory URLs resolve to their index.html, as CloudFront does in production, the same paths are refused and
    the old addresses redirect to the same pages of the letter's meeting (paths.py, the twin of the CloudFront
    function); `meetings`: by default the Flask app's own (app.extensions), else those of MEETINGS_DIR.
    """
    root = site_dir.resolve()
    if meetings is None:
        meetings = getattr(api_app, "extensions", {}).get("meetings") or default_meetings()
    moved = old_addresses(meetings)

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/api" or path.startswith("/api/"):
            return api_app(environ, start_response)
        # As sent, before waitress decoded it into PATH_INFO; a bare WSGI environ, or a request line with a full
        # URL (absolute form), has only the path that PATH_INFO holds.
        raw_path = environ.get("REQUEST_URI", "").split("?", 1)[0]
        if not raw_path.startswith("/"):
            raw_path = path
        if refused(raw_path):
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Dit adres bestaat niet op deze site."]
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Content-Type", "text/plain; charset=utf-8"), ("Allow", "GET")])
            return [b"Method Not Allowed"]
        location = moved_location(raw_path, environ.get("QUERY_STRING", ""), moved)
        if location is not None:
            start_response("301 Moved Permanently", [("Location", location)])
            return [b""]
        return _site_file(root, path, raw_path, environ, start_response)

    return app


def _local_clock(settings: Settings, data_dir: Path) -> Clock:
    """The clock of `make run`: the preview moment (PREVIEW_NOW), which a test or a benchmark may move through a file
    in the data folder (dev/clock_file.py), or else the real time."""
    from ..meeting import default_meetings
    from ..settings import make_clock

    # Every meeting is Dutch: the letter meeting's time zone reads a PREVIEW_NOW without one.
    env = {"MEETINGS_DIR": settings.meetings_dir} if settings.meetings_dir else {}
    timezone = default_meetings(env).letter_meeting.timezone
    clock = make_clock(settings.preview_now, timezone, on_lambda=settings.on_lambda)
    if not settings.preview_now:
        return clock
    from .clock_file import FILE_NAME, FileClock

    return FileClock(data_dir / FILE_NAME, clock, timezone)


def _site_file(
    root: Path, path: str, raw_path: str, environ: WSGIEnvironment, start_response: StartResponse
) -> Iterable[bytes]:
    """A file of the built site: a directory's index.html (its slash added by a redirect first), else 404.html."""
    target = (root / path.lstrip("/")).resolve()
    if target.is_dir():
        if not path.endswith("/"):
            location = slash_location(raw_path, environ.get("QUERY_STRING", ""))
            start_response("301 Moved Permanently", [("Location", location)])
            return [b""]
        target = target / "index.html"
    if root not in target.parents or not target.is_file():
        target, status = root / "404.html", "404 Not Found"
        if not target.is_file():
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Niet gevonden"]
    else:
        status = "200 OK"
    body = target.read_bytes()
    ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "application/json", "image/svg+xml"):
        ctype += "; charset=utf-8"
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body))), ("Cache-Control", "no-cache")])
    return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]


def app_with_worker(
    config: dict[str, Any], interval: float = SWEEP_INTERVAL, publications: Any = None, **doubles: Any
) -> tuple[Flask, LocalWorker]:
    """The app and its started local deliverers (every meeting's), woken after each write (make run, the browser
    tests).

    And the console flow: a vervolgmail.toml dropped into .data/exports/<id>/vervolgmail/ is checked as on AWS, and
    published (delivery/publication.py, or the stand-in `publications` of a test) with its papers under
    .data/gepubliceerd/<id>/.
    """
    from .. import create_app, create_deliverers
    from ..console.files import FolderConsoleFiles
    from ..console.wiring import local_upload_handler, make_flow
    from ..settings import Settings
    from .uploads import UploadWatch

    settings = Settings.from_env({**os.environ, **config})
    if doubles.get("clock") is None:
        # One clock for both, so the preview clock is made (and announced) once.
        doubles["clock"] = _local_clock(settings, Path(config["MAIL_OUTBOX"]).parent)
    deliverers = create_deliverers(config, **doubles)
    # .data/exports/ stands in for the export bucket: per meeting, the spreadsheet's three files (owner-only,
    # refreshed shortly after a change) and the console's vervolgmail/; .data/gepubliceerd/<id>/ the published papers.
    exports = Path(config["MAIL_OUTBOX"]).parent / "exports"
    published = Path(config["MAIL_OUTBOX"]).parent / "gepubliceerd"
    letter = deliverers.letter
    files = FolderConsoleFiles(exports, published, letter.meeting.id)
    flow = make_flow(letter, files.prepare(), publications)

    def refresh() -> None:
        # After each round, per meeting it swept, as on AWS (lambda_handler/).
        for deliverer in deliverers.last_swept:
            if deliverer is letter:
                _after_round(deliverer, settings, exports, flow)
            else:
                own = FolderConsoleFiles(exports, published, deliverer.meeting.id).prepare()
                _after_round(deliverer, settings, exports, make_flow(deliverer, own))

    worker = LocalWorker(deliverers, interval=interval, after_round=refresh).start()
    uploads = local_upload_handler(deliverers.for_meeting, exports, published, publications, letter.clock)
    worker.uploads = UploadWatch(exports, uploads, after=worker.wake).start()
    app = create_app(
        config,
        on_write=worker.wake,
        publication=flow.publications.current,
        paper_location=files.path_of,
        paper_locations=lambda meeting_id: FolderConsoleFiles(exports, published, meeting_id).path_of,
        **doubles,
    )
    return app, worker


def _after_round(deliverer: Deliverer, settings: Settings, exports: Path, flow: ConsoleFlow | None) -> None:
    """The meeting's spreadsheet, the follow-up's progress and the staff alert (into the outbox), from one read of
    its registrations, as on AWS."""
    from ..delivery.staff_alert import check_staff_alert
    from ..reports.spreadsheet import refresh_spreadsheet

    items = functools.cache(lambda: list(deliverer.repository.for_event(deliverer.meeting.id)))
    now = deliverer.clock()
    refresh_spreadsheet(deliverer.repository, deliverer.meeting, settings, now, local_dir=exports, items=items)
    if flow is not None:
        flow.report_progress(items)
    check_staff_alert(deliverer.repository, deliverer.meeting, settings, deliverer.clock())
