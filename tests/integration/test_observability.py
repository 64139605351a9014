"""What operations see of real requests and deliveries: every JSON log line and every EMF document of a
registration, a change, a cancellation, refusals, failed and unknown sends, SES verdicts, a sweep, and fuzzed
requests, checked for the values that were sent (none may appear) and for the documented fields and metrics."""

from __future__ import annotations

import logging
import random
import string

import pytest

from registrations import create_app, create_deliverer
from registrations.lambda_handler import SWEEP_EVENT, Dispatcher
from registrations.mail.senders import MailNotSent, MailOutcomeUnknown
from registrations.observability.logs import JsonFormatter
from registrations.observability.metrics import Metrics
from tests.conftest import own_page_client
from tests.doubles import BrokenSender, RecordingSender
from tests.mailbox import messages, personal_path_of
from tests.observed import check_emf, dimension_sets, metric_values
from tests.ses_events import ses_event

EVENT_ID = "ibp-vth-2023-06-07"
EMAIL = "j.vanthoff@gemeente.example"


class JsonLines(logging.Handler):
    """Every line of the function's loggers, formatted as on Lambda."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines).lower()


@pytest.fixture
def json_log():
    handler = JsonLines()
    logger = logging.getLogger("registrations")
    saved = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)


@pytest.fixture
def emf():
    lines: list[str] = []
    return lines, Metrics(lines.append, function="vng-registrations-test")


def documents(lines: list[str]) -> list[dict]:
    return [check_emf(line) for line in lines]


def counted(lines: list[str], metric: str, **dimensions: str) -> int:
    """How many documents count `metric` under exactly these dimensions (besides Function)."""
    wanted = {"Function": "vng-registrations-test", **dimensions}
    return sum(metric in metric_values(d) and wanted in dimension_sets(d) for d in documents(lines))


def personal_values(form: dict[str, str], token: str = "") -> list[str]:
    values = [form["given_name"], "hoff", form["email"], form["remark"], form["on_behalf_of"], "gemeente.example"]
    return [v.lower() for v in values + ([token, token[:20]] if token else []) if v]


def test_no_personal_data_in_the_lines_or_metrics_of_a_registration_change_cancellation_and_failed_sends(
    app_config, clock, valid_form, table, json_log, emf
):
    lines, metrics = emf
    client = own_page_client(create_app(app_config, clock=clock, metrics=metrics))
    deliverer = create_deliverer(
        app_config, clock=clock, transport=RecordingSender(app_config["MAIL_OUTBOX"]), metrics=metrics
    )
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    deliverer.sweep()
    link = personal_path_of(messages(app_config["MAIL_OUTBOX"])[0])
    # A repeat (the link owed again, its send's outcome unknown), an invalid one, a change whose send fails
    assert client.post("/api/registrations", json=valid_form).status_code == 409
    create_deliverer(
        app_config, clock=clock, transport=BrokenSender(MailOutcomeUnknown("timeout")), metrics=metrics
    ).sweep()
    assert client.post("/api/registrations", json={**valid_form, "email": "geen-adres"}).status_code == 400
    changed = {
        **valid_form,
        "remark": "Een nieuwe opmerking van Jan-Willem",
        "organisation": "anders",
        "organisation_other": "Gemeente Houten",
    }
    assert client.post(link, data=changed).status_code in (200, 303)
    create_deliverer(
        app_config, clock=clock, transport=BrokenSender(MailNotSent("Throttling")), metrics=metrics
    ).sweep()
    assert client.post(f"{link}/annuleren").status_code in (200, 303)

    secrets = personal_values(valid_form, link.rsplit("/", 1)[1]) + ["nieuwe opmerking", "houten", "geen-adres"]
    everything = json_log.text + "\n" + "\n".join(lines).lower()
    assert [s for s in secrets if s in everything] == []
    # The lines say what happened, with outcomes and the meeting
    outcomes = {(line.get("outcome"), line.get("meeting")) for line in map(__import__("json").loads, json_log.lines)}
    for outcome in ("stored", "sent", "duplicate", "unknown", "invalid", "changed", "retrying", "cancelled"):
        assert (outcome, EVENT_ID) in outcomes, outcome
    # The metrics carry what the dashboard and the alarms read
    assert counted(lines, "RegistrationsStored") == 1
    assert counted(lines, "Refusals", Kind="duplicate") == 1
    assert counted(lines, "Refusals", Kind="invalid") == 1
    assert counted(lines, "Emails", Kind="confirmation", Outcome="sent") == 1
    assert counted(lines, "Emails", Kind="link", Outcome="unknown") == 1
    assert counted(lines, "Emails", Outcome="unknown") == 1
    assert counted(lines, "Emails", Kind="change", Outcome="retrying") == 1
    assert counted(lines, "DeliveryLag") == 1


class Context:
    aws_request_id = "5a1c3c3e-0000-4000-8000-00000000abcd"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def test_the_dispatcher_puts_the_request_id_and_trigger_on_every_line_and_measures_the_sweep(
    app_config, clock, valid_form, json_log, emf
):
    import json

    lines, metrics = emf
    client = own_page_client(create_app(app_config, clock=clock))
    client.post("/api/registrations", json=valid_form)
    clock.advance(minutes=20)  # the stream missed it: owed for 20 minutes when the sweep finds it
    deliverer = create_deliverer(
        app_config, clock=clock, transport=RecordingSender(app_config["MAIL_OUTBOX"]), metrics=metrics
    )
    dispatch = Dispatcher(lambda: deliverer, lambda event, context: None, metrics=metrics)
    json_log.lines.clear()
    assert dispatch(dict(SWEEP_EVENT), Context()) == {"swept": {"sent": 1}}
    assert dispatch(ses_event("Bounce", bounceType="Permanent"), Context()) == {"ses": "recorded"}
    parsed = [json.loads(line) for line in json_log.lines]
    assert parsed and {line["requestId"] for line in parsed} == {Context.aws_request_id}
    assert [line["trigger"] for line in parsed if "sweep" in line["message"]] == ["sweep"]
    assert {line["trigger"] for line in parsed} == {"sweep", "ses"}
    assert {line["meeting"] for line in parsed} == {EVENT_ID}
    [sweep] = [d for d in documents(lines) if "SweepDuration" in metric_values(d)]
    assert metric_values(sweep)["SweepItems"] == 1 and metric_values(sweep)["OverdueEmails"] == 1
    assert metric_values(sweep)["SweepDuration"] >= 0
    [lag] = [metric_values(d)["DeliveryLag"] for d in documents(lines) if "DeliveryLag" in metric_values(d)]
    assert lag == 20 * 60
    assert counted(lines, "SesVerdicts", Verdict="bounced") == 1
    # A foreign SES event (no tag of ours) is no verdict
    assert dispatch(ses_event("Delivery", event_tag=None), Context()) == {"ses": "ignored"}
    assert counted(lines, "SesVerdicts", Verdict="delivered") == 0


def fuzzed(rng: random.Random, marker: str) -> str:
    """A value that holds the marker among characters a client may send."""
    noise = "".join(rng.choice(string.printable + "éø€<>\"'&;") for _ in range(rng.randint(0, 12)))
    return rng.choice([marker, noise + marker, marker + noise, f"{noise}{marker}@{marker}.example"])


def test_no_fuzzed_value_reaches_a_log_line_or_a_metric(app_config, clock, valid_form, json_log, emf):
    lines, metrics = emf
    rng = random.Random(26)
    marker = "zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(10))
    config = {**app_config, "SITE_URL": "https://netwerk.example"}
    client = own_page_client(create_app(config, clock=clock, metrics=metrics))
    guarded = own_page_client(create_app({**config, "ORIGIN_SECRET": "s" * 43}, clock=clock, metrics=metrics))
    own = {"Origin": "https://netwerk.example", "Sec-Fetch-Site": "same-origin"}
    for _ in range(40):
        form = {name: fuzzed(rng, marker) for name in valid_form}
        form.update(rng.sample(sorted(valid_form.items()), rng.randint(0, len(valid_form))))
        client.post("/api/registrations", json=form, headers=own)
        client.post("/api/registrations", data=form, headers=own)
        client.post("/api/registrations", json={**valid_form, "reg_extra_reference": marker}, headers=own)
        client.post("/api/registrations", json=form, headers={"Origin": f"https://{marker}.example"})
        client.get(f"/api/mijn-aanmelding/{fuzzed(rng, marker)}?{marker}={marker}", headers={"Referer": marker})
        client.post(f"/api/mijn-aanmelding/{marker}/annuleren", headers=own)
        guarded.post("/api/registrations", json=form, headers={**own, "X-Origin-Verify": marker})
    create_deliverer(config, clock=clock, transport=RecordingSender(app_config["MAIL_OUTBOX"]), metrics=metrics).sweep()
    assert json_log.lines and lines
    everything = json_log.text + "\n" + "\n".join(lines).lower()
    assert marker not in everything
    # Each kind of refusal the fuzzing caused is counted under its own kind
    for kind in ("invalid", "honeypot", "foreign_origin", "direct_request"):
        assert counted(lines, "Refusals", Kind=kind) > 0, kind
