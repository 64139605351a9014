"""The paper files staff upload beside vervolgmail.toml: a safe name, an allowed type, a bounded size.

Only PDF, Word, Excel and PowerPoint: the extension must say so and the first bytes must agree, so a renamed
program or web page is refused. The name is used as a key in the bucket and as the download's file name, so it may
not be a path, start with a dot or hold control characters. Every problem is a Dutch sentence naming the file.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass

MAX_PAPER_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 120

PDF = b"%PDF-"
# Word 97-2003, Excel 97-2003 and PowerPoint 97-2003 are OLE2 compound files.
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class PaperType:
    label: str
    content_type: str
    magic: bytes
    # For the Office Open XML formats (a zip): the folder every such file holds.
    zip_folder: str = ""


TYPES = {
    ".pdf": PaperType("PDF", "application/pdf", PDF),
    ".doc": PaperType("Word", "application/msword", OLE2),
    ".xls": PaperType("Excel", "application/vnd.ms-excel", OLE2),
    ".ppt": PaperType("PowerPoint", "application/vnd.ms-powerpoint", OLE2),
    ".docx": PaperType("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP, "word/"),
    ".xlsx": PaperType("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP, "xl/"),
    ".pptx": PaperType(
        "PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP, "ppt/"
    ),
}
ALLOWED_TEXT = "PDF, Word, Excel of PowerPoint (.pdf, .doc, .docx, .xls, .xlsx, .ppt, .pptx)"


def extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def content_type(name: str) -> str:
    paper_type = TYPES.get(extension(name))
    return paper_type.content_type if paper_type else "application/octet-stream"


def name_problem(name: str) -> str:
    """Why this file name cannot be used ("" when it can)."""
    shown = name.encode("unicode_escape").decode("ascii") if _has_control(name) else name
    if not name.strip():
        return 'file = "" is een lege bestandsnaam. Schrijf de naam van het bestand tussen de aanhalingstekens.'
    if "/" in name or "\\" in name or ".." in name:
        return (
            f"bestandsnaam ‘{shown}’: geef alleen de naam van het bestand, zonder map of ‘..’ ervoor. "
            "Zet het bestand zelf naast vervolgmail.toml in de map vervolgmail/."
        )
    if name.startswith("."):
        return f"bestandsnaam ‘{shown}’: een naam mag niet met een punt beginnen."
    if _has_control(name):
        return f"bestandsnaam ‘{shown}’ bevat onzichtbare tekens (zoals een tab of regeleinde). Typ de naam opnieuw."
    if name != name.strip():
        return f"bestandsnaam ‘{name}’ begint of eindigt met een spatie. Haal die weg."
    if len(name) > MAX_NAME_LENGTH:
        return f"bestandsnaam ‘{name}’ is te lang: hoogstens {MAX_NAME_LENGTH} tekens."
    if extension(name) not in TYPES:
        return f"bestand ‘{name}’: dit soort bestand kan niet. Alleen {ALLOWED_TEXT}."
    return ""


def _has_control(name: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name)


def size_problem(name: str, size: int) -> str:
    if size > MAX_PAPER_BYTES:
        megabytes = size / (1024 * 1024)
        return f"bestand ‘{name}’ is te groot: {megabytes:.1f} MB. Het mag hoogstens 20 MB zijn."
    if size == 0:
        return f"bestand ‘{name}’ is leeg (0 bytes). Upload het opnieuw."
    return ""


def content_problem(name: str, data: bytes) -> str:
    """Whether the bytes are what the extension says (the name itself must be fine already)."""
    paper_type = TYPES[extension(name)]
    problem = (
        f"bestand ‘{name}’ is geen echt {paper_type.label}-bestand, al eindigt de naam op {extension(name)}. "
        f"Sla het opnieuw op als {paper_type.label}-bestand, of kies het goede bestand."
    )
    if not data.startswith(paper_type.magic):
        return problem
    if paper_type.zip_folder:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, ValueError):
            return problem
        if "[Content_Types].xml" not in names or not any(n.startswith(paper_type.zip_folder) for n in names):
            return problem
    return ""
