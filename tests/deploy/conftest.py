"""Fixtures of the deployment tests."""

from __future__ import annotations

import subprocess
import sys

import pytest

from registrations.dev.local import free_port, wait_for_port


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's standalone server over HTTP: a local S3, CloudFront, SSM, Lambda, API Gateway and CloudFormation.

    Only for the deploy tooling; the registrations store is always dynalite.
    """
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(port, timeout=30, process=process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
