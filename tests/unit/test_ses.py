"""The SES request the production mailer makes, checked with botocore's Stubber (AWS is never reached)."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import boto3
import pytest
from botocore.stub import Stubber

from registrations import create_deliverer
from registrations.mail.confirmation import ConfirmationMailer
from registrations.mail.senders import MailNotSent, MailOutcomeUnknown, SesSender
from registrations.meeting import load_meeting
from registrations.registration.personal_link import PersonalLinks

EVENT = load_meeting()
SENDER = "VNG netwerkbijeenkomst <netwerkbijeenkomst@vng.nl>"
ITEM = {
    "email": "jan@gemeente.example",
    "registration_id": "Cj0S4TKi2Hu8rTci9lGgpQ",
    "link_version": 1,
    "given_name": "Jan",
    "family_name": "Jansen",
    "organisation": "DCMR Milieudienst Rijnmond",
    "role": "Anders",
    "on_behalf_of": "",
}
NOW = dt.datetime(2023, 5, 10, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def ses(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    client = boto3.client("sesv2", region_name="eu-central-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def message():
    mailer = ConfirmationMailer(
        EVENT, links=PersonalLinks("s", EVENT), from_address=SENDER, site_url="https://aanmelden.vng.nl"
    )
    built = mailer.build(ITEM, NOW)
    built.as_bytes()  # fixes the MIME boundaries, so the bytes are the same on every call
    return built


def test_the_confirmation_goes_to_sesv2_as_raw_mime(ses, message):
    client, stubber = ses
    # Given SES that expects exactly one raw message in the configuration set
    stubber.add_response(
        "send_email",
        {"MessageId": "0100018801-abc"},
        expected_params={
            "Destination": {"ToAddresses": ["jan@gemeente.example"]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
            "ConfigurationSetName": "registrations",
        },
    )
    # When the production sender sends it to the registrant
    message_id = SesSender(client, "registrations").send(message, "jan@gemeente.example")
    # Then SES's id comes back, and the raw data is the whole message with the configured sender
    assert message_id == "0100018801-abc"
    raw = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert raw["From"] == SENDER and raw["To"] == "Jan Jansen <jan@gemeente.example>"


def test_without_a_configuration_set_the_request_has_none(ses, message):
    client, stubber = ses
    stubber.add_response(
        "send_email",
        {"MessageId": "id-2"},
        expected_params={
            "Destination": {"ToAddresses": ["jan@gemeente.example"]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
        },
    )
    assert SesSender(client).send(message, "jan@gemeente.example") == "id-2"


def test_the_claim_id_goes_with_the_message_as_an_ses_tag(ses, message):
    client, stubber = ses
    stubber.add_response(
        "send_email",
        {"MessageId": "id-3"},
        expected_params={
            "Destination": {"ToAddresses": ["jan@gemeente.example"]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
            "EmailTags": [{"Name": "claim", "Value": "36dc3f952de3476e"}],
        },
    )
    assert SesSender(client).send(message, "jan@gemeente.example", tags={"claim": "36dc3f952de3476e"}) == "id-3"


@pytest.mark.parametrize("code", ["MessageRejected", "AccountSuspendedException", "TooManyRequestsException"])
def test_an_ses_error_is_mail_not_sent(ses, message, code):
    client, stubber = ses
    stubber.add_client_error("send_email", service_error_code=code, http_status_code=400)
    with pytest.raises(MailNotSent, match=code):
        SesSender(client).send(message, "jan@gemeente.example")


def test_the_deliverer_gets_an_ses_sender_from_configuration():
    deliverer = create_deliverer(
        {
            "REGISTRATIONS_TABLE": "t",
            "AWS_REGION": "eu-central-1",
            "TOKEN_SECRET": "s",
            "MAIL_BACKEND": "ses",
            "MAIL_SENDER": SENDER,
            "SITE_URL": "https://aanmelden.vng.nl",
            "SES_REGION": "eu-west-1",
            "SES_CONFIGURATION_SET": "registrations",
        }
    )
    assert isinstance(deliverer.sender, SesSender)
    assert deliverer.sender.client.meta.region_name == "eu-west-1"
    assert deliverer.sender.configuration_set == "registrations"
    assert deliverer.channels[0].mailer.from_address == SENDER


class _TimingOutClient:
    """An SES client whose request went out but whose answer never came."""

    def send_email(self, **request):
        from botocore.exceptions import ReadTimeoutError

        raise ReadTimeoutError(endpoint_url="https://email.eu-central-1.amazonaws.com")


def test_a_timeout_after_sending_is_an_unknown_outcome_not_a_failure(message):
    # A caller that retries MailNotSent must not resend this one: SES may have accepted it.
    with pytest.raises(MailOutcomeUnknown) as caught:
        SesSender(_TimingOutClient()).send(message, "jan@gemeente.example")
    assert not isinstance(caught.value, MailNotSent)


def test_the_ses_client_is_made_on_first_send_and_tries_once():
    sender = SesSender.for_region("eu-west-1")
    assert sender._client is None
    assert sender.client.meta.config.retries["total_max_attempts"] == 1
