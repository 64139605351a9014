"""Registrations as staff want them: rows for a spreadsheet (CSV or XLSX) and the summary for the steering group.

No storage and no terminal here: the staff command (cli.py) fetches the items and decides where the output goes.

Spreadsheet formula injection (OWASP "CSV Injection"): anything an invitee typed may start with a character that
Excel or LibreOffice reads as the start of a formula. The rule, also in STAFF.md:

- A cell is *risky* when its first character is `=`, `+`, `-`, `@`, a tab, a carriage return, a line feed or a NUL,
  or when it starts with spaces followed by `=`, `+`, `-` or `@` (some programs trim spaces on import). Full-width
  look-alikes (such as `＝`) count too.
- In CSV a risky cell gets one apostrophe in front: `-Jan` becomes `'-Jan`. Excel and LibreOffice then show it as
  text; a person still reads the name, and the apostrophe shows that something was added.
- In XLSX every cell is written as text, which a spreadsheet never runs, and a risky cell also gets Excel's hidden
  "quote prefix", so editing the cell does not turn it into a formula either. The value stays exactly as typed.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from typing import IO, Any

from ..registration.item import is_active
from ..repository import StoredRegistration
from ..repository.statuses import RegistrationStatus, SendState, SesVerdict

# (attribute, column header). The header is what staff see; the attribute is what the item stores.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("organisation", "Organisatie"),
    ("family_name", "Achternaam"),
    ("given_name", "Voornaam"),
    ("email", "E-mailadres"),
    ("role", "Rol"),
    ("on_behalf_of", "Namens gemeente of provincie"),
    ("remark", "Vraag of opmerking"),
    ("registered_at", "Aangemeld op"),
    ("followup", "Vervolgmail"),
    ("reminders_sent", "Herinneringen verstuurd"),
    ("email_status", "E-mailstatus"),
)
# Only with --include-cancelled: which rows are cancelled, and since when.
STATUS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("cancelled_at", "Afgemeld op"),
)
STATUS_LABELS: dict[str, str] = {RegistrationStatus.REGISTERED: "aangemeld", RegistrationStatus.CANCELLED: "afgemeld"}
# What SES said about the last email (delivery/ses_events.py), as staff read it.
EMAIL_STATUS_LABELS: dict[str, str] = {
    SesVerdict.DELIVERED: "afgeleverd",
    SesVerdict.BOUNCED: "onbereikbaar (kwam terug)",
    SesVerdict.COMPLAINED: "klacht (als spam gemeld)",
    SesVerdict.REJECTED: "geweigerd (niet verstuurd)",
}
TIME_ATTRIBUTES = {"registered_at", "cancelled_at"}
# The follow-up with the Teams link, per registration (followup_state), with its Dutch label.
FOLLOWUP_STATES: dict[str, str] = {
    SendState.SENT: "verstuurd",
    SendState.OWED: "nog niet",
    SendState.FAILED: "mislukt",
    SendState.UNKNOWN: "onzeker (misschien verstuurd)",
}

FORMULA_TRIGGERS = frozenset("=+-@")
FORMULA_CONTROL_STARTS = frozenset("\t\r\n\0")
CSV_DEFAULT_DELIMITER = ";"
UTF8_BOM = "\ufeff"

# Dutch family names are sorted without their prefix ("van 't Hoff" under H), as in a Dutch phone book.
NAME_PREFIXES = frozenset(
    {
        "van",
        "de",
        "den",
        "der",
        "des",
        "het",
        "'t",
        "\u2019t",
        "te",
        "ten",
        "ter",
        "in",
        "op",
        "aan",
        "bij",
        "uit",
        "onder",
        "over",
        "voor",
        "'s",
        "\u2019s",
        "d'",
        "d\u2019",
        "van't",
        "vander",
        "vanden",
        "vande",
    }
)


def is_formula_risk(text: str) -> bool:
    """Could a spreadsheet program read this cell as a formula (or as the start of one)?"""
    if not text:
        return False
    if text[0] in FORMULA_CONTROL_STARTS:
        return True
    stripped = text.lstrip(" \u00a0\u3000")
    if not stripped:
        return False
    return unicodedata.normalize("NFKC", stripped[0])[:1] in FORMULA_TRIGGERS


def neutralise_csv(text: str) -> str:
    """The CSV form of a cell: an apostrophe in front of a risky value, anything else unchanged."""
    return "'" + text if is_formula_risk(text) else text


# Letters that Unicode does not decompose into a base letter and a mark, folded as a Dutch phone book does (after
# casefold, which already turns ß into ss): Ærøskøbing is filed as Aeroskobing, Łukasz as Lukasz.
BASE_LETTERS = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ħ": "h",
        "ı": "i",
        "ŀ": "l",
        "ŋ": "n",
        "ŧ": "t",
        "ĸ": "k",
        "ǥ": "g",
        "ƀ": "b",
        "ɨ": "i",
        "ʉ": "u",
    }
)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form for sorting: Ærøskøbing next to Aeroskobing, Åberg next to Aberg,
    Straße next to Strasse."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(BASE_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def family_name_sort_key(family_name: str) -> str:
    words = family_name.split()
    while len(words) > 1 and words[0].casefold() in NAME_PREFIXES:
        words.pop(0)
    return _fold(" ".join(words))


def sort_key(item: StoredRegistration) -> tuple[str, ...]:
    """Organisation, then family name (without prefix), then the full family name, given name and address."""
    family = str(item.get("family_name", ""))
    return (
        _fold(str(item.get("organisation", ""))),
        family_name_sort_key(family),
        _fold(family),
        _fold(str(item.get("given_name", ""))),
        str(item.get("email", "")),
    )


def readable_time(value: str) -> str:
    """'2023-05-10T10:00:00+02:00' → '2023-05-10 10:00' (stored times are already Amsterdam time)."""
    if len(value) >= 16 and value[10:11] == "T":
        return value[:10] + " " + value[11:16]
    return value


def followup_state(item: StoredRegistration) -> tuple[str, str]:
    """Whether this registration has the follow-up, and since when: ("sent", time), ("owed", ""), ("failed", "")
    or ("unknown", time). It came on its own (followup_mail_*), inside a late registrant's confirmation
    (followup_version without a follow-up send), or from the staff command of earlier versions (followup_sent_at)."""
    status = str(item.get("followup_mail_status", ""))
    if status == SendState.SENT or (item.get("followup_version") is not None and status != SendState.UNKNOWN):
        return SendState.SENT, str(item.get("followup_mail_sent_at") or item.get("mail_sent_at") or "")
    if item.get("followup_sent_at"):
        return SendState.SENT, str(item["followup_sent_at"])
    if status == SendState.UNKNOWN:
        return SendState.UNKNOWN, str(item.get("followup_mail_status_at", ""))
    if status == SendState.FAILED:
        return SendState.FAILED, ""
    return SendState.OWED, ""


def followup_text(item: StoredRegistration) -> str:
    state, moment = followup_state(item)
    label = FOLLOWUP_STATES[state]
    return f"{label} op {readable_time(moment)}" if moment and state == SendState.SENT else label


def export_rows(
    items: Iterable[StoredRegistration], include_cancelled: bool = False
) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of the export, sorted; cancelled registrations only when asked for."""
    columns = COLUMNS + (STATUS_COLUMNS if include_cancelled else ())
    chosen = sorted((i for i in items if include_cancelled or is_active(i)), key=sort_key)
    rows = []
    for item in chosen:
        row = []
        for attribute, _ in columns:
            value = item.get(attribute, "")
            text = "" if value is None else str(value)
            if attribute == "followup":
                text = followup_text(item) if is_active(item) else ""
            elif attribute in TIME_ATTRIBUTES:
                text = readable_time(text)
            elif attribute == "status":
                text = STATUS_LABELS.get(text, text)
            elif attribute == "email_status":
                text = EMAIL_STATUS_LABELS.get(text, text)
            elif attribute == "reminders_sent":
                # "2023-06-06T10:00+02:00, 2023-06-07T12:30+02:00" (delivery/reminders.py) → "2023-06-06 10:00, 2023-06-07 12:30"
                text = ", ".join(readable_time(key) for key in text.split(", ") if key)
            row.append(text)
        rows.append(row)
    return [header for _, header in columns], rows


def write_csv(
    stream: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[str]], delimiter: str = CSV_DEFAULT_DELIMITER
) -> None:
    """UTF-8 with a BOM (so Excel recognises the encoding) and `;` by default (what Dutch Excel expects)."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
    try:
        text.write(UTF8_BOM)
        writer = csv.writer(text, delimiter=delimiter, quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([neutralise_csv(cell) for cell in row])
        text.flush()
    finally:
        # Leave the caller's stream open: detach instead of closing it with the wrapper.
        text.detach()


# Column widths in the spreadsheet, in characters; the remark wraps.
XLSX_WIDTHS = {"Vraag of opmerking": 60, "E-mailadres": 34, "Organisatie": 40}


def write_xlsx(
    stream: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[str]], title: str = "Aanmeldingen"
) -> None:
    """One sheet: a bold header row, frozen and with a filter; every cell text, never a formula.

    Written in openpyxl's write-only mode: row by row, about twice as fast and without holding the sheet in memory.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    remark_column = header.index("Vraag of opmerking") if "Vraag of opmerking" in header else None

    def text_cell(value: str) -> WriteOnlyCell:
        # XML cannot hold most control characters: show them as a replacement mark instead of failing. XML
        # readers turn CR LF into LF anyway; say so here rather than leave it to chance.
        text = value.replace("\r\n", "\n").replace("\r", "\n")
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", text))
        # openpyxl reads a leading "=" as a formula; force text. The quote prefix keeps it text when edited.
        cell.data_type = "s"
        if is_formula_risk(value):
            cell.quotePrefix = True
        return cell

    for column, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = XLSX_WIDTHS.get(name, max(14, len(name) + 2))
    sheet.freeze_panes = "A2"
    header_cells = []
    for name in header:
        cell = text_cell(name)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        count += 1
        cells: list[Any] = []
        for column, value in enumerate(row):
            if not value:
                cells.append(None)  # an empty cell, not an empty string
                continue
            cell = text_cell(value)
            if column == remark_column:
                cell.alignment = wrap
            cells.append(cell)
        sheet.append(cells)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    workbook.save(stream)
