"""The meetings as folders (meeting/catalogue.py): each <id>/bijeenkomst.toml over gedeeld.toml, read and checked
at the start, with errors that name the folder and the key."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from registrations.meeting import FACTS_FILE, MeetingFileError, Meetings, meetings_dir
from registrations.meeting import catalogue as catalogue_module
from tests.event_files import MEETING_FILE, MEETINGS_ROOT

AMS = ZoneInfo("Europe/Amsterdam")
LETTER = "ibp-vth-2023-06-07"
SECOND = "ibp-vth-2024-06-05"


def copy_of_meetings(tmp_path: Path) -> Path:
    root = tmp_path / "bijeenkomsten"
    shutil.copytree(MEETINGS_ROOT, root, ignore=shutil.ignore_patterns("*.md"))
    return root


def add_meeting(root: Path, meeting_id: str = SECOND, *, year: str = "2024", extra: str = "") -> Path:
    """A second meeting: the letter's facts a year on, without the old addresses."""
    text = MEETING_FILE.read_text(encoding="utf-8").replace(f'id = "{LETTER}"', f'id = "{meeting_id}"')
    text = text.replace("2023-", f"{year}-").replace("old_addresses = true", "") + extra
    folder = root / meeting_id
    folder.mkdir()
    (folder / FACTS_FILE).write_text(text, encoding="utf-8")
    return folder


def test_the_repository_holds_the_letters_meeting_with_the_shared_choices():
    meetings = Meetings.load(MEETINGS_ROOT)
    assert [m.id for m in meetings] == [LETTER]
    letter = meetings.letter_meeting
    assert letter.old_addresses and letter.starts_at == dt.datetime(2023, 6, 7, 13, 30, tzinfo=AMS)
    # The organisations and roles come from gedeeld.toml: the meeting's own file has none.
    assert "\n[[organisations]]" not in MEETING_FILE.read_text(encoding="utf-8")
    assert letter.organisation_label("fumo") == "Fryslân Omgevingsdienst (FUMO)" and letter.roles


def test_two_meetings_load_in_the_order_they_start_and_each_is_found_by_its_id(tmp_path):
    root = copy_of_meetings(tmp_path)
    add_meeting(root, "aaa-later", year="2025")
    add_meeting(root)
    meetings = Meetings.load(root)
    assert [m.id for m in meetings] == [LETTER, SECOND, "aaa-later"]
    assert meetings.get(SECOND).starts_at.year == 2024 and meetings.get("nope") is None
    assert meetings.letter_meeting.id == LETTER


def test_a_meeting_may_give_its_own_organisations(tmp_path):
    root = copy_of_meetings(tmp_path)
    add_meeting(root, extra='\n[[organisations]]\nvalue = "een"\nlabel = "Omgevingsdienst Een"\n')
    meetings = Meetings.load(root)
    assert [c.value for c in meetings.get(SECOND).organisations] == ["een"]
    assert len(meetings.get(LETTER).organisations) > 1


def test_the_home_page_leads_with_the_open_meeting_then_the_next_then_the_last(tmp_path):
    root = copy_of_meetings(tmp_path)
    add_meeting(root)
    meetings = Meetings.load(root)
    assert meetings.featured(dt.datetime(2023, 5, 1, tzinfo=AMS)).id == LETTER  # open
    assert meetings.featured(dt.datetime(2023, 5, 30, tzinfo=AMS)).id == SECOND  # closed, not started: the next
    assert meetings.featured(dt.datetime(2024, 5, 1, tzinfo=AMS)).id == SECOND  # open
    assert meetings.featured(dt.datetime(2026, 1, 1, tzinfo=AMS)).id == SECOND  # all held: the last one


def test_only_meetings_within_their_retention_still_owe_mail(tmp_path):
    root = copy_of_meetings(tmp_path)
    add_meeting(root)
    meetings = Meetings.load(root)
    assert [m.id for m in meetings.within_retention(dt.datetime(2023, 7, 1, tzinfo=AMS))] == [LETTER, SECOND]
    assert [m.id for m in meetings.within_retention(dt.datetime(2023, 9, 6, tzinfo=AMS))] == [SECOND]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda root: add_meeting(root, "Bad_Id"), "Bad_Id"),
        (lambda root: (root / "leeg").mkdir(), f"leeg: {FACTS_FILE} is missing"),
        (lambda root: add_meeting(root, extra="\nold_addresses = true\n"), "old_addresses"),
        (lambda root: add_meeting(root, extra='\ndata_protection_officer_email = "fg@vng.nl"\n'), "gedeeld.toml"),
        (
            lambda root: (
                (root / SECOND).mkdir()
                or (root / SECOND / FACTS_FILE).write_text(MEETING_FILE.read_text(encoding="utf-8"))
            ),
            f"{SECOND}/{FACTS_FILE}: id",
        ),
        (lambda root: add_meeting(root, extra="\nlast_registration_day = 2024-06-09\n"), "not valid TOML"),
    ],
    ids=["bad-folder-name", "no-facts", "two-old-addresses", "statement-fact", "id-not-folder", "toml-twice"],
)
def test_a_wrong_folder_stops_the_load_and_names_folder_and_key(tmp_path, change, named):
    root = copy_of_meetings(tmp_path)
    change(root)
    with pytest.raises(MeetingFileError) as raised:
        Meetings.load(root)
    assert named in str(raised.value)


def test_dates_that_contradict_each_other_name_the_meetings_file(tmp_path):
    root = copy_of_meetings(tmp_path)
    folder = add_meeting(root)
    facts = folder / FACTS_FILE
    facts.write_text(
        facts.read_text().replace("last_registration_day = 2024-05-24", "last_registration_day = 2024-06-09")
    )
    with pytest.raises(MeetingFileError) as raised:
        Meetings.load(root)
    assert str(facts) in str(raised.value) and "registration must close before the meeting starts" in str(raised.value)


def test_the_folder_is_meetings_dir_then_the_packaged_facts_then_the_repository(tmp_path, monkeypatch):
    assert meetings_dir({"MEETINGS_DIR": str(tmp_path)}) == tmp_path
    monkeypatch.setattr(catalogue_module, "PACKAGED", tmp_path / "missing")
    assert meetings_dir({}) == MEETINGS_ROOT
    monkeypatch.setattr(catalogue_module, "PACKAGED", tmp_path)
    assert meetings_dir({}) == tmp_path
