"""`registrations send-followup` against a real dynalite, with the local outbox as the mail sender."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import pytest
from boto3.dynamodb.conditions import Key

from registrations.mail.senders import MailNotSent
from registrations.staff import cli

from .staff_support import EVENT, outbox_recipients, put_items, registration, run_cli

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
    "--rate",
    "1000",
    "--ja",
]


@pytest.fixture
def outbox(staff_env) -> Path:
    return Path(staff_env["MAIL_OUTBOX"])


def stored(table) -> dict[str, dict]:
    items = table.query(KeyConditionExpression=Key("event").eq(EVENT.id), ConsistentRead=True)["Items"]
    return {item["email"]: item for item in items}


def test_dry_run_shows_recipients_and_the_message_and_changes_nothing(table, staff_env, outbox):
    put_items(
        table,
        [
            registration(1, given_name="Zoë", family_name="van 't Hoff"),
            registration(2),
            {**registration(3), "status": "cancelled"},
        ],
    )
    before = stored(table)

    code, stdout, _ = run_cli(["send-followup", "--dry-run", *CONTENT], staff_env)

    text = stdout.decode()
    assert code == 0
    assert "Proefrun: er wordt niets verstuurd en niets vastgelegd." in text
    assert "Ontvangers: 2" in text and "Afgemeld (krijgen geen mail): 1" in text
    assert f"Zoë van 't Hoff <{registration(1)['email']}>" in text
    assert registration(2)["email"] in text and registration(3)["email"] not in text
    assert "Beste Zoë van 't Hoff," in text
    assert TEAMS in text and "- Agenda: https://vng.example/stukken/agenda.pdf" in text
    assert f"Log in met hetzelfde e-mailadres waarmee u zich hebt aangemeld: {registration(1)['email']}." in text
    assert not outbox.exists() or not any(outbox.iterdir())
    assert stored(table) == before


def test_a_run_sends_once_to_each_active_registrant_and_a_second_run_sends_nothing(table, staff_env, outbox):
    active = [registration(i) for i in range(5)]
    put_items(table, [*active, {**registration(9), "status": "cancelled"}])

    # When staff send the follow-up
    code, stdout, _ = run_cli(["send-followup", *CONTENT], staff_env)

    # Then every active registrant has exactly one message, and the send time is on their item
    assert code == 0, stdout.decode()
    assert "Verstuurd: 5" in stdout.decode()
    assert outbox_recipients(outbox) == {item["email"]: 1 for item in active}
    items = stored(table)
    for item in active:
        sent_at = dt.datetime.fromisoformat(items[item["email"]]["followup_sent_at"])
        assert sent_at.utcoffset() is not None
        assert "followup_claim" not in items[item["email"]]
    assert "followup_sent_at" not in items[registration(9)["email"]]

    # When they run it again
    code, stdout, _ = run_cli(["send-followup", *CONTENT], staff_env)

    # Then nobody gets a second message
    assert code == 0
    assert "Eerder al verstuurd (overgeslagen): 5" in stdout.decode()
    assert "Er is niemand die de vervolgmail nog moet krijgen." in stdout.decode()
    assert sum(outbox_recipients(outbox).values()) == 5

    # And a late registrant gets it on the next run, alone
    put_items(table, [registration(7)])
    code, stdout, _ = run_cli(["send-followup", *CONTENT], staff_env)
    assert code == 0 and "Verstuurd: 1" in stdout.decode()
    assert outbox_recipients(outbox) == {item["email"]: 1 for item in [*active, registration(7)]}


def test_the_message_sent_is_dutch_with_both_parts_and_the_links(table, staff_env, outbox):
    put_items(table, [registration(1, given_name="Ærøskøbing", family_name="<b>de Vries</b>")])
    assert run_cli(["send-followup", *CONTENT], staff_env)[0] == 0
    [path] = outbox.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert (
        message["Subject"] == "Vergaderlink en stukken: Bestuurlijke netwerkbijeenkomst IBP VTH, woensdag 7 juni 2023"
    )
    assert message["To"].addresses[0].display_name == "Ærøskøbing <b>de Vries</b>"
    assert message["Reply-To"] == EVENT.contact_email
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Wanneer: woensdag 7 juni 2023, 13.30 tot 15.00 uur" in plain
    assert f'<a href="{TEAMS}">Deelnemen via Microsoft Teams</a>' in html
    assert '<a href="https://vng.example/stukken/normering.pdf">Notitie normering robuustheid</a>' in html
    assert "&lt;b&gt;de Vries&lt;/b&gt;" in html and "<b>de Vries</b>" not in html
    assert '<html lang="nl">' in html


def test_content_can_come_from_a_file(table, staff_env, outbox, tmp_path):
    put_items(table, [registration(1)])
    content = tmp_path / "vervolgmail.toml"
    content.write_text(
        f'teams_link = "{TEAMS}"\n\n[[papers]]\ntitle = "Agenda"\nurl = "https://vng.example/stukken/agenda.pdf"\n',
        encoding="utf-8",
    )
    code, stdout, _ = run_cli(["send-followup", "--content-file", str(content), "--rate", "1000", "--ja"], staff_env)
    assert code == 0 and "Verstuurd: 1" in stdout.decode()
    [path] = outbox.glob("*.eml")
    assert "https://vng.example/stukken/agenda.pdf" in path.read_text()


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
            ["--teams-link", TEAMS, "--paper", "Agenda", "vng.example/a.pdf"],
            "De link van ‘Agenda’ moet een volledige https-link zijn",
        ),
        (["--teams-link", TEAMS, "--paper", " ", "https://vng.example/a.pdf"], "heeft geen titel"),
        (["--content-file", "/nonexistent/vervolgmail.toml"], "kan niet worden gelezen"),
    ],
)
def test_missing_or_wrong_content_is_refused_before_anything_is_sent(table, staff_env, outbox, arguments, message):
    put_items(table, [registration(1)])
    code, stdout, stderr = run_cli(["send-followup", *arguments], staff_env)
    assert code == 2 and stdout == b""
    assert message in stderr
    assert not outbox.exists()


class Crash(BaseException):
    """Stands for the process dying (power cut, kill -9): nothing after it runs."""


class CrashingSender:
    """The real outbox sender that dies after `after` messages, either just after handing one over (the worst
    moment: sent, not recorded) or just before handing the next one over (claimed, not sent)."""

    def __init__(self, inner, after: int, moment: str):
        self.inner, self.after, self.moment, self.count = inner, after, moment, 0

    def send(self, message, recipient, tags=None):
        if self.moment == "before handing over" and self.count == self.after:
            raise Crash()
        message_id = self.inner.send(message, recipient)
        self.count += 1
        if self.moment == "after handing over" and self.count == self.after:
            raise Crash()
        return message_id


@pytest.mark.parametrize(
    "moment, resolution",
    [
        ("after handing over", "mark-sent"),
        ("before handing over", "resend"),
    ],
)
def test_a_crash_part_way_loses_nobody_and_sends_nobody_twice(
    table, staff_env, outbox, monkeypatch, moment, resolution
):
    registrants = [registration(i) for i in range(8)]
    put_items(table, registrants)
    everyone = {item["email"]: 1 for item in registrants}
    real_sender = cli.sender_from_settings

    # Given a run that dies after 3 messages
    monkeypatch.setattr(cli, "sender_from_settings", lambda config: CrashingSender(real_sender(config), 3, moment))
    with pytest.raises(Crash):
        run_cli(["send-followup", *CONTENT], staff_env)
    monkeypatch.setattr(cli, "sender_from_settings", real_sender)
    items = stored(table)
    unconfirmed = [e for e, item in items.items() if "followup_claim" in item and "followup_sent_at" not in item]
    assert len(unconfirmed) == 1
    recorded = sum(1 for item in items.values() if "followup_sent_at" in item)
    assert recorded == (2 if moment == "after handing over" else 3)

    # When staff simply run it again
    code, stdout, _ = run_cli(["send-followup", *CONTENT], staff_env)

    # Then everyone else gets the message, nobody twice, and the one unconfirmed send is reported, not repeated
    text = stdout.decode()
    assert code == 1, "an unconfirmed send needs a person's decision"
    assert f"Verstuurd: {8 - recorded - 1}" in text and "Onbevestigd: 1." in text and unconfirmed[0] in text
    received = outbox_recipients(outbox)
    assert max(received.values()) == 1
    expected_missing = set() if moment == "after handing over" else {unconfirmed[0]}
    assert set(everyone) - set(received) == expected_missing

    # When staff have checked and resolve it (a claim is only touched once it is 10 minutes old)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11)
    code, stdout, _ = run_cli(["send-followup", *CONTENT, "--unconfirmed", resolution], staff_env, clock=lambda: later)

    # Then everyone has exactly one message and every item records it
    assert code == 0, stdout.decode()
    assert outbox_recipients(outbox) == everyone
    assert all("followup_sent_at" in item and "followup_claim" not in item for item in stored(table).values())
    code, stdout, _ = run_cli(["send-followup", *CONTENT], staff_env)
    assert code == 0 and "Er is niemand die de vervolgmail nog moet krijgen." in stdout.decode()
    assert outbox_recipients(outbox) == everyone


def test_a_fresh_unconfirmed_claim_is_left_alone_as_it_may_be_another_run(table, staff_env, outbox, monkeypatch):
    put_items(table, [registration(1)])
    real_sender = cli.sender_from_settings
    monkeypatch.setattr(cli, "sender_from_settings", lambda c: CrashingSender(real_sender(c), 0, "before handing over"))
    with pytest.raises(Crash):
        run_cli(["send-followup", *CONTENT], staff_env)
    monkeypatch.setattr(cli, "sender_from_settings", real_sender)

    code, stdout, _ = run_cli(["send-followup", *CONTENT, "--unconfirmed", "resend"], staff_env)

    assert code == 1, "still unconfirmed"
    assert "mogelijk nog bezig in een andere run" in stdout.decode()
    assert outbox_recipients(outbox) == {}


class FailingFor:
    """A sender that refuses (like SES on a bad address or throttling) for some addresses."""

    def __init__(self, inner, refuse: set[str]):
        self.inner, self.refuse = inner, refuse

    def send(self, message, recipient, tags=None):
        if recipient in self.refuse:
            raise MailNotSent("Throttling")
        return self.inner.send(message, recipient)


def test_a_refused_message_is_reported_and_retried_on_the_next_run(table, staff_env, outbox, monkeypatch):
    registrants = [registration(i) for i in range(3)]
    put_items(table, registrants)
    refused = registrants[1]["email"]
    real_sender = cli.sender_from_settings
    monkeypatch.setattr(cli, "sender_from_settings", lambda c: FailingFor(real_sender(c), {refused}))

    code, stdout, _ = run_cli(["send-followup", *CONTENT], staff_env)

    assert code == 1
    assert (
        f"Mislukt: 1. Deze worden bij een volgende run opnieuw geprobeerd:\n  {refused}: Throttling" in stdout.decode()
    )
    assert "followup_claim" not in stored(table)[refused]
    monkeypatch.setattr(cli, "sender_from_settings", real_sender)
    code, stdout, _ = run_cli(["send-followup", *CONTENT], staff_env)
    assert code == 0 and "Verstuurd: 1" in stdout.decode()
    assert outbox_recipients(outbox) == {item["email"]: 1 for item in registrants}


def test_a_registrant_who_cancels_after_planning_is_not_sent_to(table, staff_env, outbox, monkeypatch):
    registrants = [registration(i) for i in range(2)]
    put_items(table, registrants)
    original_make_plan = cli.make_plan

    def plan_then_cancel(items):
        plan = original_make_plan(items)
        table.update_item(
            Key={"event": EVENT.id, "email": registrants[0]["email"]},
            UpdateExpression="SET #s = :c",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":c": "cancelled"},
        )
        return plan

    monkeypatch.setattr(cli, "make_plan", plan_then_cancel)
    code, stdout, _ = run_cli(["send-followup", *CONTENT], staff_env)
    assert code == 0
    assert "Overgeslagen (intussen afgemeld of door een andere run opgepakt): 1" in stdout.decode()
    assert outbox_recipients(outbox) == {registrants[1]["email"]: 1}


def test_sending_through_ses_needs_a_sender_address(table, staff_env, outbox):
    put_items(table, [registration(1)])
    env = {key: value for key, value in staff_env.items() if key != "MAIL_SENDER"}
    code, stdout, stderr = run_cli(["send-followup", *CONTENT, "--mail", "ses"], env)
    assert code == 2 and stdout == b""
    assert "Geef de afzender op" in stderr
    assert "followup_claim" not in stored(table)[registration(1)["email"]]
