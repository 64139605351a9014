"""The local DynamoDB: dynalite on loopback, its data folder, the endpoint file and the table's bootstrap; and the
function's settings for a local run against it (local_config).

`make run` (dev/) and the staff command (staff/table.py) both use it, so that the staff command needs nothing of
the local runner. The table's bootstrap here is the one place outside repository/ that calls DynamoDB's API
(import contract, pyproject.toml): it creates the local table from table_schema.json, and makes it again when an
index is missing.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from ..repository import TABLE_SCHEMA
from .owner_only import FILE_MODE, UMASK, private_folder, write_private

PROJECT_ROOT = Path(os.environ.get("PROJECT_ROOT") or Path(__file__).resolve().parents[3])
DYNALITE_CLI = PROJECT_ROOT / "node_modules" / "dynalite" / "cli.js"
LOCAL_REGION = "eu-central-1"
LOCAL_TABLE = "registrations-local"

log = logging.getLogger("registrations.local.dynalite")


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
    """A real dynalite process on loopback. With a data folder its LevelDB data survive restarts.

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
        # The data hold every registration: LevelDB's files are made owner-only.
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


DATA_DIR = PROJECT_ROOT / ".data"
# Where `make run` says which endpoint its dynalite listens on, while it runs (read by the staff command).
ENDPOINT_FILE_NAME = "dynalite.endpoint"
LOCAL_SENDER = "VNG netwerkbijeenkomst <netwerkbijeenkomst@vng.example>"


def local_token_secret(data_dir: Path = DATA_DIR) -> str:
    """A random secret for the personal links, made once and kept with the local data."""
    path = data_dir / "token-secret"
    private_folder(data_dir)
    if not path.exists():
        import secrets

        write_private(path, secrets.token_urlsafe(32).encode("ascii"))
    # Owner-only, whoever made the file.
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
    from botocore.exceptions import ClientError  # not with the module: the staff command's --help loads no botocore

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
    """A local table made before an index was added to table_schema.json gets it now. dynalite accepts an index
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
