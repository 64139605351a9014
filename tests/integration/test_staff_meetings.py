"""The staff command per meeting (--bijeenkomst): without it, the only meeting open for registration or still to
come; several (or none) are listed with their date and code, asked for in a terminal and a usage error without one;
an unknown code lists the known ones; and every command works on the chosen meeting only (dynalite, a second
meeting in a temporary MEETINGS_DIR)."""

from __future__ import annotations

import datetime as dt

import pytest
from boto3.dynamodb.conditions import Key

from registrations.delivery import publication
from registrations.meeting import Meetings
from registrations.staff import EXIT_ATTENTION, EXIT_OK, EXIT_USAGE
from tests.event_files import SECOND_MEETING, meetings_with_a_second

from .staff_support import EVENT, put_items, registration, run_cli

LETTER = EVENT.id
AMS = EVENT.timezone
# Registration for the 2023 meeting is open, and the 2024 meeting is still to come: both could be meant.
BOTH_COMING = dt.datetime(2023, 5, 10, 10, 0, tzinfo=AMS)
# The 2023 meeting has been held; only the 2024 meeting is still to come.
ONLY_SECOND = dt.datetime(2024, 1, 15, 10, 0, tzinfo=AMS)
# Both have been held.
BOTH_HELD = dt.datetime(2024, 7, 1, 10, 0, tzinfo=AMS)


@pytest.fixture
def env(staff_env, tmp_path):
    return {**staff_env, "MEETINGS_DIR": str(meetings_with_a_second(tmp_path))}


@pytest.fixture
def second(env):
    from pathlib import Path

    return Meetings.load(Path(env["MEETINGS_DIR"])).get(SECOND_MEETING)


@pytest.fixture
def stored(table, second):
    """Two registrations for the 2023 meeting, three for the second one (one address in both)."""
    put_items(
        table,
        [
            registration(1),
            registration(2),
            {**registration(2), "event": second.id},
            {**registration(3), "event": second.id},
            {**registration(4), "event": second.id},
        ],
    )


def at(moment):
    return lambda: moment


def test_the_only_meeting_still_to_come_is_picked_and_named(env, stored):
    code, out, err = run_cli(["summary"], env, clock=at(ONLY_SECOND))
    assert code == EXIT_OK, err
    assert "Totaal aangemeld: 3" in out.decode()
    assert f"Bijeenkomst {SECOND_MEETING} (vrijdag 7 juni 2024). Een andere? Gebruik --bijeenkomst CODE." in err


@pytest.mark.parametrize(("moment", "why"), [(BOTH_COMING, "Er zijn 2 bijeenkomsten"), (BOTH_HELD, "Er is geen")])
def test_several_or_none_still_to_come_are_listed_with_date_and_code_and_nothing_is_read(env, stored, moment, why):
    code, out, err = run_cli(["export"], env, clock=at(moment))
    assert code == EXIT_USAGE and out == b""
    assert why in err and "Kies er een met --bijeenkomst CODE:" in err
    lines = err.splitlines()
    assert any(LETTER in line and "woensdag 7 juni 2023" in line for line in lines), err
    assert any(SECOND_MEETING in line and "vrijdag 7 juni 2024" in line for line in lines), err


def test_in_a_terminal_the_command_asks_which_by_number_or_code(env, stored):
    code, out, err = run_cli(["summary"], env, clock=at(BOTH_COMING), answer="2\n")
    assert code == EXIT_OK, err
    assert "Voor welke bijeenkomst?" in err and "Typ het nummer of de code" in err
    assert "  1  ibp-vth-2023-06-07" in err and "  2  ibp-vth-2024-06-05" in err
    assert "Totaal aangemeld: 3" in out.decode()
    code, out, _ = run_cli(["summary"], env, clock=at(BOTH_COMING), answer=f"{LETTER}\n")
    assert code == EXIT_OK and "Totaal aangemeld: 2" in out.decode()
    code, _, err = run_cli(["summary"], env, clock=at(BOTH_COMING), answer="3\n")
    assert code == EXIT_USAGE and "‘3’ is geen van deze bijeenkomsten" in err


def test_an_unknown_code_is_refused_with_the_known_ones(env, stored):
    code, out, err = run_cli(["summary", "--bijeenkomst", "ibp-vth-2025"], env, clock=at(ONLY_SECOND))
    assert code == EXIT_USAGE and out == b""
    assert "--bijeenkomst ibp-vth-2025: die bijeenkomst bestaat niet. Deze zijn er:" in err
    assert LETTER in err and SECOND_MEETING in err


def test_the_export_and_the_corrections_work_on_the_chosen_meeting_only(env, stored, table, second):
    chosen = ["--bijeenkomst", LETTER]
    code, out, err = run_cli(["export", *chosen], env, clock=at(ONLY_SECOND))
    assert code == EXIT_OK and "Bijeenkomst" not in err, "a meeting given is not repeated"
    text = out.decode("utf-8-sig")
    assert registration(1)["email"] in text and registration(3)["email"] not in text
    # An address of the other meeting only: not found in this one
    code, _, err = run_cli(["cancel", registration(3)["email"], "--ja", *chosen], env, clock=at(ONLY_SECOND))
    assert code == EXIT_ATTENTION and "geen aanmelding met het adres" in err
    # The address in both: cancelled in the chosen meeting, not in the other
    assert run_cli(["cancel", registration(2)["email"], "--ja", *chosen], env, clock=at(ONLY_SECOND))[0] == EXIT_OK

    def status(meeting_id):
        items = table.query(KeyConditionExpression=Key("event").eq(meeting_id))["Items"]
        return next(item["status"] for item in items if item["email"] == registration(2)["email"])

    assert (status(LETTER), status(second.id)) == ("cancelled", "registered")


def test_the_follow_up_is_published_for_the_chosen_meeting_only(env, stored, table, tmp_path, second):
    from registrations.repository import RegistrationRepository

    content = tmp_path / "vervolgmail.toml"
    content.write_text(
        f'bijeenkomst = "{LETTER}"\nteams_link = "https://teams.example/l/1"\n'
        '[[papers]]\ntitle = "Agenda"\nurl = "https://vng.example/a.pdf"\n',
        encoding="utf-8",
    )
    send = ["send-followup", "--content-file", str(content), "--ja", "--niet-wachten"]
    # The file names the 2023 meeting: refused for the second one, nothing published
    code, _, err = run_cli([*send, "--bijeenkomst", second.id], env, clock=at(BOTH_COMING))
    assert code == EXIT_USAGE and f"niet voor {second.id}" in err
    repository = RegistrationRepository(table)
    assert publication.current(repository, second.id) is None
    code, _, err = run_cli([*send, "--bijeenkomst", LETTER], env, clock=at(BOTH_COMING))
    assert code == EXIT_OK, err
    assert publication.current(repository, LETTER).version == 1
    assert publication.current(repository, second.id) is None


def test_with_one_meeting_in_the_folder_it_is_used_whatever_the_date(staff_env, table):
    # The repository's own folder holds the 2023 meeting only: nothing to choose, as before there were several
    put_items(table, [registration(1)])
    code, out, err = run_cli(["summary"], staff_env, clock=at(BOTH_HELD))
    assert code == EXIT_OK and "Totaal aangemeld: 1" in out.decode() and "Bijeenkomst" not in err


@pytest.mark.parametrize("command", ["export", "summary", "send-followup", "cancel", "resend", "revoke-link"])
def test_every_command_takes_the_option_with_a_dutch_help(command, capsys):
    code, _, _ = run_cli([command, "--help"], {})
    help_text = " ".join(capsys.readouterr().out.split())
    assert code == EXIT_OK
    assert "--bijeenkomst CODE de code van de bijeenkomst" in help_text
