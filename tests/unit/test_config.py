import pytest

from registrations import ConfigError, create_app


def test_missing_configuration_fails_fast_with_a_clear_message(monkeypatch):
    for name in ("REGISTRATIONS_TABLE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="REGISTRATIONS_TABLE, AWS_REGION"):
        create_app({})


def test_a_malformed_preview_clock_fails_fast():
    with pytest.raises(ConfigError, match="PREVIEW_NOW must be an ISO 8601 time"):
        create_app({"REGISTRATIONS_TABLE": "t", "AWS_REGION": "eu-central-1", "PREVIEW_NOW": "morgen"})


def test_the_preview_clock_is_ignored_on_lambda(caplog):
    app = create_app({"REGISTRATIONS_TABLE": "t", "AWS_REGION": "eu-central-1",
                      "PREVIEW_NOW": "2023-05-10T10:00", "ON_LAMBDA": True})
    assert app.extensions["registrations"].clock().year >= 2026
    assert "PREVIEW_NOW is ignored on Lambda" in caplog.text
