"""The follow-up as an email the deliverer owes: published once by staff, sent to everyone active (dynalite)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from boto3.dynamodb.conditions import Key

from registrations import create_app, create_deliverer
from registrations.lambda_handler import SWEEP_EVENT, Dispatcher
from tests.conftest import own_page_client
from tests.doubles import RecordingSender
from tests.mailbox import messages, personal_path_of, text_of

from .staff_support import EVENT, put_items, run_cli
from .staff_support import registration as new_registration

TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
CONTENT = [
    "--teams-link",
    TEAMS,
    "--paper",
    "Agenda",
    "https://vng.example/stukken/agenda.pdf",
    "--paper",
    "Notitie normering robuustheid",
    "https://vng.example/stukken/normering.pdf",
]


def registration(n: int, **form) -> dict:
    """A registration whose confirmation went out long ago."""
    item = {k: v for k, v in new_registration(n, **form).items() if not k.startswith("mail_owed")}
    return {**item, "mail_status": "sent", "mail_kind": "confirmation"}


def stored(table) -> dict[str, dict]:
    items = table.query(KeyConditionExpression=Key("event").eq(EVENT.id), ConsistentRead=True)["Items"]
    return {item["email"]: item for item in items}


def followups(app_config) -> list:
    return [m for m in messages(app_config["MAIL_OUTBOX"]) if m["Subject"].startswith(("Vergaderlink", "Gewijzigd"))]


def publish(staff_env, *extra, answer=None):
    args = ["send-followup", *CONTENT, "--niet-wachten", *extra]
    return run_cli(args if answer is not None else [*args, "--ja"], staff_env, answer=answer)


@pytest.fixture
def sender(app_config):
    return RecordingSender(app_config["MAIL_OUTBOX"])


@pytest.fixture
def deliverer(app_config, clock, sender):
    return create_deliverer(app_config, clock=clock, transport=sender)


def test_the_command_shows_the_email_and_the_count_and_publishes_only_on_yes(table, staff_env, deliverer, sender):
    put_items(table, [registration(1), registration(2), {**registration(3), "status": "cancelled"}])
    code, stdout, _ = publish(staff_env, answer="n")
    text = stdout.decode()
    assert code == 0 and "Er is niets gepubliceerd en niets verstuurd." in text
    assert "Subject: Vergaderlink en stukken" in text and TEAMS in text and "Agenda: https://vng.example" in text
    assert "Krijgen hem nu: 2 aangemelde deelnemers" in text and "Doorgaan? (j/n)" in text
    assert deliverer.sweep() == {} and sender.sent == []
    code, stdout, _ = publish(staff_env, answer="j")
    assert code == 0 and "Gepubliceerd: versie 1" in stdout.decode()
    # The command sent nothing itself; the deliverer does, once each
    assert sender.sent == []
    assert deliverer.sweep() == {"sent": 2}
    assert deliverer.sweep() == {}
    assert sorted(r for r, _ in sender.sent) == ["persoon00001@gemeente.example", "persoon00002@gemeente.example"]
    items = stored(table)
    assert items["persoon00001@gemeente.example"]["followup_version"] == 1
    assert items["persoon00001@gemeente.example"]["teams_link"] == TEAMS
    assert "followup_version" not in items["persoon00003@gemeente.example"]
    # The same content again is not a new version
    code, stdout, _ = publish(staff_env)
    assert code == 0 and "zijn al gepubliceerd (versie 1" in stdout.decode()


def test_the_email_as_received_has_the_link_the_papers_and_the_calendar_entry(app_config, table, staff_env, deliverer):
    put_items(table, [registration(1, given_name="Zoë", family_name="van 't Hoff")])
    publish(staff_env)
    deliverer.sweep()
    [message] = followups(app_config)
    text = text_of(message)
    assert message["Subject"].startswith("Vergaderlink en stukken: Bestuurlijke netwerkbijeenkomst")
    assert "Beste Zoë van 't Hoff," in text and TEAMS in text
    assert "- Notitie normering robuustheid: https://vng.example/stukken/normering.pdf" in text
    [calendar] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    ics = calendar.get_payload(decode=True).decode()
    assert "METHOD:REQUEST" in ics and "LOCATION:https://teams.microsoft.com" in ics


def test_a_late_registrant_and_one_who_registers_again_get_the_link_without_anyone_acting(
    app_config, clock, table, staff_env, valid_form, deliverer
):
    publish(staff_env)
    client = own_page_client(create_app(app_config, clock=clock))
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    assert deliverer.sweep() == {"sent": 1}  # one email, not two: the confirmation carries the follow-up
    [confirmation] = messages(app_config["MAIL_OUTBOX"])
    assert confirmation["Subject"].startswith("Aanmelding bevestigd") and TEAMS in text_of(confirmation)
    assert "Agenda: https://vng.example/stukken/agenda.pdf" in text_of(confirmation)
    assert stored(table)["j.vanthoff@gemeente.example"]["followup_version"] == 1
    assert deliverer.sweep() == {}
    # Cancelled: nothing more; registered again: the new registration gets it again
    client.post(f"{personal_path_of(confirmation)}/annuleren")
    deliverer.sweep()
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    assert deliverer.sweep() == {"sent": 1}
    last = [m for m in messages(app_config["MAIL_OUTBOX"]) if m["Subject"].startswith("Aanmelding bevestigd")]
    assert len(last) == 2 and all(TEAMS in text_of(m) for m in last)


def test_a_cancelled_registration_never_gets_it(app_config, table, staff_env, deliverer, sender):
    put_items(table, [{**registration(1), "status": "cancelled"}])
    publish(staff_env)
    assert deliverer.sweep() == {} and sender.sent == []


def test_follow_up_records_of_the_old_staff_command_are_honoured(table, staff_env, deliverer, sender):
    old = "2023-06-01T10:00:02+02:00"
    put_items(
        table,
        [
            {**registration(1), "followup_sent_at": old, "teams_link": TEAMS},
            {**registration(2), "followup_sent_at": old, "teams_link": "https://teams.example/another"},
            registration(3),
        ],
    )
    publish(staff_env)
    assert deliverer.sweep() == {"sent": 2}
    assert sorted(r for r, _ in sender.sent) == ["persoon00002@gemeente.example", "persoon00003@gemeente.example"]


class RunsOut:
    """A Lambda context with time for a few sends only: then the sweep must hand over and stop."""

    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:registrations-test"

    def __init__(self, sender, sends: int):
        self.sender, self.sends = sender, sends

    def get_remaining_time_in_millis(self):
        return 60_000 if len(self.sender.sent) < self.sends else 7_000


def test_a_cut_off_lambda_hands_over_the_rest_and_sends_nobody_twice(table, staff_env, deliverer, sender):
    put_items(table, [registration(n) for n in range(1, 13)])
    publish(staff_env)
    handed_over = []
    dispatch = Dispatcher(lambda: deliverer, lambda e, c: None, continue_sweep=lambda e, c: handed_over.append(e))
    rounds = 0
    event = dict(SWEEP_EVENT)
    while event is not None:
        rounds += 1
        dispatch(event, RunsOut(sender, sends=len(sender.sent) + 4))
        event = handed_over.pop() if handed_over else None
    assert rounds == 3  # 4 sends per invocation, then a continuation at once
    recipients = [r for r, _ in sender.sent]
    assert len(recipients) == 12 and len(set(recipients)) == 12


def test_the_command_follows_the_progress_until_everyone_has_it(table, staff_env, app_config, clock):
    put_items(table, [registration(n) for n in range(1, 4)])
    deliverer = create_deliverer(app_config, clock=clock, transport=RecordingSender(app_config["MAIL_OUTBOX"]))
    stop = threading.Event()

    def worker():
        while not stop.is_set():
            deliverer.sweep()
            stop.wait(0.2)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        code, stdout, _ = run_cli(["send-followup", *CONTENT, "--ja"], staff_env)
    finally:
        stop.set()
        thread.join(timeout=10)
    text = stdout.decode()
    assert code == 0, text
    assert "het versturen gaat dan gewoon door" in text
    assert "Verstuurd: 3, nog te versturen: 0, mislukt: 0, onzeker: 0" in text
    assert "Klaar: iedereen die is aangemeld, heeft de vervolgmail" in text


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--paper", "Agenda", "https://vng.example/a.pdf"], "Geef de Teams-link op"),
        (["--teams-link", TEAMS], "Geef minstens één stuk op"),
        (
            ["--teams-link", "http://teams.example/x", "--paper", "Agenda", "https://vng.example/a.pdf"],
            "De Teams-link moet een volledige https-link zijn",
        ),
        (
            ["--teams-link", TEAMS, "--paper", "Agenda", "javascript:alert(1)"],
            "De link van ‘Agenda’ moet een volledige https-link zijn",
        ),
        (["--teams-link", TEAMS, "--paper", " ", "https://vng.example/a.pdf"], "heeft geen titel"),
        (["--content-file", "/nonexistent/vervolgmail.toml"], "kan niet worden gelezen"),
    ],
)
def test_wrong_content_is_refused_and_nothing_is_published(table, staff_env, arguments, message):
    put_items(table, [registration(1)])
    code, stdout, stderr = run_cli(["send-followup", *arguments, "--ja"], staff_env)
    assert code == 2 and stdout == b""
    assert message in stderr
    assert table.query(KeyConditionExpression=Key("event").eq("publications"))["Count"] == 0


def test_the_old_sending_options_are_gone(staff_env):
    for option in ("--mail", "--from", "--rate", "--unconfirmed", "--dry-run"):
        code, _, stderr = run_cli(["send-followup", *CONTENT, option, "x"], staff_env)
        assert code == 2 and option in stderr, option


def test_content_can_come_from_a_file(table, staff_env, deliverer, sender, tmp_path: Path):
    put_items(table, [registration(1)])
    content = tmp_path / "vervolgmail.toml"
    content.write_text(
        f'teams_link = "{TEAMS}"\n\n[[papers]]\ntitle = "Agenda"\nurl = "https://vng.example/stukken/agenda.pdf"\n',
        encoding="utf-8",
    )
    code, stdout, _ = run_cli(["send-followup", "--content-file", str(content), "--ja", "--niet-wachten"], staff_env)
    assert code == 0 and "Gepubliceerd: versie 1" in stdout.decode()
    assert deliverer.sweep() == {"sent": 1}


def test_a_late_confirmation_that_must_be_retried_still_carries_the_follow_up_alone(
    app_config, clock, table, staff_env, valid_form, sender
):
    from registrations.mail.senders import MailNotSent
    from tests.doubles import BrokenSender

    publish(staff_env)
    own_page_client(create_app(app_config, clock=clock)).post("/api/registrations", json=valid_form)
    down = create_deliverer(app_config, clock=clock, transport=BrokenSender(MailNotSent("Throttling")))
    assert down.sweep() == {"retrying": 1}  # the follow-up is not sent on its own meanwhile
    clock.advance(minutes=2)
    assert create_deliverer(app_config, clock=clock, transport=sender).sweep() == {"sent": 1}
    [message] = messages(app_config["MAIL_OUTBOX"])
    assert message["Subject"].startswith("Aanmelding bevestigd") and TEAMS in text_of(message)
