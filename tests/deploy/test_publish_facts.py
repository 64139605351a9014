"""`make publish` refuses while gedeeld.toml has empty facts that VNG still has to supply (PENDING_FACTS)."""

from __future__ import annotations

import boto3
import pytest

import registrations.meeting
from deploy import publish
from registrations.meeting import PENDING_FACTS, load_meeting
from tests.event_files import FILLED, event_file


class ReachedAws(Exception):
    """Raised in place of a real boto3 session: publishing went past the check."""


@pytest.fixture
def no_aws(monkeypatch):
    def session(*args, **kwargs):
        raise ReachedAws()

    monkeypatch.setattr(boto3, "Session", session)


def use_event(monkeypatch, path):
    monkeypatch.setattr(registrations.meeting, "load_meeting", lambda: load_meeting(path))


def test_the_check_names_every_empty_fact(tmp_path):
    event = load_meeting(
        event_file(
            tmp_path,
            accessibility_register_url='""',
            data_protection_officer_email='""',
            accessibility_statement_date=FILLED["accessibility_statement_date"],
            accessibility_audit_date=FILLED["accessibility_audit_date"],
        )
    )
    with pytest.raises(publish.PublishError) as raised:
        publish.require_supplied_facts(event)
    message = str(raised.value)
    assert "data_protection_officer_email" in message and "accessibility_register_url" in message
    assert "accessibility_statement_date" not in message and "gedeeld.toml" in message


def test_make_publish_stops_before_aws_while_a_fact_is_empty(tmp_path, monkeypatch, capsys, no_aws):
    use_event(monkeypatch, event_file(tmp_path, **{**FILLED, "accessibility_audit_date": '""'}))
    assert publish.main(["--stage", "production"]) == 1
    error = capsys.readouterr().err
    assert "not published" in error and "accessibility_audit_date" in error
    assert not [key for key in PENDING_FACTS if key != "accessibility_audit_date" and key in error]


def test_make_publish_goes_on_once_every_fact_is_filled_in(tmp_path, monkeypatch, no_aws):
    use_event(monkeypatch, event_file(tmp_path, **FILLED))
    with pytest.raises(ReachedAws):
        publish.main(["--stage", "production"])
