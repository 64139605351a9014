"""send-followup asks before it sends; `registrations cancel` and `resend` correct a registration on a person's
behalf. Against a real dynalite, with the local outbox."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest
from boto3.dynamodb.conditions import Key

from registrations import create_deliverer
from registrations.registration.corrections import make_confirmation_owed
from registrations.repository import RegistrationRepository

from .staff_support import EVENT, outbox_recipients, put_items, registration, run_cli

CONTENT = [
    "--teams-link",
    "https://teams.microsoft.com/l/meetup-join/1",
    "--paper",
    "Agenda",
    "https://vng.example/stukken/agenda.pdf",
    "--niet-wachten",
]
SUBJECT = "Subject: Vergaderlink en stukken: Bestuurlijke netwerkbijeenkomst IBP VTH, woensdag 7 juni 2023"
LATER = dt.datetime(2023, 5, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def outbox(staff_env) -> Path:
    return Path(staff_env["MAIL_OUTBOX"])


def stored(table, email: str) -> dict:
    return table.get_item(Key={"event": EVENT.id, "email": email}, ConsistentRead=True)["Item"]


def publications(table) -> int:
    return table.query(KeyConditionExpression=Key("event").eq("publications"), ConsistentRead=True)["Count"]


# --- send-followup asks first ----------------------------------------------------------------------------------


def test_send_followup_shows_the_email_and_the_count_and_publishes_after_yes(table, staff_env, outbox):
    put_items(table, [registration(1), registration(2), {**registration(3), "status": "cancelled"}])
    code, stdout, _ = run_cli(["send-followup", *CONTENT], staff_env, answer="j\n")
    text = stdout.decode()
    assert code == 0, text
    assert SUBJECT in text and "Krijgen hem nu: 2 aangemelde deelnemers." in text
    assert text.index("Doorgaan? (j/n) ") < text.index("Gepubliceerd: versie 1")
    # Published, not sent: the function's deliverer sends
    assert publications(table) == 1 and outbox_recipients(outbox) == {}


@pytest.mark.parametrize("answer", ["n\n", "\n", "misschien\n", ""])
def test_send_followup_publishes_nothing_unless_the_answer_is_yes(table, staff_env, outbox, answer):
    put_items(table, [registration(1)])
    code, stdout, _ = run_cli(["send-followup", *CONTENT], staff_env, answer=answer)
    assert code == 0
    assert "Doorgaan? (j/n) " in stdout.decode() and "Er is niets gepubliceerd en niets verstuurd." in stdout.decode()
    assert publications(table) == 0


def test_without_a_terminal_send_followup_refuses_unless_ja_is_given(table, staff_env, outbox):
    put_items(table, [registration(1)])
    code, stdout, stderr = run_cli(["send-followup", *CONTENT], staff_env)
    assert code == 2 and stdout == b""
    assert "er is geen terminal om die vraag te stellen" in stderr and "Voeg dan --ja toe" in stderr
    assert publications(table) == 0

    code, stdout, _ = run_cli(["send-followup", *CONTENT, "--ja"], staff_env)
    assert code == 0 and "Doorgaan?" not in stdout.decode() and SUBJECT in stdout.decode()
    assert publications(table) == 1


# --- cancel ----------------------------------------------------------------------------------------------------


def test_cancel_on_behalf_of_the_person_asks_then_marks_it_done_by_staff(table, staff_env, caplog):
    person = registration(1, given_name="Zoë", family_name="van 't Hoff")
    put_items(table, [person, registration(2)])

    code, stdout, _ = run_cli(["cancel", person["email"]], staff_env, answer="n\n")
    assert code == 0 and "Er is niets veranderd." in stdout.decode()
    assert stored(table, person["email"])["status"] == "registered"

    with caplog.at_level(logging.INFO, logger="registrations"):
        # typed as staff may type it: other capitals, spaces around
        code, stdout, _ = run_cli(
            ["cancel", f"  {person['email'].upper()} "], staff_env, answer="j\n", clock=lambda: LATER
        )
    text = stdout.decode()
    assert code == 0, text
    assert f"Afmelden namens de deelnemer:\n  Zoë van 't Hoff <{person['email']}>, " in text and "Afgemeld." in text
    item = stored(table, person["email"])
    assert (item["status"], item["cancelled_by"], item["cancelled_at"]) == (
        "cancelled",
        "staff",
        "2023-05-20T11:00:00+02:00",
    )
    assert stored(table, registration(2)["email"])["status"] == "registered"
    assert "registration cancelled by staff" in caplog.text
    assert person["email"] not in caplog.text and "Hoff" not in caplog.text, "no personal data in the log"

    code, stdout, _ = run_cli(["cancel", person["email"], "--ja"], staff_env)
    assert code == 0 and "was al afgemeld. Er is niets veranderd." in stdout.decode()


def test_cancel_of_an_unknown_address_changes_nothing_and_says_so(table, staff_env):
    put_items(table, [registration(1)])
    code, _, stderr = run_cli(["cancel", "niemand@gemeente.example", "--ja"], staff_env)
    assert code == 1 and "er is geen aanmelding met het adres niemand@gemeente.example" in stderr
    assert table.query(KeyConditionExpression=Key("event").eq(EVENT.id))["Count"] == 1


def test_cancel_without_a_terminal_needs_ja(table, staff_env):
    put_items(table, [registration(1)])
    code, _, stderr = run_cli(["cancel", registration(1)["email"]], staff_env)
    assert code == 2 and "--ja" in stderr
    assert stored(table, registration(1)["email"])["status"] == "registered"


def test_cancel_needs_an_address(staff_env):
    code, _, stderr = run_cli(["cancel"], staff_env)
    assert code == 2 and "registrations cancel: geef ADRES op" in stderr


# --- resend ----------------------------------------------------------------------------------------------------


def test_resend_makes_the_confirmation_owed_again(table, staff_env, caplog):
    person = {**registration(1), "confirmation_status": "failed", "confirmation_at": "2023-05-10T10:00:01+02:00"}
    put_items(table, [person])
    with caplog.at_level(logging.INFO, logger="registrations"):
        code, stdout, _ = run_cli(["resend", person["email"]], staff_env, clock=lambda: LATER)
    assert code == 0 and "staat klaar (mail_owed: confirmation)" in stdout.decode()
    item = stored(table, person["email"])
    # Owed as a registration owes it: the deliverer sends it, from the stream or the sweep
    assert (item["mail_owed"], item["mail_owed_at"]) == ("confirmation", "2023-05-20T11:00:00+02:00")
    assert "mail_status" not in item
    assert person["email"] not in caplog.text and "made owed again by staff" in caplog.text


def test_resend_refuses_a_cancelled_or_unknown_registration(table, staff_env):
    put_items(table, [{**registration(1), "status": "cancelled", "confirmation_status": "sent"}])
    code, _, stderr = run_cli(["resend", registration(1)["email"]], staff_env)
    assert code == 1 and "deze aanmelding is afgemeld" in stderr
    assert stored(table, registration(1)["email"])["confirmation_status"] == "sent"
    code, _, stderr = run_cli(["resend", "niemand@gemeente.example"], staff_env)
    assert code == 1 and "er is geen aanmelding met het adres" in stderr


def test_an_owed_confirmation_is_what_the_deliverer_sends(table, app_config, staff_env, outbox):
    person = {**registration(1), "mail_status": "sent", "mail_kind": "confirmation"}
    put_items(table, [person])
    make_confirmation_owed(RegistrationRepository(table), EVENT, person["email"], LATER)
    # The sweep, as on AWS every 5 minutes, sends it once
    create_deliverer(app_config, clock=lambda: LATER).sweep()
    create_deliverer(app_config, clock=lambda: LATER).sweep()
    assert outbox_recipients(outbox) == {person["email"]: 1}
    assert stored(table, person["email"])["mail_status"] == "sent"
