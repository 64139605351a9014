"""The Lambda entry with two meetings (issue 25, part 3): stream records go to the deliverer of their item's meeting,
the sweep runs every meeting within its retention, SES's verdicts land in the meeting their tag names, and every
log line names the meeting it is about (dynalite)."""

from __future__ import annotations

import json
import logging

import pytest

from registrations import create_app, create_deliverers
from registrations.delivery import publication
from registrations.dev.local import app_with_worker
from registrations.lambda_handler import CONTINUED_SWEEP, SWEEP_EVENT, Dispatcher
from registrations.observability import logs
from registrations.repository import RegistrationRepository
from tests.conftest import own_page_client
from tests.doubles import RecordingSender
from tests.mailbox import wait_for_messages
from tests.ses_events import ses_event

from .meetings_support import LETTER, SECOND, form, meetings_root, registrations, sent
from .test_triggers import Context, record


@pytest.fixture
def config(app_config, tmp_path):
    return {**app_config, "MEETINGS_DIR": str(meetings_root(tmp_path))}


@pytest.fixture
def client(config, clock):
    return own_page_client(create_app(config, clock=clock))


@pytest.fixture
def sender(config):
    return RecordingSender(config["MAIL_OUTBOX"])


@pytest.fixture
def deliverers(config, clock, sender):
    return create_deliverers(config, clock=clock, transport=sender)


@pytest.fixture
def refreshed():
    return []


@pytest.fixture
def dispatch(deliverers, refreshed):
    return Dispatcher(lambda: deliverers, lambda event, context: {"zappa": True}, refreshed.append)


@pytest.fixture
def json_log():
    lines: list[dict] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(logs.JsonFormatter().format(record)))

    handler, logger = Lines(), logging.getLogger("registrations")
    saved = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(saved)


def register_both(client, table) -> dict[str, dict]:
    assert client.post("/api/registrations", json=form("oud@gemeente.example", LETTER)).status_code == 201
    assert client.post("/api/registrations", json=form("nieuw@gemeente.example", SECOND)).status_code == 201
    return {**registrations(table, LETTER), **{f"2024:{k}": v for k, v in registrations(table, SECOND).items()}}


def test_one_stream_batch_of_both_meetings_goes_to_each_meetings_deliverer(client, table, dispatch, sender, refreshed):
    items = register_both(client, table)
    batch = {
        "Records": [
            record("INSERT", new=items["2024:nieuw@gemeente.example"], sequence="1"),
            record("INSERT", new=items["oud@gemeente.example"], sequence="2"),
        ]
    }
    assert dispatch(batch, Context()) == {"batchItemFailures": []}
    assert sorted(sent(sender)) == [(LETTER, "oud@gemeente.example"), (SECOND, "nieuw@gemeente.example")]
    # Each meeting's spreadsheet is refreshed once after the batch
    assert sorted(d.meeting.id for d in refreshed) == [LETTER, SECOND]


def test_a_record_of_a_meeting_the_function_does_not_serve_is_skipped_and_never_retried(
    client, table, dispatch, sender, caplog
):
    items = register_both(client, table)
    stranger = {**items["oud@gemeente.example"], "event": "ibp-vth-1999-01-01"}
    batch = {
        "Records": [
            record("INSERT", new=stranger, sequence="1"),
            record("INSERT", new=items["2024:nieuw@gemeente.example"], sequence="2"),
        ]
    }
    with caplog.at_level(logging.WARNING, logger="registrations"):
        assert dispatch(batch, Context()) == {"batchItemFailures": []}
    assert sent(sender) == [(SECOND, "nieuw@gemeente.example")]
    assert "1 records of a meeting this function does not serve, skipped" in caplog.text


def test_the_sweep_runs_every_meeting_within_its_retention_and_no_other(
    client, table, dispatch, deliverers, sender, clock, refreshed
):
    register_both(client, table)
    assert dispatch(dict(SWEEP_EVENT), Context()) == {"swept": {"sent": 2}}
    assert sorted(sent(sender)) == [(LETTER, "oud@gemeente.example"), (SECOND, "nieuw@gemeente.example")]
    assert [d.meeting.id for d in refreshed] == [LETTER, SECOND]

    # Past the 2023 meeting's retention (5 September 2023), only the 2024 meeting is swept, and a record or a
    # verdict for the 2023 one finds no deliverer
    clock.set("2023-10-01T10:00")
    refreshed.clear()
    assert dispatch(dict(SWEEP_EVENT), Context()) == {"swept": {}}
    assert [d.meeting.id for d in refreshed] == [SECOND]
    assert deliverers.for_meeting(LETTER) is None and deliverers.for_meeting(SECOND) is not None
    assert deliverers.for_meeting("ibp-vth-1999-01-01") is None


def test_a_sweep_out_of_time_defers_the_meetings_after_and_hands_them_on(client, table, deliverers, sender):
    register_both(client, table)
    handed_over = []
    dispatch = Dispatcher(lambda: deliverers, lambda e, c: None, continue_sweep=lambda e, c: handed_over.append(e))

    class AlmostOut(Context):
        def get_remaining_time_in_millis(self) -> int:
            return 5_000

    assert dispatch(dict(SWEEP_EVENT), AlmostOut()) == {"swept": {"deferred": 2}}
    assert handed_over == [{**SWEEP_EVENT, CONTINUED_SWEEP: 1}] and sender.sent == []
    assert dispatch(handed_over[0], Context()) == {"swept": {"sent": 2}}


def test_a_new_publication_of_one_meeting_sends_its_follow_up_at_once_and_to_its_registrants_only(
    client, table, dispatch, deliverers, sender, clock
):
    register_both(client, table)
    dispatch(dict(SWEEP_EVENT), Context())
    sender.sent.clear()
    second = deliverers.meetings.get(SECOND)
    stored = publication.publish(
        RegistrationRepository(table), SECOND, "https://teams.example/2024", [], "EF56", clock().isoformat(), 1
    )
    inserted = record("INSERT", new={**stored.to_item()}, sequence="9")
    assert second is not None and dispatch({"Records": [inserted]}, Context()) == {"batchItemFailures": []}
    assert sent(sender) == [(SECOND, "nieuw@gemeente.example")]


def test_ses_verdicts_land_in_the_meeting_their_tag_names(client, table, dispatch):
    register_both(client, table)
    bounce = ses_event("Bounce", to=["nieuw@gemeente.example"], event_tag=SECOND, bounceType="Permanent")
    assert dispatch(bounce, Context()) == {"ses": "recorded"}
    assert registrations(table, SECOND)["nieuw@gemeente.example"]["email_status"] == "bounced"
    assert "email_status" not in registrations(table, LETTER)["oud@gemeente.example"]
    # The same address under the other meeting's tag is not a registration there
    assert dispatch(ses_event("Bounce", to=["nieuw@gemeente.example"], bounceType="Permanent"), Context()) == {
        "ses": "unknown-address"
    }
    assert dispatch(ses_event("Delivery", event_tag="ibp-vth-1999-01-01"), Context()) == {"ses": "ignored"}


def test_every_log_line_names_the_meeting_it_is_about(client, table, dispatch, json_log):
    register_both(client, table)
    dispatch(dict(SWEEP_EVENT), Context())
    about = {(line["message"], line.get("meeting")) for line in json_log}
    assert (f"registration stored for event {LETTER}", LETTER) in about
    assert (f"registration stored for event {SECOND}", SECOND) in about
    assert (f"confirmation email for event {LETTER}: sent", LETTER) in about
    assert (f"confirmation email for event {SECOND}: sent", SECOND) in about
    sweeps = sorted(line["meeting"] for line in json_log if line["message"].startswith("sweep:"))
    assert sweeps == [LETTER, SECOND]
    # A refusal names the meeting the post was for; nothing is left behind for the next request
    json_log.clear()
    client.post("/api/registrations", json=form("geen-adres", SECOND))
    client.post("/api/registrations", json=form("geen-adres"))
    assert [line.get("meeting") for line in json_log if line.get("outcome") == "invalid"] == [SECOND, LETTER]
    client.post("/api/registrations", json=form("geen-adres", SECOND))
    foreign = {"Origin": "https://elders.example", "Sec-Fetch-Site": "cross-site"}
    assert client.post("/api/registrations", json=form("x@gemeente.example"), headers=foreign).status_code == 403
    [refused] = [line for line in json_log if line.get("outcome") == "foreign_origin"]
    assert "meeting" not in refused  # refused before the post named its meeting


def test_the_local_worker_delivers_every_meetings_mail(config):
    app, worker = app_with_worker(config, interval=0.2)
    try:
        client = own_page_client(app)
        assert client.post("/api/registrations", json=form("oud@gemeente.example")).status_code == 201
        assert client.post("/api/registrations", json=form("nieuw@gemeente.example", SECOND)).status_code == 201
        found = wait_for_messages(config["MAIL_OUTBOX"], 2)
    finally:
        worker.stop()
    subjects = sorted(str(m["Subject"]).rsplit(" op ", 1)[1] for m in found)
    assert subjects == ["7 juni 2023", "7 juni 2024"]
