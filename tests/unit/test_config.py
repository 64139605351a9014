import datetime as dt

import pytest

from registrations import ConfigError, create_app, create_deliverer
from registrations.mail.senders import OutboxSender, SesSender

# The least a local app needs besides the table: the link secret and somewhere to put the emails.
MINIMAL = {"REGISTRATIONS_TABLE": "t", "AWS_REGION": "eu-central-1", "TOKEN_SECRET": "s", "MAIL_OUTBOX": "/tmp/x"}


def test_missing_configuration_fails_fast_with_a_clear_message(monkeypatch):
    for name in ("REGISTRATIONS_TABLE", "AWS_REGION", "AWS_DEFAULT_REGION", "TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="REGISTRATIONS_TABLE, AWS_REGION"):
        create_app({})


def test_a_malformed_preview_clock_fails_fast():
    with pytest.raises(ConfigError, match="PREVIEW_NOW must be an ISO 8601 time"):
        create_app({**MINIMAL, "PREVIEW_NOW": "morgen"})


def test_the_preview_clock_is_ignored_on_lambda(caplog):
    app = create_app({**MINIMAL, "PREVIEW_NOW": "2023-05-10T10:00", "AWS_LAMBDA_FUNCTION_NAME": "registrations"})
    # On Lambda the clock is the real one: it reads the moment of each call, not the frozen preview moment.
    before = dt.datetime.now(dt.UTC)
    now = app.extensions["registrations"].clock()
    after = dt.datetime.now(dt.UTC)
    assert before <= now <= after
    assert "PREVIEW_NOW is ignored on Lambda" in caplog.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # An empty secret would make every personal link forgeable.
        ({"TOKEN_SECRET": ""}, "Missing configuration: TOKEN_SECRET."),
        # SES needs a verified sender, and the emails need absolute links.
        ({"MAIL_BACKEND": "ses", "SITE_URL": "https://x.example"}, "Missing configuration: MAIL_SENDER."),
        ({"MAIL_BACKEND": "ses", "MAIL_SENDER": "a@x.example"}, "Missing configuration: SITE_URL."),
        ({"MAIL_OUTBOX": ""}, "Missing configuration: MAIL_OUTBOX."),
        ({"MAIL_BACKEND": "smtp"}, "MAIL_BACKEND must be one of outbox, ses, not 'smtp'"),
    ],
)
def test_mail_and_link_settings_fail_fast(changes, message):
    with pytest.raises(ConfigError) as caught:
        create_app({**MINIMAL, **changes})
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("changes", "sender_type"),
    [
        ({}, OutboxSender),
        ({"MAIL_BACKEND": "ses", "MAIL_SENDER": "a@x.example", "SITE_URL": "https://x.example"}, SesSender),
    ],
)
def test_the_sender_comes_from_the_configuration(changes, sender_type):
    assert isinstance(create_deliverer({**MINIMAL, **changes}).sender, sender_type)
