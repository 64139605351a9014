"""The embedded default: dynalite on loopback, the table, the built site and /api on one origin.

`make run` (dev/run.py) is built from these pieces. The test fixtures use the same `Dynalite` and `site_and_api`,
so the tests exercise exactly what a newcomer runs.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

from botocore.exceptions import ClientError

from ..owner_only import FILE_MODE, UMASK, private_folder, write_private
from ..repository import TABLE_SCHEMA
from .paths import refused, slash_location
from .worker import SWEEP_INTERVAL, LocalWorker

PROJECT_ROOT = Path(os.environ.get("PROJECT_ROOT") or Path(__file__).resolve().parents[3])
DYNALITE_CLI = PROJECT_ROOT / "node_modules" / "dynalite" / "cli.js"
LOCAL_REGION = "eu-central-1"
LOCAL_TABLE = "registrations-local"

log = logging.getLogger("registrations.dev.local")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float = 15.0, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with code {process.returncode} before listening on port {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def use_local_credentials() -> None:
    """dynalite accepts any credentials; set dummy ones only where none are configured."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")


class Dynalite:
    """A real dynalite process on loopback. With a data folder its LevelDB store survives restarts.

    LevelDB allows one process per folder, so with `endpoint_file` the running endpoint is written there while it
    runs: the staff command (`registrations`) then talks to this dynalite instead of opening the folder itself.
    """

    def __init__(self, data_dir: Path | None = None, port: int | None = None, endpoint_file: Path | None = None):
        self.data_dir = data_dir
        self.port = port or free_port()
        self.endpoint_file = endpoint_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Dynalite:
        node = shutil.which("node")
        if node is None or not DYNALITE_CLI.exists():
            raise RuntimeError("dynalite is not installed: run `npm ci` (make run and make test do this)")
        args = [
            node,
            str(DYNALITE_CLI),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--createTableMs",
            "0",
            "--deleteTableMs",
            "0",
            "--updateTableMs",
            "0",
        ]
        if self.data_dir is not None:
            private_folder(self.data_dir)
            args += ["--path", str(self.data_dir)]
        # The store holds every registration: LevelDB's files are made owner-only.
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # nosec B603 # fixed argv (node, dynalite), no shell
            start_new_session=True,
            umask=UMASK,
        )
        wait_for_port(self.port, process=self.process)
        if self.endpoint_file is not None:
            self.endpoint_file.parent.mkdir(parents=True, exist_ok=True)
            self.endpoint_file.write_text(
                json.dumps({"endpoint": self.endpoint, "pid": self.process.pid}), encoding="utf-8"
            )
        return self

    def stop(self) -> None:
        if self.endpoint_file is not None:
            self.endpoint_file.unlink(missing_ok=True)
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Dynalite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def build_site(site_dir: Path = PROJECT_ROOT / "site", env: dict[str, str] | None = None) -> Path:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site_dir)],  # nosec B603 # fixed argv, no shell
        cwd=PROJECT_ROOT,
        check=True,
        env=env,
    )
    return site_dir


def site_and_api(site_dir: Path, api_app: WSGIApplication) -> WSGIApplication:
    """One WSGI origin: /api/* goes to Flask, everything else is a file from the built site.

    Directory URLs resolve to their index.html, as CloudFront does in production, and the same paths are refused
    (paths.py, the twin of the CloudFront function).
    """
    root = site_dir.resolve()

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
        start_response(
            status, [("Content-Type", ctype), ("Content-Length", str(len(body))), ("Cache-Control", "no-cache")]
        )
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    return app


DATA_DIR = PROJECT_ROOT / ".data"
# Where `make run` says which endpoint its dynalite listens on, while it runs (read by the staff command).
ENDPOINT_FILE_NAME = "dynalite.endpoint"
LOCAL_SENDER = "VNG netwerkbijeenkomst <netwerkbijeenkomst@vng.example>"


def local_token_secret(data_dir: Path = DATA_DIR) -> str:
    """A random secret for the management links, made once and kept with the local data."""
    path = data_dir / "token-secret"
    private_folder(data_dir)
    if not path.exists():
        import secrets

        write_private(path, secrets.token_urlsafe(32).encode("ascii"))
    # One made by an older version may be readable by others.
    path.chmod(FILE_MODE)
    return path.read_text(encoding="utf-8").strip()


def local_config(
    dynalite: Dynalite, table: str = LOCAL_TABLE, data_dir: Path = DATA_DIR, port: int | None = None
) -> dict[str, Any]:
    return {
        "REGISTRATIONS_TABLE": table,
        "AWS_REGION": LOCAL_REGION,
        "DYNAMODB_ENDPOINT": dynalite.endpoint,
        "SITE_URL": f"http://127.0.0.1:{port or os.environ.get('PORT', '8000')}",
        "TOKEN_SECRET": local_token_secret(data_dir),
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX": str(data_dir / "outbox"),
        "MAIL_SENDER": LOCAL_SENDER,
    }


def ensure_table(resource: Any, table_name: str) -> None:
    """Create the table if it is missing (local bootstrap and tests; on AWS, infra/ creates it)."""
    client = resource.meta.client
    try:
        described = client.describe_table(TableName=table_name)["Table"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    else:
        add_missing_indexes(client, table_name, described)
        return
    try:
        client.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST", **TABLE_SCHEMA)
    except ClientError as exc:
        # Two starters racing to create it is fine.
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})


def add_missing_indexes(client: Any, table_name: str, described: dict[str, Any]) -> None:
    """A local store made before an index was added to table_schema.json gets it now. dynalite accepts an index
    in UpdateTable but never builds it, so the table is made again with its items copied over (local data only;
    on AWS the stack update adds the index)."""
    present = {index["IndexName"] for index in described.get("GlobalSecondaryIndexes", [])}
    if {index["IndexName"] for index in TABLE_SCHEMA.get("GlobalSecondaryIndexes", [])} <= present:
        return
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table_name}
    while True:
        page = client.scan(**request)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    client.delete_table(TableName=table_name)
    client.get_waiter("table_not_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    client.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST", **TABLE_SCHEMA)
    client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    for item in items:
        client.put_item(TableName=table_name, Item=item)
    log.info("local table %s made again with its index; %d items copied", table_name, len(items))


def prepare_table(config: dict[str, Any]) -> None:
    from ..repository import dynamodb_resource

    ensure_table(dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]), config["REGISTRATIONS_TABLE"])


def app_with_worker(
    config: dict[str, Any], interval: float = SWEEP_INTERVAL, publications: Any = None, **doubles: Any
) -> tuple[Flask, LocalWorker]:
    """The app and its started local deliverer, woken after each write (make run, the browser tests).

    And the console flow: a vervolgmail.toml dropped into .data/exports/vervolgmail/ is checked as on AWS, and
    published (publication.py, or the stand-in `publications` of a test) with its papers under .data/gepubliceerd/.
    """
    from .. import create_app, create_deliverer
    from ..console_store import FolderConsoleStore
    from ..console_wiring import make_flow
    from ..event import load_event
    from ..settings import Settings, make_clock
    from ..spreadsheet import refresh_spreadsheet
    from ..staff_alert import check_staff_alert
    from .uploads import UploadWatch

    settings = Settings.from_env({**os.environ, **config})
    if doubles.get("clock") is None:
        # One clock for both, so the preview clock is made (and announced) once.
        timezone = load_event().timezone
        doubles["clock"] = make_clock(settings.preview_now, timezone, on_lambda=settings.on_lambda)
        if settings.preview_now:
            # A test or a benchmark may move it through a file in the data folder (dev/clock_file.py).
            from .clock_file import FILE_NAME, FileClock

            path = Path(config["MAIL_OUTBOX"]).parent / FILE_NAME
            doubles["clock"] = FileClock(path, doubles["clock"], timezone)
    deliverer = create_deliverer(config, **doubles)
    # The same three files as the export bucket on AWS, in .data/exports/ (owner-only), shortly after a change.
    exports = Path(config["MAIL_OUTBOX"]).parent / "exports"

    store = FolderConsoleStore(exports, Path(config["MAIL_OUTBOX"]).parent / "gepubliceerd")
    flow = make_flow(deliverer, store.prepare(), publications)

    def refresh() -> None:
        refresh_spreadsheet(deliverer.repository, deliverer.event, settings, deliverer.clock(), local_dir=exports)
        flow.report_progress()
        # The staff alert as on AWS, into the outbox.
        check_staff_alert(deliverer.repository, deliverer.event, settings, deliverer.clock())

    worker = LocalWorker(deliverer, interval=interval, after_round=refresh).start()
    worker.uploads = UploadWatch(store.uploads, flow, after=worker.wake).start()
    app = create_app(
        config, on_write=worker.wake, publication=flow.publications.current, paper_location=store.path_of, **doubles
    )
    return app, worker
