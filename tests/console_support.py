"""Helpers for the console flow's tests: paper files and a content file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from registrations.delivery.publication import Publication, PublishedPaper

TEAMS = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc"
TEAMS_NEW = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_new"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx(text: str = "notitie") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        # A fixed date: the same bytes on every call (zip entries carry their time, to 2 seconds)
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", (2023, 5, 1, 0, 0, 0)), "<Types/>")
        archive.writestr(
            zipfile.ZipInfo("word/document.xml", (2023, 5, 1, 0, 0, 0)), f"<w:document>{text}</w:document>"
        )
    return out.getvalue()


def content(teams: str = TEAMS, extra: str = "", code: str | None = None) -> str:
    text = f'''teams_link = "{teams}"

[[papers]]
title = "Agenda"
file = "agenda.pdf"

[[papers]]
title = "Notitie normering robuustheid"
file = "Notitie robuustheid (concept).docx"

[[papers]]
title = "Achtergrond op vng.nl"
url = "https://vng.nl/achtergrond"
{extra}'''
    if code is not None:
        text += f'\nversturen = "{code}"\n'
    return text


def drop(folder: Path, name: str, data: bytes | str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def code_in(report: str) -> str:
    [line] = [line for line in report.splitlines() if line.startswith("versturen = ")]
    return line.split('"')[1]


# The stand-in keeps the real types of what is published (delivery/publication.py).
Paper = PublishedPaper


class StandInPublications:
    """A small stand-in for publication.publish()/current() (the channel API), in memory."""

    def __init__(self, event_id: str = "ibp-vth-2023-06-07"):
        self.event_id = event_id
        self.published: list[Publication] = []

    def all(self):
        return tuple(self.published)

    def current(self):
        return self.published[-1] if self.published else None

    def version(self, number):
        return next((p for p in self.published if p.version == number), None)

    def publish(self, teams_link, papers, code, now_iso):
        kept = tuple(Paper(p.title, p.url, p.file, p.sha256) for p in papers)
        publication = Publication(self.event_id, len(self.published) + 1, now_iso, teams_link, kept, code)
        self.published.append(publication)
        return publication
