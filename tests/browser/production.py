"""The site and /api served with exactly what CloudFront does to them in production, read from infra/template.yaml:

- each path gets the response headers policy of its cache behaviour (`/api/*` its own, everything else the site's),
  and a header the policy does not override is added only where the origin sent none;
- requests to /api/* carry the origin's custom headers (the origin secret), as CloudFront adds them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from waitress.server import create_server

from deploy.infra import header_policies, load_template, origin_custom_headers
from registrations.dev.local import app_with_worker, site_and_api
from registrations.local.dynalite import local_config, prepare_table
from registrations.repository import dynamodb_resource

from ..conftest import OPEN_MOMENT

API_PATTERN = "/api/*"
# What the deploy step would put into SSM; any value of the allowed shape.
ORIGIN_SECRET = "test-origin-secret-" + "x" * 24


def like_cloudfront(app, template: dict, origin_secret: str = ORIGIN_SECRET):
    """WSGI middleware doing what the distribution does between the browser and the origins."""
    policies = header_policies(template)
    secret_headers = [f"HTTP_{name.upper().replace('-', '_')}" for name in origin_custom_headers(template)]

    def wrapped(environ, start_response):
        is_api = environ.get("PATH_INFO", "/").startswith("/api/")
        policy = policies[API_PATTERN if is_api else "*"]
        if is_api:
            # CloudFront replaces whatever the viewer sent under these names.
            environ.update(dict.fromkeys(secret_headers, origin_secret))

        def start(status, headers, exc_info=None):
            own = {name.lower() for name, _ in headers}
            replaced = {name.lower() for name, _, override in policy if override}
            kept = [(name, value) for name, value in headers if name.lower() not in replaced]
            added = [(name, value) for name, value, override in policy if override or name.lower() not in own]
            return start_response(status, kept + added, exc_info)

        return app(environ, start)

    return wrapped


@dataclass
class ProductionLike:
    url: str
    site_dir: Path
    config: dict[str, Any]
    template: dict

    @property
    def table(self) -> Any:
        return dynamodb_resource(self.config["AWS_REGION"], self.config["DYNAMODB_ENDPOINT"]).Table(
            self.config["REGISTRATIONS_TABLE"]
        )


def _not_ready(environ, start_response):
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"not ready"]


@contextmanager
def production_like(dynalite, site_dir: Path, data_dir: Path) -> Iterator[ProductionLike]:
    """The built site and the API (registration open, ORIGIN_SECRET set) behind the CloudFront stand-in."""
    template = load_template()
    config = local_config(dynalite, table=f"prod-{uuid.uuid4().hex[:12]}", data_dir=data_dir)
    config["PREVIEW_NOW"] = OPEN_MOMENT
    config["ORIGIN_SECRET"] = ORIGIN_SECRET
    prepare_table(config)
    server = create_server(_not_ready, host="127.0.0.1", port=0, threads=4)
    # The app is made once the port is known: SITE_URL is what the origin guard compares with.
    config["SITE_URL"] = url = f"http://127.0.0.1:{server.effective_port}"
    # With the local deliverer beside it, as in make run: the emails go out after the answer.
    app, worker = app_with_worker(config)
    server.application = like_cloudfront(site_and_api(site_dir, app), template)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield ProductionLike(url, site_dir, config, template)
    finally:
        server.close()
        thread.join(timeout=5)
        worker.stop()
        dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(
            config["REGISTRATIONS_TABLE"]
        ).delete()
