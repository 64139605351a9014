"""Run the Lambda zip the way AWS Lambda's python3.13 runtime does, on this machine.

- The zip is unpacked with its entries' dates (Zappa's 1980), like Lambda's /var/task, and Python writes no
  bytecode there (on Lambda /var/task is read-only).
- A fresh interpreter started with -I -S sees only the unpacked zip and a "runtime" folder holding what the Lambda
  runtime itself provides (boto3 and its dependencies), never this project's venv. So a module missing from the
  zip fails here as it would on Lambda.
- The handler named in Zappa's settings (`handler.lambda_handler`, Zappa's own handler copied to the zip root) is
  called with API Gateway proxy events.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .package import venv_python

RUNNER = Path(__file__).with_name("lambda_runner.py")
# What the Lambda python3.13 runtime provides on its own path (/var/runtime); the zip excludes these.
LAMBDA_RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")


def unpack(zip_path: Path, target: Path) -> Path:
    """Extract like Lambda: every file carries its zip entry's date."""
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            path = Path(archive.extract(info, target))
            stamp = time.mktime(info.date_time + (0, 0, -1))
            os.utime(path, (stamp, stamp))
    return target


def runtime_dir(target: Path, venv_python_path: Path | None = None) -> Path:
    """A folder that stands in for the Lambda runtime's own packages: links into the packaging venv."""
    python = venv_python_path or venv_python()
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],  # nosec B603 # fixed argv, no shell
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    target.mkdir(parents=True, exist_ok=True)
    for name in LAMBDA_RUNTIME_PACKAGES:
        source = Path(site) / name
        if not source.exists():
            raise RuntimeError(f"{name} is not in {site}; run `make package` to build the packaging venv")
        link = target / name
        if not link.exists():
            link.symlink_to(source)
    return target


def api_gateway_event(
    method: str,
    path: str,
    *,
    stage: str = "production",
    body: str | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
) -> dict:
    """An API Gateway REST API (v1) proxy event, as CloudFront → API Gateway → Lambda delivers it.

    CloudFront forwards the viewer's headers except Host, so Host is the API's own execute-api name; the path has
    no stage prefix (API Gateway strips it into requestContext.stage).
    """
    api_host = "abcdef1234.execute-api.eu-central-1.amazonaws.com"
    all_headers = {
        "Host": api_host,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        "X-Forwarded-For": "192.0.2.10, 198.51.100.7",
        "User-Agent": "Amazon CloudFront",
        "Via": "2.0 example.cloudfront.net (CloudFront)",
        **(headers or {}),
    }
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "Amazon CloudFront"},
            "domainName": api_host,
            "apiId": api_host.split(".")[0],
            "protocol": "HTTP/1.1",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def invoke(
    task_dir: Path,
    runtime: Path,
    events: Iterable[dict],
    env: Mapping[str, str],
    handler: str = "handler.lambda_handler",
    python: Path | None = None,
    timeout: float = 60,
) -> dict[str, Any]:
    """Start a fresh interpreter (a cold Lambda container), call the handler with each event in turn.

    Returns {"import_seconds", "responses": [...], "call_seconds": [...], "request_ids": [...], "log"}: the
    request id of each call's context, and what the process wrote to stdout and stderr.
    """
    with tempfile.TemporaryDirectory(prefix="lambda-invoke-") as tmp:
        events_file, result_file = Path(tmp) / "events.json", Path(tmp) / "result.json"
        events_file.write_text(json.dumps(list(events)), encoding="utf-8")
        base = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LAMBDA_TASK_ROOT": str(task_dir),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        completed = subprocess.run(  # nosec B603 # fixed argv, no shell
            [
                str(python or venv_python()),
                "-I",
                "-S",
                "-B",
                str(RUNNER),
                str(task_dir),
                str(runtime),
                handler,
                str(events_file),
                str(result_file),
            ],
            cwd=task_dir,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"the handler process failed ({completed.returncode}):\n{completed.stderr[-4000:]}")
        result = json.loads(result_file.read_text(encoding="utf-8"))
        result["log"] = completed.stdout + completed.stderr
        return result
