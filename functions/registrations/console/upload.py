"""vervolgmail.toml as staff upload it in the AWS console: read what Windows editors make, check every field and
file, and derive the confirmation code from exactly what was checked.

The code is a short base32 of a SHA-256 over the event, the Teams link and each paper's title, link or file name
and the file's bytes. Publishing needs the line `versturen = "<code>"` in the file: a file or field that changed
after the check gives another code, so nothing is published that nobody saw in controle.txt. The line is taken out
before the TOML is read, wherever it stands: in TOML a key written after `[[papers]]` would belong to the last
paper, and people paste such a line at the end.

Every problem is collected (not only the first) as a Dutch sentence naming the field or the file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

from .content import FollowupContentError, check_link, named_meeting_problem
from .paper_files import content_problem, name_problem, size_problem
from .text import decode, straighten_quotes, take_code_line, toml_problem, unknown_keys

CONTENT_NAME = "vervolgmail.toml"
# Windows hides known extensions: "vervolgmail.toml" typed in Notepad's save dialog becomes this.
CONTENT_NAMES = (CONTENT_NAME, CONTENT_NAME + ".txt")
# bijeenkomst: optional, the meeting the file is for (checked against the folder it is uploaded into).
TOP_KEYS = ("bijeenkomst", "teams_link", "papers")
PAPER_KEYS = ("title", "url", "file")


class Uploads(Protocol):
    """The files beside vervolgmail.toml (the bucket's vervolgmail/ folder, or the local folder)."""

    def names(self) -> list[str]: ...

    def size(self, name: str) -> int | None: ...

    def read(self, name: str) -> bytes | None: ...


@dataclass(frozen=True)
class CheckedPaper:
    title: str
    url: str = ""
    file: str = ""
    sha256: str = ""
    size: int = 0
    data: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True)
class CheckResult:
    source: str
    teams_link: str = ""
    papers: tuple[CheckedPaper, ...] = ()
    problems: tuple[str, ...] = ()
    # What was accepted as Windows editors make it (a BOM, Windows-1252, curly quotes), said in controle.txt.
    notes: tuple[str, ...] = ()
    # The code of exactly this content ("" when there are problems) and the one the file carries, if any.
    code: str = ""
    given_code: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def confirmed(self) -> bool:
        return self.ok and self.given_code is not None and same_code(self.given_code, self.code)


def same_code(given: str, code: str) -> bool:
    def plain(text: str) -> str:
        return re.sub(r"[\s-]", "", text).upper()

    return bool(code) and plain(given) == plain(code)


def confirmation_code(event_id: str, teams_link: str, papers: tuple[CheckedPaper, ...]) -> str:
    canonical = json.dumps(
        {
            "event": event_id,
            "teams_link": teams_link,
            "papers": [{"title": p.title, "url": p.url, "file": p.file, "sha256": p.sha256} for p in papers],
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    text = base64.b32encode(digest).decode("ascii")[:10]
    return f"{text[:5]}-{text[5:]}"


def check_upload(source: str, raw: bytes, uploads: Uploads, event_id: str) -> CheckResult:
    """Read and check vervolgmail.toml (its name and bytes) and the files it names; never raises."""
    notes: list[str] = []
    if source.endswith(".txt"):
        notes.append(f"Het bestand heet {source} (Windows voegde .txt toe); het is gelezen als {CONTENT_NAME}.")
    text, read_notes, problems = decode(raw, source)
    notes += read_notes
    if text is None:
        return CheckResult(source, problems=tuple(problems), notes=tuple(notes))
    text, straightened = straighten_quotes(text)
    if straightened:
        notes.append(
            "Er stonden gekrulde aanhalingstekens (“ ” of ‘ ’) om een waarde, zoals Word ze maakt; die zijn "
            "als rechte gelezen."
        )
    text, codes, code_problems = take_code_line(text)
    problems += code_problems
    given_code = codes[-1] if codes else None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problems.append(toml_problem(exc, source, text))
        return CheckResult(source, problems=tuple(problems), notes=tuple(notes), given_code=given_code)
    problems += unknown_keys(data, TOP_KEYS, source)
    problems += [p for p in [named_meeting_problem(data.get("bijeenkomst"), event_id)] if p]
    teams_link = _checked_link(data.get("teams_link"), "De Teams-link (teams_link)", problems)
    papers = _checked_papers(data.get("papers"), uploads, problems)
    if problems:
        return CheckResult(source, problems=tuple(problems), notes=tuple(notes), given_code=given_code)
    code = confirmation_code(event_id, teams_link, papers)
    return CheckResult(source, teams_link, papers, (), tuple(notes), code, given_code)


def _checked_link(value: Any, what: str, problems: list[str]) -> str:
    if value is None or value == "":
        hint = ' Zet bovenaan: teams_link = "https://teams.microsoft.com/…".' if "teams_link" in what else ""
        problems.append(f"{what} ontbreekt.{hint}")
        return ""
    if not isinstance(value, str):
        problems.append(f"{what} moet een link tussen aanhalingstekens zijn.")
        return ""
    try:
        return check_link(value, what)
    except FollowupContentError as exc:
        problems.append(str(exc))
        return ""


def _checked_papers(value: Any, uploads: Uploads, problems: list[str]) -> tuple[CheckedPaper, ...]:
    if value is None:
        problems.append("Er staat geen stuk in het bestand. Zet elk stuk onder een eigen regel [[papers]].")
        return ()
    if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
        problems.append("papers: zet elk stuk onder een eigen regel [[papers]], met title en url of file.")
        return ()
    available = uploads.names()
    papers: list[CheckedPaper] = []
    titles: dict[str, int] = {}
    files: dict[str, int] = {}
    for number, raw in enumerate(value, start=1):
        title = " ".join(str(raw.get("title", "")).split())
        where = f"Stuk {number}" + (f" (‘{title}’)" if title else "")
        problems += unknown_keys(raw, PAPER_KEYS, where)
        if not title:
            problems.append(f"{where}: title (de titel) ontbreekt.")
        elif title.casefold() in titles:
            problems.append(
                f"{where}: stuk {titles[title.casefold()]} heeft dezelfde titel. Geef elk stuk een eigen titel."
            )
        else:
            titles[title.casefold()] = number
        url, name = raw.get("url"), raw.get("file")
        if (url is None) == (name is None):
            problems.append(
                f"{where}: geef óf url (een link) óf file (een bestand in vervolgmail/), niet allebei of geen van beide."
            )
            continue
        if url is not None:
            link = _checked_link(url, f"{where}: de link (url)", problems)
            papers.append(CheckedPaper(title, url=link))
            continue
        if not isinstance(name, str):
            problems.append(f"{where}: file moet een bestandsnaam tussen aanhalingstekens zijn.")
            continue
        problem = name_problem(name)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        if name.casefold() in files:
            problems.append(
                f"{where}: stuk {files[name.casefold()]} noemt hetzelfde bestand ‘{name}’. Elk bestand één keer."
            )
            continue
        files[name.casefold()] = number
        paper = _checked_file(where, title, name, available, uploads, problems)
        if paper is not None:
            papers.append(paper)
    return tuple(papers)


def _checked_file(
    where: str, title: str, name: str, available: list[str], uploads: Uploads, problems: list[str]
) -> CheckedPaper | None:
    # A Mac may store "ë" as "e" plus a combining mark (NFD) where the editor typed one character (NFC): the same name.
    same = [n for n in available if unicodedata.normalize("NFC", n) == unicodedata.normalize("NFC", name)]
    name = name if name in available else (same[0] if same else name)
    size = uploads.size(name) if name in available else None
    if size is None:
        other = [n for n in available if n.casefold() == name.casefold()]
        hint = f" Er staat wel ‘{other[0]}’: de naam moet precies gelijk zijn." if other else ""
        problems.append(f"{where}: het bestand ‘{name}’ staat niet in de map vervolgmail/.{hint} Upload het daar.")
        return None
    problem = size_problem(name, size)
    if problem:
        problems.append(f"{where}: {problem}")
        return None
    data = uploads.read(name)
    if data is None:
        problems.append(f"{where}: het bestand ‘{name}’ staat niet in de map vervolgmail/. Upload het daar.")
        return None
    problem = size_problem(name, len(data)) or content_problem(name, data)
    if problem:
        problems.append(f"{where}: {problem}")
        return None
    return CheckedPaper(title, file=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
