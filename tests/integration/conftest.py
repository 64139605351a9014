"""Fixtures shared by the integration tests (the base ones are in tests/conftest.py)."""

import pytest


@pytest.fixture
def staff_env(app_config):
    """The environment a staff member sets for a table in AWS; DYNAMODB_ENDPOINT points it at the test dynalite."""
    return {
        "REGISTRATIONS_TABLE": app_config["REGISTRATIONS_TABLE"],
        "AWS_REGION": app_config["AWS_REGION"],
        "DYNAMODB_ENDPOINT": app_config["DYNAMODB_ENDPOINT"],
        "MAIL_OUTBOX": app_config["MAIL_OUTBOX"],
        "MAIL_SENDER": app_config["MAIL_SENDER"],
    }
