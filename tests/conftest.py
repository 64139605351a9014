"""Fixtures that build on each other, flaskr style: dynalite → table → app → client.

Integration tests talk over HTTP to a real dynalite that these fixtures start (never moto's mock_aws).
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registrations import create_app
from registrations.local.dynalite import (
    Dynalite,
    free_port,
    local_config,
    prepare_table,
    use_local_credentials,
    wait_for_port,
)
from registrations.repository import dynamodb_resource
from tests.mailbox import Clock

# Registration is open at this moment; tests about the deadline set their own.
OPEN_MOMENT = "2023-05-10T10:00"


# What a browser sends with a post from the site's own pages; the origin guard (web/guards.py) refuses a post
# without it. A plain `app.test_client()` sends neither Origin nor Sec-Fetch-Site, as curl or a robot would.
OWN_PAGE_ENVIRON = {"HTTP_SEC_FETCH_SITE": "same-origin"}


def own_page_client(app: Flask) -> FlaskClient:
    """A test client that posts as the site's own pages do (Sec-Fetch-Site: same-origin on every request)."""
    client = app.test_client()
    client.environ_base.update(OWN_PAGE_ENVIRON)
    return client


@pytest.fixture(scope="session")
def dynalite():
    use_local_credentials()
    with Dynalite() as server:
        yield server


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's standalone server over HTTP: a local S3, CloudFront, SSM, Lambda, API Gateway and CloudFormation.

    For the deploy tooling and the staff spreadsheet's bucket; the registrations store is always dynalite.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, timeout=30, process=process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def app_config(dynalite, tmp_path):
    """A fresh table, outbox and secret per test, so tests never see each other's registrations or mail."""
    config = local_config(dynalite, table=f"test-{uuid.uuid4().hex[:12]}", data_dir=tmp_path / "data")
    prepare_table(config)
    config["PREVIEW_NOW"] = OPEN_MOMENT
    yield config
    dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(config["REGISTRATIONS_TABLE"]).delete()


@pytest.fixture
def clock():
    """The app's clock, at OPEN_MOMENT until a test moves it (clock.set / clock.advance)."""
    return Clock(OPEN_MOMENT)


@pytest.fixture
def app(app_config, clock):
    return create_app(app_config, clock=clock)


@pytest.fixture
def client(app):
    """Posts as the site's own pages do; tests of the origin guard use app.test_client() or set the headers."""
    return own_page_client(app)


@pytest.fixture
def table(app_config):
    """The same table the app writes to, for checking what was stored."""
    return dynamodb_resource(app_config["AWS_REGION"], app_config["DYNAMODB_ENDPOINT"]).Table(
        app_config["REGISTRATIONS_TABLE"]
    )


@pytest.fixture
def valid_form():
    return {
        "given_name": "Jan-Willem",
        "family_name": "van 't Hoff",
        "email": "J.vantHoff@Gemeente.example",
        "organisation": "regio-utrecht",
        "organisation_other": "",
        "role": "dagelijks-bestuur",
        "on_behalf_of": "Gemeente Utrecht",
        "remark": "Graag aandacht voor de kleine gemeenten.",
        "consent": "ja",
    }
