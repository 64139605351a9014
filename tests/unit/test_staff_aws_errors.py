"""The staff command's reading of botocore's errors, also those that cannot be made locally (an expired SSO token
that botocore tried to refresh, a timeout)."""

from __future__ import annotations

import pytest
from botocore import exceptions as aws

from registrations.errors import StoreUnavailable
from registrations.staff.errors import Target, explain

TARGET = Target("vng-registrations-production", "eu-central-1", "vng-lezer")


def client_error(code: str) -> aws.ClientError:
    return aws.ClientError({"Error": {"Code": code, "Message": "English text"}}, "Query")


def wrapped(exc: Exception) -> StoreUnavailable:
    """As the repository raises it: StoreUnavailable from the botocore error."""
    try:
        raise StoreUnavailable() from exc
    except StoreUnavailable as store_error:
        return store_error


@pytest.mark.parametrize(
    "error, code, phrase",
    [
        (aws.ProfileNotFound(profile="vng-lezer"), 3, "bestaat niet op deze computer"),
        (aws.NoCredentialsError(), 3, "U bent niet aangemeld bij AWS"),
        (aws.UnauthorizedSSOTokenError(), 3, "Log opnieuw in met: aws sso login --profile vng-lezer"),
        (aws.TokenRetrievalError(provider="sso", error_msg="expired"), 3, "aws sso login --profile vng-lezer"),
        (aws.SSOTokenLoadError(error_msg="Token for vng does not exist"), 3, "Uw aanmelding bij AWS is verlopen"),
        (client_error("ExpiredTokenException"), 3, "Log opnieuw in met: aws sso login --profile vng-lezer"),
        (client_error("UnrecognizedClientException"), 3, "aws sso login"),
        (client_error("AccessDeniedException"), 4, "geen toestemming voor deze opdracht (Query op tabel"),
        (
            client_error("ResourceNotFoundException"),
            5,
            "‘vng-registrations-production’ bestaat niet in regio eu-central-1",
        ),
        (aws.EndpointConnectionError(endpoint_url="https://dynamodb.eu-central-1.amazonaws.com"), 6, "geen verbinding"),
        (aws.ConnectTimeoutError(endpoint_url="https://dynamodb.eu-central-1.amazonaws.com"), 6, "geen verbinding"),
    ],
)
def test_each_aws_error_has_its_code_and_next_step(error, code, phrase):
    for raised in (error, wrapped(error)):
        found = explain(raised, TARGET)
        assert found is not None and found[0] == code and phrase in found[1]


def test_other_errors_are_left_to_the_general_message():
    assert explain(client_error("ValidationException"), TARGET) is None
    assert explain(wrapped(RuntimeError("x")), TARGET) is None
