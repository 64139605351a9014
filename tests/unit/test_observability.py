"""Structured log lines and EMF metrics (registrations/observability/), against AWS's specification."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from registrations.observability import logs
from registrations.observability.metrics import (
    MAX_DIMENSIONS,
    MAX_METRICS,
    REFUSAL_KINDS,
    SES_VERDICTS,
    Metrics,
    emf_document,
    is_overdue,
)
from tests.observed import check_emf, dimension_sets, metric_values

NOW = dt.datetime(2023, 5, 10, 10, 0, tzinfo=dt.UTC)


def record(message="registration stored for event %s", *args, level=logging.INFO, **extra):
    made = logging.LogRecord(
        "registrations.registration.registering", level, __file__, 1, message, args or ("x",), None
    )
    made.__dict__.update(extra)
    return made


def test_a_json_line_has_the_level_message_request_id_trigger_meeting_and_outcome():
    with logs.invocation("8f3c-request", "http"), logs.meeting("ibp-vth-2023-06-07"):
        line = json.loads(logs.JsonFormatter().format(record(**logs.fields(outcome="stored"))))
    assert line["level"] == "INFO"
    assert line["message"] == "registration stored for event x"
    assert line["requestId"] == "8f3c-request"
    assert line["trigger"] == "http"
    assert line["meeting"] == "ibp-vth-2023-06-07"
    assert line["outcome"] == "stored"
    assert line["logger"] == "registrations.registration.registering"
    assert line["timestamp"].endswith("Z")


def test_the_meeting_is_per_call_never_left_behind_for_the_next():
    with logs.meeting("ibp-vth-2023-06-07"):
        with logs.meeting("ibp-vth-2024-06-05"):
            inner = json.loads(logs.JsonFormatter().format(record()))
        outer = json.loads(logs.JsonFormatter().format(record()))
    after = json.loads(logs.JsonFormatter().format(record()))
    assert (inner["meeting"], outer["meeting"]) == ("ibp-vth-2024-06-05", "ibp-vth-2023-06-07")
    assert "meeting" not in after
    # A line that names its meeting itself wins
    with logs.meeting("ibp-vth-2023-06-07"):
        own = json.loads(logs.JsonFormatter().format(record(**logs.fields(meeting="ibp-vth-2024-06-05"))))
    assert own["meeting"] == "ibp-vth-2024-06-05"


def test_levels_have_lambdas_names_which_its_log_level_filter_reads():
    assert json.loads(logs.JsonFormatter().format(record(level=logging.WARNING)))["level"] == "WARN"
    assert json.loads(logs.JsonFormatter().format(record(level=logging.CRITICAL)))["level"] == "FATAL"
    assert json.loads(logs.JsonFormatter().format(record(level=logging.ERROR)))["level"] == "ERROR"


def test_outside_an_invocation_a_line_has_no_request_id_and_no_empty_fields():
    line = json.loads(logs.JsonFormatter().format(record()))
    assert "requestId" not in line and "trigger" not in line and "outcome" not in line


def test_an_exception_adds_its_type_never_its_message():
    try:
        raise ValueError("j.vanthoff@gemeente.example is not valid")
    except ValueError:
        import sys

        made = logging.LogRecord("registrations", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = logs.JsonFormatter().format(made)
    assert json.loads(text)["errorType"] == "ValueError"
    assert "vanthoff" not in text


def test_an_unknown_trigger_is_refused():
    with pytest.raises(ValueError), logs.invocation("r", "browser"):
        pass


def test_install_puts_the_json_formatter_on_the_root_handlers_and_adds_one_when_there_is_none():
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        root.handlers = []
        logs.install_json_logs("WARNING")
        [added] = root.handlers
        assert isinstance(added.formatter, logs.JsonFormatter)
        assert root.level == logging.WARNING
        existing = logging.StreamHandler()
        root.handlers = [existing]
        logs.install_json_logs()
        assert root.handlers == [existing] and isinstance(existing.formatter, logs.JsonFormatter)
    finally:
        root.handlers, root.level = saved_handlers, saved_level


class Recorded:
    """The documents a Metrics writes, each checked against the specification when read."""

    def __init__(self):
        self.lines: list[str] = []
        self.metrics = Metrics(self.lines.append, function="vng-registrations-production", clock=lambda: 1683712800.25)

    def __iter__(self):
        return iter([check_emf(line) for line in self.lines])


def recorded() -> tuple[Metrics, Recorded]:
    documents = Recorded()
    return documents.metrics, documents


def test_a_registration_is_one_emf_document_with_its_metric_and_the_function_as_dimension():
    metrics, documents = recorded()
    metrics.registration_stored()
    [document] = documents
    assert document["_aws"]["Timestamp"] == 1683712800250
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "VNG/Registrations"
    assert directive["Metrics"] == [{"Name": "RegistrationsStored", "Unit": "Count"}]
    assert dimension_sets(document) == [{"Function": "vng-registrations-production"}]
    assert metric_values(document) == {"RegistrationsStored": 1}


def test_refusals_and_ses_verdicts_are_counted_by_kind():
    metrics, documents = recorded()
    for kind in REFUSAL_KINDS:
        metrics.refusal(kind)
    for verdict in SES_VERDICTS:
        metrics.ses_verdict(verdict)
    found = [(dimension_sets(d)[0], metric_values(d)) for d in documents]
    assert [dims["Kind"] for dims, values in found if values == {"Refusals": 1}] == list(REFUSAL_KINDS)
    assert [dims["Verdict"] for dims, values in found if values == {"SesVerdicts": 1}] == list(SES_VERDICTS)


@pytest.mark.parametrize("kind", ["confirmation", "link", "followup", "followup_change", "reminder", "meeting_change"])
def test_an_email_of_any_kind_is_counted_by_kind_and_outcome_and_by_outcome_alone(kind):
    metrics, documents = recorded()
    metrics.email(kind, "failed", "2023-05-10T11:55:00+02:00", NOW)
    [document] = documents
    assert metric_values(document) == {"Emails": 1}
    function = "vng-registrations-production"
    assert dimension_sets(document) == [
        {"Function": function, "Kind": kind, "Outcome": "failed"},
        {"Function": function, "Outcome": "failed"},
    ]


def test_a_sent_email_also_gives_the_lag_since_it_was_owed():
    metrics, documents = recorded()
    metrics.email("confirmation", "sent", "2023-05-10T11:55:00+02:00", NOW)
    emails, lag = documents
    assert metric_values(emails) == {"Emails": 1}
    assert metric_values(lag) == {"DeliveryLag": 300.0}
    assert lag["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "DeliveryLag", "Unit": "Seconds"}]
    assert dimension_sets(lag) == [{"Function": "vng-registrations-production"}]


def test_a_sent_email_without_a_readable_owed_time_gives_no_lag_rather_than_one_of_years():
    metrics, documents = recorded()
    metrics.email("confirmation", "sent", "gisteren", NOW)
    metrics.email("confirmation", "sent", None, NOW)
    assert [metric_values(d) for d in documents] == [{"Emails": 1}, {"Emails": 1}]


def test_the_trigger_of_what_goes_to_zappa_is_an_s3_notification_or_else_http():
    from registrations.lambda_handler import trigger_of

    assert trigger_of({"Records": [{"eventSource": "aws:s3", "s3": {}}]}, "zappa") == "s3"
    assert trigger_of({"httpMethod": "GET", "path": "/api/health"}, "zappa") == "http"
    assert trigger_of({"registrations": "sweep"}, "sweep") == "sweep"


def test_a_sweep_round_gives_its_duration_items_and_overdue_emails():
    metrics, documents = recorded()
    metrics.sweep(2.5, {"sent": 3, "deferred": 2}, overdue=1)
    [document] = documents
    assert metric_values(document) == {"SweepDuration": 2.5, "SweepItems": 5, "OverdueEmails": 1}


def test_a_value_that_is_not_a_code_of_ours_never_becomes_a_dimension():
    metrics, documents = recorded()
    metrics.email("j.vanthoff@gemeente.example", "/api/mijn-aanmelding/abc", None, NOW)
    [document] = documents
    assert dimension_sets(document)[0] == {
        "Function": "vng-registrations-production",
        "Kind": "other",
        "Outcome": "other",
    }
    with pytest.raises(ValueError):
        emf_document({"Emails": (1, "Count")}, {"Kind": "Jan de Vries"}, timestamp_ms=1)


def test_the_specifications_limits_are_kept():
    many = {f"M{i}": (1.0, "Count") for i in range(MAX_METRICS + 1)}
    with pytest.raises(ValueError):
        emf_document(many, {"Function": "f"}, timestamp_ms=1)
    dims = {f"D{i}": "x" for i in range(MAX_DIMENSIONS + 1)}
    with pytest.raises(ValueError):
        emf_document({"Emails": (1, "Count")}, dims, timestamp_ms=1)
    with pytest.raises(ValueError):
        emf_document({"Emails": (1, "Count")}, {"Function": "f"}, [["Function", "Kind"]], timestamp_ms=1)
    # At the limits it is a valid document
    check_emf(
        json.dumps(
            emf_document(
                dict(list(many.items())[:MAX_METRICS]), dict(list(dims.items())[:30]), timestamp_ms=1683712800000
            )
        )
    )


def test_without_a_writer_nothing_is_recorded():
    Metrics().registration_stored()  # no error, no output: the default of the app and the deliverer


def test_an_email_is_overdue_after_15_minutes_unless_it_waits_for_its_retry():
    owed = {"mail_owed": "confirmation", "mail_owed_at": "2023-05-10T11:44:00+02:00"}
    assert is_overdue(owed, NOW)
    assert not is_overdue({**owed, "mail_owed_at": "2023-05-10T11:46:00+02:00"}, NOW)
    assert not is_overdue({**owed, "mail_retry_at": "2023-05-10T12:04:00+02:00"}, NOW)
    # After a deliberate wait (a retry, the mailbox limit's next hour) it counts from when it was due again
    early = {**owed, "mail_owed_at": "2023-05-10T10:00:00+02:00"}
    assert not is_overdue({**early, "mail_retry_at": "2023-05-10T11:59:00+02:00"}, NOW)
    assert is_overdue({**early, "mail_retry_at": "2023-05-10T11:44:00+02:00"}, NOW)
    assert not is_overdue({"mail_owed_at": "2023-05-10T10:00:00+02:00"}, NOW)
