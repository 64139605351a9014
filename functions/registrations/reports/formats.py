"""The export's two file formats, CSV and XLSX, and the rule that keeps a cell from turning into a formula.

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
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell import WriteOnlyCell

FORMULA_TRIGGERS = frozenset("=+-@")
FORMULA_CONTROL_STARTS = frozenset("\t\r\n\0")
CSV_DEFAULT_DELIMITER = ";"
UTF8_BOM = "\ufeff"
# Column widths in the spreadsheet, in characters; the remark wraps.
REMARK_HEADER = "Vraag of opmerking"
XLSX_WIDTHS = {REMARK_HEADER: 60, "E-mailadres": 34, "Organisatie": 40}


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


def write_xlsx(
    stream: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[str]], title: str = "Aanmeldingen"
) -> None:
    """One sheet: a bold header row, frozen and with a filter; every cell text, never a formula.

    Written in openpyxl's write-only mode: row by row, about twice as fast and without holding the sheet in memory.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    text_cell = _text_cells(sheet)
    _write_header(sheet, header, text_cell)
    wrap = Alignment(wrap_text=True, vertical="top")
    remark_column = header.index(REMARK_HEADER) if REMARK_HEADER in header else None
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


def _write_header(sheet: Any, header: Sequence[str], text_cell: Callable[[str], WriteOnlyCell]) -> None:
    """The column widths, and the header row: bold, and frozen above the rows."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for column, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = XLSX_WIDTHS.get(name, max(14, len(name) + 2))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for name in header:
        cell = text_cell(name)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)


def _text_cells(sheet: Any) -> Callable[[str], WriteOnlyCell]:
    """Makes the sheet's text cells: never a formula, and with the quote prefix when the value is risky."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

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

    return text_cell
