"""A new meeting's folder, copied from an earlier one, with every date moved and the texts to rewrite marked.

    python -m deploy.new_meeting --from ibp-vth-2023-06-07 --id ibp-vth-2024-06-05 --date 2024-06-05
    make new-meeting FROM=ibp-vth-2023-06-07 ID=ibp-vth-2024-06-05 DATE=2024-06-05

- Copies <root>/<from>/ to <root>/<id>/ (root: docs/bijeenkomsten). Refuses an id that is not a slug, a source that
  is not there and a target that is.
- bijeenkomst.toml: `id` becomes the new id. Every date and date-time value moves by one offset, the new date minus
  the old `date`: letter_date, last_registration_day, a fixed reminder (2023-06-06T10:00:00). A relative reminder
  ("1 day before at 10:00") moves with the start by itself. The text is edited where the values are, so comments
  and layout stay; tomllib then checks that the dates moved by the offset and nothing else changed.
- A cancellation is reset, and `old_addresses` is dropped with the comment right above it: only the letter's
  meeting keeps the old addresses.
- Leaves `[HERSCHRIJVEN: ...]` marks (deploy/marks.py) where a text describes the old meeting; `make publish`
  refuses while one is left.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import MEETINGS
from .marks import folder_marks, mark, shown
from .toml_dates import SHARED_DATES, shift_dates

FACTS = "bijeenkomst.toml"
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
# The facts a copy gets wrong: the subject (the title names the series, which repeats; the subtitle names the
# pillar, which changes) and the people, who change between meetings. Each keeps its old text after its mark.
REWRITE = {
    "subtitle": "het onderwerp van deze bijeenkomst. Oud:",
    "signatory": "wie ondertekent de uitnodiging voor deze bijeenkomst? Oud:",
    "contact_email": "naar welk e-mailadres sturen mensen hun vragen over deze bijeenkomst? Oud:",
}
RESET: dict[str, Any] = {"cancelled": False, "cancelled_reason": ""}
DROPPED = ("old_addresses",)
# A fixed day in a page's text ("22 juni 2023", "op woensdag", 2023-06-22): the placeholders such as
# {{ event.date_text }} move with the facts, a written day does not.
MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
WEEKDAYS = "maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"
WRITTEN_DAY = re.compile(rf"\b(?:\d{{1,2}} (?:{MONTHS})(?: \d{{4}})?|{WEEKDAYS}|\d{{4}}-\d{{2}}-\d{{2}})\b", re.I)


class NewMeetingError(ValueError):
    """The copy cannot be made; nothing was written."""


@dataclass(frozen=True)
class Move:
    key: str
    old: dt.date
    new: dt.date


@dataclass(frozen=True)
class Copy:
    """What new_meeting did, for the report."""

    target: Path
    days: int
    moves: tuple[Move, ...]
    kept: tuple[str, ...]  # the relative reminders
    reset: tuple[str, ...]
    dropped: tuple[str, ...]
    marks: tuple[str, ...]


def _moved(value: Any, days: int, key: str, moves: list[Move]) -> Any:
    if isinstance(value, dt.date):  # a dt.datetime too
        new = value + dt.timedelta(days=days)
        moves.append(Move(key, value, new))
        return new
    if isinstance(value, dict):
        return {k: _moved(v, days, f"{key}.{k}", moves) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(v, days, f"{key}[{n}]", moves) for n, v in enumerate(value)]
    return value


def expected_facts(old: dict[str, Any], new_id: str, days: int) -> tuple[dict[str, Any], list[Move]]:
    """The new meeting's facts as tomllib must read them from the edited text, and the dates that moved."""
    moves: list[Move] = []
    facts = {
        key: value if key in SHARED_DATES else _moved(value, days, key, moves)
        for key, value in old.items()
        if key not in DROPPED
    }
    facts["id"] = new_id
    facts.update({key: value for key, value in RESET.items() if key in old})
    for key, hint in REWRITE.items():
        if isinstance(old.get(key), str):
            facts[key] = f"{mark(hint)} {old[key]}"
    return facts, moves


def rewrite_facts(text: str, days: int, old: dict[str, Any], facts: dict[str, Any]) -> str:
    """bijeenkomst.toml's text with the dates moved and `facts`' changed values written where the old ones were."""
    text = shift_dates(text, days)
    # The keys it changes are the top table's: the part before the first [table] or [[array of tables]].
    tables = re.search(r"(?m)^\[", text)
    top, rest = (text[: tables.start()], text[tables.start() :]) if tables else (text, "")
    for key in ("id", *RESET, *REWRITE):
        if key in old:
            line = f"{key} = {json.dumps(facts[key], ensure_ascii=False)}"  # a JSON string or bool is TOML too
            top = re.sub(rf"(?m)^{key}[ \t]*=.*$", lambda _, line=line: line, top, count=1)
    for key in DROPPED:
        top = re.sub(rf"(?m)(?:^#.*\n)*^{key}[ \t]*=.*(?:\n|\Z)", "", top)
    text = top + rest
    new = tomllib.loads(text)
    if new != facts:
        wrong = sorted(key for key in facts.keys() | new.keys() if facts.get(key) != new.get(key))
        raise NewMeetingError(f"{FACTS}: editing its text did not give the facts meant ({', '.join(wrong)})")
    return text


def _mark_description(front: str) -> str:
    """The page's description (front matter) with a mark: search engines show it, and it names the old subject."""
    found = re.search(r"(?m)^(description:[ \t]*)(\S.*)$", front)
    if not found or found.group(2)[0] in "|>":
        return front
    value, hint = found.group(2), mark("de beschrijving van deze pagina. Oud:")
    new = value[0] + f"{hint} " + value[1:] if value[0] in "\"'" else "'" + f"{hint} " + value.replace("'", "''") + "'"
    return front[: found.start(2)] + new + front[found.end(2) :]


def mark_page(text: str, from_id: str) -> str:
    """A copied page with a mark under its `# ` heading, and one before each paragraph that names a fixed day.

    Every paragraph would be too many: the writer would learn to delete marks unread. The top mark says the whole
    page is the old meeting's; the paragraph marks point at the facts that are certainly wrong, the written days.
    """
    front, body = "", text
    if text.startswith("---\n") and "\n---\n" in text[4:]:
        end = text.index("\n---\n", 4) + 5
        front, body = _mark_description(text[:end]), text[end:]
    lines = body.split("\n")
    starts = [n for n, line in enumerate(lines) if line[:1].strip() and (n == 0 or not lines[n - 1].strip())]
    top = mark(f"deze pagina gaat nog over de bijeenkomst {from_id}. Schrijf kop en tekst voor de nieuwe bijeenkomst")
    heading = next((n for n, at in enumerate(starts) if lines[at].startswith("# ")), None)
    marks: dict[int, list[str]] = {}
    top_at = len(lines) if heading is None or heading + 1 == len(starts) else starts[heading + 1]
    marks[(starts[0] if starts else 0) if heading is None else top_at] = [top]
    for n, at in enumerate(starts):
        block = "\n".join(lines[at : starts[n + 1] if n + 1 < len(starts) else len(lines)])
        days = sorted(set(WRITTEN_DAY.findall(block)), key=block.index)
        if days and n != heading:
            one = len(days) == 1
            said = "staat een vaste dag" if one else "staan vaste dagen"
            hint = f"hier {said} ({', '.join(days)}). {'Klopt die' if one else 'Kloppen die'} nog?"
            marks.setdefault(at, []).append(mark(hint))
    out = []
    for n, line in enumerate(lines + [""]):
        for hint in marks.get(n, []):
            out += [hint, ""]
        out.append(line)
    return front + "\n".join(out[:-1])


def _source_facts(root: Path, from_id: str, new_id: str) -> tuple[Path, Path, dict[str, Any], str]:
    for name, value in (("--from", from_id), ("--id", new_id)):
        if not SLUG.fullmatch(value):
            raise NewMeetingError(f"{name} {value!r} is not a meeting id: lower-case letters, digits and hyphens")
    source, target = root / from_id, root / new_id
    if not (source / FACTS).is_file():
        raise NewMeetingError(f"{shown(source)}: no meeting to copy from (no {FACTS} there)")
    if target.exists():
        raise NewMeetingError(f"{shown(target)} exists already: choose another id, or remove that folder first")
    text = (source / FACTS).read_text(encoding="utf-8")
    try:
        old = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NewMeetingError(f"{shown(source / FACTS)}: not valid TOML: {exc}") from exc
    if not isinstance(old.get("date"), dt.date) or isinstance(old["date"], dt.datetime):
        raise NewMeetingError(f"{shown(source / FACTS)}: date: must be a date (2023-06-07), the offset starts there")
    return source, target, old, text


def new_meeting(root: Path, from_id: str, new_id: str, day: dt.date) -> Copy:
    source, target, old, text = _source_facts(root, from_id, new_id)
    days = (day - old["date"]).days
    facts, moves = expected_facts(old, new_id, days)
    new_text = rewrite_facts(text, days, old, facts)
    pages = {path.relative_to(source): path.read_text(encoding="utf-8") for path in sorted(source.rglob("*.md"))}
    shutil.copytree(source, target)
    (target / FACTS).write_text(new_text, encoding="utf-8")
    for relative, page in pages.items():
        (target / relative).write_text(mark_page(page, from_id), encoding="utf-8")
    kept = tuple(value for value in old.get("reminders", []) if isinstance(value, str))
    reset = tuple(f"{key} = {json.dumps(value)}" for key, value in RESET.items() if key in old)
    dropped = tuple(key for key in DROPPED if key in old)
    return Copy(target, days, tuple(moves), kept, reset, dropped, tuple(folder_marks(target)))


def _day(value: dt.date) -> str:
    weekend = " (weekend: check it)" if value.weekday() >= 5 else ""
    return f"{value.isoformat()} ({value:%a}){weekend}"


def report(copy: Copy, from_id: str) -> str:
    weeks = f"{copy.days // 7} weeks: each weekday stays" if copy.days % 7 == 0 else "not whole weeks: weekdays change"
    lines = [f"New meeting: {shown(copy.target)} (copied from {from_id})", f"Offset: {copy.days} days ({weeks})"]
    width = max((len(move.key) for move in copy.moves), default=0)
    lines += [f"  {move.key:<{width}}  {_day(move.old)} → {_day(move.new)}" for move in copy.moves]
    if copy.kept:
        lines.append(f"Kept, relative to the start: reminders {', '.join(map(json.dumps, copy.kept))}")
    if copy.reset:
        lines.append(f"Reset: {', '.join(copy.reset)}")
    if copy.dropped:
        lines.append(f"Dropped: {', '.join(copy.dropped)} (only the letter's meeting keeps the old addresses)")
    lines.append(f"{len(copy.marks)} marks to resolve (make publish refuses while any is left):")
    lines += [f"  {line}" for line in copy.marks]
    lines.append(
        "Next (handbook/new-meeting.md): rewrite each marked text, check the dates, make run, make test, make publish"
    )
    return "\n".join(lines)


def _date(value: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise argparse.ArgumentTypeError(f"not a date (yyyy-mm-dd): {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (yyyy-mm-dd): {value!r}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="from_id", required=True, help="the id (folder) of the meeting to copy")
    parser.add_argument("--id", dest="new_id", required=True, help="the new meeting's id, also its folder's name")
    parser.add_argument("--date", type=_date, required=True, help="the new meeting's day, yyyy-mm-dd")
    parser.add_argument("--root", type=Path, default=MEETINGS, help="the folder of the meeting folders")
    args = parser.parse_args(argv)
    try:
        copy = new_meeting(args.root, args.from_id, args.new_id, args.date)
    except NewMeetingError as exc:
        print(f"make new-meeting: nothing made: {exc}", file=sys.stderr)
        return 1
    print(report(copy, args.from_id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
