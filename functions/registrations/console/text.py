"""The text of vervolgmail.toml as Windows (and Mac) editors save it, made plain before the TOML is read.

- UTF-8 with or without a BOM, UTF-16 with a BOM (Notepad's "Unicode"), else Windows-1252 (Notepad's "ANSI");
  CRLF and CR line ends; a word processor's document (RTF, Word) instead of plain text is named, not guessed at;
- Word's curly quotes around a value become straight ones (inside a value they stay);
- the confirmation line `versturen = "…"` is taken out wherever it stands, before the TOML is read: in TOML a key
  written after `[[papers]]` would belong to the last paper, and people paste such a line at the end;
- what TOML refuses, and keys it does not know, are named in Dutch with the line or a likely meant key.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from typing import Any

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# What a word processor saves instead of plain text: WordPad and TextEdit write RTF, Word a .docx (a zip) or .doc.
DOCUMENT_MAGIC = (
    (b"{\\rtf", "RTF-document (opgemaakte tekst, zoals WordPad of TextEdit het maakt)"),
    (b"PK\x03\x04", "Word-document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Word-document"),
    (b"%PDF-", "PDF"),
)
# A value between Word's curly quotes: “…”, „…”, ‘…’ (autocorrect as you type).
CURLY_VALUE = re.compile(r"^(\s*[A-Za-z0-9_.\"' -]+?\s*=\s*)(?:[“”„](.*)[“”]|[‘’](.*)[‘’])(\s*(?:#[^“”‘’]*)?)$")
CODE_LINE = re.compile(r"^\s*versturen\s*=\s*(?:\"([^\"\n]*)\"|'([^'\n]*)')\s*(?:#.*)?$")
ANY_CODE_LINE = re.compile(r"^\s*versturen\b")
TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def decode(raw: bytes, source: str) -> tuple[str | None, list[str], list[str]]:
    """The text, and the notes and problems of reading it: UTF-8 with or without BOM, UTF-16 with a BOM (Notepad's
    "Unicode"), else Windows-1252 (Notepad's "ANSI")."""
    notes: list[str] = []
    for magic, kind in DOCUMENT_MAGIC:
        if raw.startswith(magic):
            return (
                None,
                [],
                [
                    f"{source} is opgeslagen als {kind} en niet als platte tekst. Open het in Kladblok (Windows) of "
                    "TextEdit met ‘Maak platte tekst’ (Mac), sla het op als platte tekst en upload het opnieuw."
                ],
            )
    if raw.startswith(UTF8_BOM):
        raw = raw[len(UTF8_BOM) :]
    elif raw.startswith(UTF16_BOMS):
        try:
            return raw.decode("utf-16"), ["Het bestand is opgeslagen als UTF-16 (‘Unicode’); zo is het gelezen."], []
        except UnicodeDecodeError:
            return None, [], [f"{source} kan niet worden gelezen. Sla het op als UTF-8 en upload het opnieuw."]
    if b"\x00" in raw:
        return (
            None,
            [],
            [f"{source} bevat nultekens (UTF-16 zonder kenmerk?). Sla het op als UTF-8 en upload het opnieuw."],
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            return None, [], [f"{source} kan niet worden gelezen. Sla het op als UTF-8 en upload het opnieuw."]
        notes.append(
            "Het bestand is opgeslagen als Windows-1252 (‘ANSI’) en niet als UTF-8; het is als Windows-1252 gelezen. "
            "Kijk in de mail hieronder of letters als ë en é goed staan."
        )
    return text.replace("\r\n", "\n").replace("\r", "\n"), notes, []


def straighten_quotes(text: str) -> tuple[str, bool]:
    """Word's curly quotes around a value become straight ones; curly quotes inside a value stay."""
    changed = False
    lines = []
    for line in text.split("\n"):
        match = CURLY_VALUE.match(line)
        if match:
            value = match.group(2) if match.group(2) is not None else match.group(3)
            value = value.replace("\\", "\\\\").replace('"', '\\"')
            line = f'{match.group(1)}"{value}"{match.group(4)}'
            changed = True
        lines.append(line)
    return "\n".join(lines), changed


def take_code_line(text: str) -> tuple[str, list[str], list[str]]:
    """Take out every `versturen = "…"` line, at the top, at the end or anywhere between."""
    codes, problems, kept = [], [], []
    for number, line in enumerate(text.split("\n"), start=1):
        match = CODE_LINE.match(line)
        if match:
            codes.append(match.group(1) if match.group(1) is not None else match.group(2))
            kept.append("")  # keep the line numbers of TOML's errors right
        elif ANY_CODE_LINE.match(line):
            problems.append(
                f'Regel {number}: de regel met de code moet er precies zo uitzien: versturen = "CODE" '
                "(met rechte aanhalingstekens). Kopieer hem uit controle.txt."
            )
            kept.append("")
        else:
            kept.append(line)
    if len({same for same in (re.sub(r"[\s-]", "", c).upper() for c in codes)}) > 1:
        problems.append('Er staan verschillende regels versturen = "…" in het bestand. Laat er één staan.')
    return "\n".join(kept), codes, problems


def toml_problem(exc: tomllib.TOMLDecodeError, source: str, text: str) -> str:
    match = TOML_POSITION.search(str(exc))
    if not match:
        return f"{source} is geen geldig TOML-bestand. Vergelijk het met het voorbeeld in de handleiding."
    number = int(match.group(1))
    lines = text.split("\n")
    shown = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    return (
        f"{source}, regel {number}: dit is geen geldige TOML ({shown!r}). Zet elke tekst tussen rechte "
        'aanhalingstekens, zoals title = "Agenda", en elk stuk onder een eigen regel [[papers]].'
    )


def unknown_keys(table: Mapping[str, Any], known: tuple[str, ...], where: str) -> list[str]:
    problems = []
    for key in table:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" Bedoelt u {close[0]}?" if close else f" Toegestaan: {', '.join(known)}."
        problems.append(f"{where}: ‘{key}’ is geen bekend veld.{hint}")
    return problems
