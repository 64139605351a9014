"""`make new-meeting`: a copied meeting folder with every date moved by one offset, its comments and layout kept, and
the texts to rewrite marked; `make publish` refuses while a mark is left, and names each one."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tomllib
from pathlib import Path

import boto3
import pytest

import registrations.meeting
from deploy import ROOT, new_meeting, publish
from deploy.marks import MARK, unrewritten_marks
from deploy.toml_dates import shift_dates
from registrations.meeting import Meetings, load_meeting
from tests.event_files import FILLED, event_file

SAMPLE_ID = "ibp-vth-2023-06-07"
# Where the sample meeting's three files come from: the 2023 meeting's folder.
SAMPLE_SOURCES = {
    name: ROOT / "docs" / "bijeenkomsten" / SAMPLE_ID / name
    for name in ("bijeenkomst.toml", "index.md", "achtergrond.md")
}
NEW_ID = "ibp-vth-2024-06-05"
NEW_DATE = dt.date(2024, 6, 5)
# The sample gets a fixed reminder, a cancellation and the old addresses, so that each has something to change.
FIXED_REMINDER = dt.datetime(2023, 6, 5, 9, 0)
MARK_TEXT = re.compile(r"\[HERSCHRIJVEN: [^\]]*\] ?")


@pytest.fixture
def root(tmp_path) -> Path:
    folder = tmp_path / "bijeenkomsten" / SAMPLE_ID
    folder.mkdir(parents=True)
    for name, source in SAMPLE_SOURCES.items():
        (folder / name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copy(ROOT / "docs" / "bijeenkomsten" / "gedeeld.toml", folder.parent / "gedeeld.toml")
    facts = folder / "bijeenkomst.toml"
    text, count = re.subn(
        r"(?m)^reminders = \[(.*)\]$", rf"reminders = [\1, {FIXED_REMINDER.isoformat()}]", facts.read_text()
    )
    assert count == 1
    text = re.sub(r"(?m)^cancelled = .*$", "cancelled = true", text)
    text = re.sub(r"(?m)^cancelled_reason = .*$", 'cancelled_reason = "De spreker is ziek."', text)
    if "old_addresses" not in text:
        text = text.replace(
            "\ncancelled = true", "\n# The letter's link leads here.\nold_addresses = true\ncancelled = true"
        )
    # A meeting may give its own roles (a table after the top-level keys): the copy must leave the table alone.
    text += '\n[[roles]]\nvalue = "voorzitter"\nlabel = "Voorzitter"\n'
    facts.write_text(text, encoding="utf-8")
    return tmp_path / "bijeenkomsten"


def make(root: Path, *args: str) -> int:
    argv = ["--from", SAMPLE_ID, "--id", NEW_ID, "--date", NEW_DATE.isoformat(), "--root", str(root), *args]
    return new_meeting.main(argv)


def facts(root: Path, meeting_id: str) -> dict:
    return tomllib.loads((root / meeting_id / "bijeenkomst.toml").read_text(encoding="utf-8"))


def dates(value, key=""):
    """Every date and date-time of a parsed TOML document, by its key."""
    if isinstance(value, dt.date):
        return {key: value}
    if isinstance(value, dict):
        return {k: d for name, item in value.items() for k, d in dates(item, f"{key}.{name}".lstrip(".")).items()}
    if isinstance(value, list):
        return {k: d for n, item in enumerate(value) for k, d in dates(item, f"{key}[{n}]").items()}
    return {}


def test_every_date_moves_by_the_same_offset(root):
    old = facts(root, SAMPLE_ID)
    assert make(root) == 0
    new = facts(root, NEW_ID)
    offset = NEW_DATE - old["date"]
    old_dates, new_dates = dates(old), dates(new)
    assert {"date", "letter_date", "last_registration_day"} <= set(old_dates)
    assert FIXED_REMINDER in old["reminders"]
    assert set(new_dates) == set(old_dates)
    assert {key: new_dates[key] - old_dates[key] for key in old_dates} == dict.fromkeys(old_dates, offset)
    assert new["date"] == NEW_DATE and FIXED_REMINDER + offset in new["reminders"]
    # A relative reminder moves with the start by itself: its text stays.
    assert [r for r in new["reminders"] if isinstance(r, str)] == [r for r in old["reminders"] if isinstance(r, str)]


def test_comments_layout_and_the_other_facts_stay(root):
    old_text = (root / SAMPLE_ID / "bijeenkomst.toml").read_text(encoding="utf-8")
    assert make(root) == 0
    new_text = (root / NEW_ID / "bijeenkomst.toml").read_text(encoding="utf-8")
    comments = [line for line in old_text.splitlines() if line.startswith("#")]
    above_old_addresses = re.search(r"(?m)((?:^#.*\n)*)^old_addresses", old_text).group(1).splitlines()
    assert [line for line in new_text.splitlines() if line.startswith("#")] == [
        line for line in comments if line not in above_old_addresses
    ]
    assert "2023-06-06T10:00:00" in new_text  # the reminders' comment names a date: a comment is not a value
    assert len(new_text.splitlines()) == len(old_text.splitlines()) - 1 - len(above_old_addresses)
    old, new = facts(root, SAMPLE_ID), facts(root, NEW_ID)
    changed = {"id", "cancelled", "cancelled_reason", "old_addresses", *new_meeting.REWRITE}
    changed |= {re.split(r"[.\[]", key)[0] for key in dates(old)}
    assert {k: v for k, v in new.items() if k not in changed} == {k: v for k, v in old.items() if k not in changed}
    assert new["title"] == old["title"] and new["roles"] == old["roles"] == [
        {"value": "voorzitter", "label": "Voorzitter"}
    ]


def test_the_id_is_set_the_cancellation_reset_and_the_old_addresses_dropped(root):
    assert facts(root, SAMPLE_ID)["cancelled"] is True
    assert make(root) == 0
    new = facts(root, NEW_ID)
    assert new["id"] == NEW_ID
    assert new["cancelled"] is False and new["cancelled_reason"] == ""
    assert "old_addresses" not in new
    assert facts(root, SAMPLE_ID)["id"] == SAMPLE_ID  # the source is left as it was


def test_the_texts_to_rewrite_are_marked(root):
    old = facts(root, SAMPLE_ID)
    assert make(root) == 0
    new = facts(root, NEW_ID)
    for key in ("subtitle", "signatory", "contact_email"):
        assert new[key].startswith(MARK) and new[key].endswith(f"] {old[key]}"), key
    for name in ("index.md", "achtergrond.md"):
        page = (root / NEW_ID / name).read_text(encoding="utf-8")
        body = page.split("\n---\n", 1)[1]
        after_heading = body.split("\n# ", 1)[1].split("\n")[1:]
        assert next(line for line in after_heading if line.strip()).startswith(f"{MARK}: deze pagina"), name
        assert re.search(r'(?m)^description: "\[HERSCHRIJVEN: ', page), name
    index = (root / NEW_ID / "index.md").read_text(encoding="utf-8").split("\n\n")
    [dated] = [n for n, block in enumerate(index) if "22 juni 2023" in block and MARK not in block]
    assert index[dated - 1].startswith(MARK) and "(22 juni 2023)" in index[dated - 1]
    # A block without a written day gets no mark of its own.
    praktisch = next(n for n, block in enumerate(index) if block.startswith("## Praktische informatie"))
    assert MARK not in index[praktisch - 1] and MARK not in index[praktisch + 1]


def test_the_new_meeting_still_loads(root):
    assert make(root) == 0
    meeting = Meetings.load(root).get(NEW_ID)
    old = Meetings.load(root).get(SAMPLE_ID)
    offset = NEW_DATE - old.starts_at.date()
    assert meeting.id == NEW_ID and meeting.starts_at.date() == NEW_DATE
    assert meeting.registration_closes_at.date() == old.registration_closes_at.date() + offset
    assert [r.moment.replace(tzinfo=None) for r in meeting.reminders] == [
        r.moment.replace(tzinfo=None) + offset for r in old.reminders
    ]
    assert meeting.subtitle.startswith(MARK) and not meeting.cancelled


def test_the_report_names_the_folder_the_offset_each_date_and_the_marks(root, capsys):
    assert make(root) == 0
    out = capsys.readouterr().out
    assert str(root / NEW_ID) in out and "Offset: 364 days" in out
    assert "2023-06-07 (Wed) → 2024-06-05 (Wed)" in out and "2023-06-05T09:00:00 (Mon) → 2024-06-03T09:00:00" in out
    assert "2023-05-24 (Wed) → 2024-05-22 (Wed)" in out and "2023-04-06 (Thu) → 2024-04-04 (Thu)" in out
    for line in unrewritten_marks(root):
        assert f"  {line}" in out


@pytest.mark.parametrize("bad", ["../elders", "Ibp-2024", "-ibp", "ibp_2024", "ibp 2024", ""])
def test_an_id_that_is_not_a_slug_is_refused(root, capsys, bad):
    assert new_meeting.main(["--from", SAMPLE_ID, f"--id={bad}", "--date", "2024-06-05", "--root", str(root)]) == 1
    assert "is not a meeting id" in capsys.readouterr().err
    assert sorted(p.name for p in root.parent.rglob("*") if p.is_dir()) == ["bijeenkomsten", SAMPLE_ID]


def test_an_existing_target_is_refused_and_left_alone(root, capsys):
    (root / NEW_ID).mkdir()
    (root / NEW_ID / "index.md").write_text("# Al bezig\n", encoding="utf-8")
    assert make(root) == 1
    assert "exists already" in capsys.readouterr().err
    assert [p.name for p in (root / NEW_ID).iterdir()] == ["index.md"]


def test_a_missing_source_is_refused(root, capsys):
    assert (
        new_meeting.main(["--from", "ibp-vth-2022-01-01", "--id", NEW_ID, "--date", "2024-06-05", "--root", str(root)])
        == 1
    )
    assert "no meeting to copy from" in capsys.readouterr().err and not (root / NEW_ID).exists()


def test_a_date_that_is_not_one_is_refused(root, capsys):
    with pytest.raises(SystemExit) as raised:
        make(root, "--date", "2024-13-01")
    assert raised.value.code == 2 and "not a date" in capsys.readouterr().err and not (root / NEW_ID).exists()


def test_only_values_move_not_strings_comments_or_the_statements_dates():
    text = (
        "date = 2023-06-07 # moved from 2023-06-07\n"
        'note = "see 2023-06-07"\n'
        "quote = '''2023-06-07'''\n"
        "accessibility_statement_date = 2023-05-01\n"
        "reminders = [\n  # 2023-06-01\n  2023-06-06T10:00:00,\n  2023-06-06 09:00:00+02:00,\n]\n"
        "[[x]]\nwhen = { at = 2023-01-31 }\n"
    )
    assert shift_dates(text, 2) == (
        "date = 2023-06-09 # moved from 2023-06-07\n"
        'note = "see 2023-06-07"\n'
        "quote = '''2023-06-07'''\n"
        "accessibility_statement_date = 2023-05-01\n"
        "reminders = [\n  # 2023-06-01\n  2023-06-08T10:00:00,\n  2023-06-08 09:00:00+02:00,\n]\n"
        "[[x]]\nwhen = { at = 2023-02-02 }\n"
    )


def test_a_key_of_the_same_name_in_a_table_is_left_alone(root):
    facts_file = root / SAMPLE_ID / "bijeenkomst.toml"
    facts_file.write_text(facts_file.read_text(encoding="utf-8") + "old_addresses = 1\n", encoding="utf-8")
    assert facts(root, SAMPLE_ID)["roles"][-1]["old_addresses"] == 1
    assert make(root) == 0
    new = facts(root, NEW_ID)
    assert "old_addresses" not in new and new["roles"][-1]["old_addresses"] == 1


def test_an_edit_that_does_not_give_the_facts_meant_writes_nothing(root, monkeypatch, capsys):
    monkeypatch.setattr(new_meeting, "shift_dates", lambda text, days: text)
    assert make(root) == 1
    assert (
        "did not give the facts meant (date, last_registration_day, letter_date, reminders)" in capsys.readouterr().err
    )
    assert not (root / NEW_ID).exists()


class ReachedAws(Exception):
    """Raised in place of a real boto3 session: publishing went past the checks."""


def remove_marks(root: Path) -> None:
    for path in root.rglob("*"):
        if path.suffix in (".md", ".toml"):
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"(?m)^\[HERSCHRIJVEN: [^\]]*\]\n\n", "", text)
            path.write_text(MARK_TEXT.sub("", text), encoding="utf-8")


def test_publish_names_every_mark_and_goes_on_once_they_are_rewritten(root, tmp_path, monkeypatch, capsys):
    assert make(root) == 0
    marks = unrewritten_marks(root)
    assert len(marks) >= 7 and all(NEW_ID in line for line in marks)
    for line in marks:
        path, number, text = line.split(":", 2)
        assert MARK in Path(path).read_text(encoding="utf-8").splitlines()[int(number) - 1] and MARK in text
    assert {Path(line.split(":")[0]).name for line in marks} == {"bijeenkomst.toml", "index.md", "achtergrond.md"}
    with pytest.raises(publish.PublishError) as raised:
        publish.require_rewritten(root)
    assert all(line in str(raised.value) for line in marks)

    monkeypatch.setattr(publish, "MEETINGS", root)
    monkeypatch.setattr(registrations.meeting, "load_meeting", lambda: load_meeting(event_file(tmp_path, **FILLED)))
    monkeypatch.setattr(boto3, "Session", lambda *a, **k: (_ for _ in ()).throw(ReachedAws()))
    assert publish.main(["--stage", "production"]) == 1
    error = capsys.readouterr().err
    assert "not published" in error and all(line in error for line in marks)

    remove_marks(root)
    assert unrewritten_marks(root) == []
    publish.require_rewritten(root)
    assert Meetings.load(root).get(NEW_ID).subtitle == facts(root, SAMPLE_ID)["subtitle"]
    with pytest.raises(ReachedAws):
        publish.main(["--stage", "production"])
