"""Which meeting an upload of vervolgmail.toml is for: the first folder of its key, `<id>/vervolgmail/<name>`.

The same on AWS (the key in the bucket) and locally (the path under .data/exports/). An upload anywhere else (the
old shared folder `vervolgmail/`, a folder that is no meeting's, a folder deeper down) or for a meeting that can no
longer get a follow-up is refused: a controle.txt beside it says so in Dutch and where to upload instead, and
nothing is published or sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..meeting import Meeting, Meetings
from ..registration.moments import moment_text
from .controle import RULE
from .files import REPORT_NAME, UPLOAD_FOLDER
from .upload import CONTENT_NAME, CONTENT_NAMES


@dataclass(frozen=True)
class UploadPlace:
    """Where a content file was uploaded: its folder (`<id>/vervolgmail/`, with the slash) and its name."""

    folder: str
    name: str

    @property
    def meeting_id(self) -> str:
        """The meeting whose folder this is; "" when the folder is not `<id>/vervolgmail/`."""
        parts = self.folder.rstrip("/").split("/")
        return parts[0] if len(parts) == 2 and parts[0] else ""

    @property
    def report_key(self) -> str:
        """Where staff look for the answer: beside the upload."""
        return self.folder + REPORT_NAME


def upload_place(key: str) -> UploadPlace | None:
    """The place of an upload of the content file (in a folder called vervolgmail); None for any other key."""
    folder, _, name = key.rpartition("/")
    if name not in CONTENT_NAMES or folder.rpartition("/")[2] != UPLOAD_FOLDER:
        return None
    return UploadPlace(folder + "/", name)


def wrong_place_report(place: UploadPlace, meetings: Meetings, now: dt.datetime) -> str:
    """controle.txt for an upload that is not in the folder of a meeting that can still get a follow-up."""
    shown = meetings.letter_meeting  # the time zone of the moments (all meetings are in Dutch time)
    open_ones = meetings.within_retention(now)
    lines = [
        "CONTROLE VAN DE VERVOLGMAIL",
        "",
        f"Controle van {place.folder}{place.name}, {moment_text(now, shown)}",
        "",
        "DIT BESTAND STAAT IN DE VERKEERDE MAP. Er is niets gepubliceerd en niets verstuurd.",
        _why(place, meetings, now),
        "",
    ]
    if open_ones:
        lines.append(f"Zet {CONTENT_NAME} en de stukken in de map {UPLOAD_FOLDER}/ van uw bijeenkomst:")
        lines += [f"- {m.id}/{UPLOAD_FOLDER}/   ({_described(m)})" for m in open_ones]
    else:
        lines.append("Er is nu geen bijeenkomst waarvoor een vervolgmail kan worden verstuurd.")
    lines += ["", RULE, "Zie de handleiding voor organisatoren, hoofdstuk 6."]
    return "\n".join(lines) + "\n"


def _why(place: UploadPlace, meetings: Meetings, now: dt.datetime) -> str:
    meeting_id = place.meeting_id
    if place.folder == f"{UPLOAD_FOLDER}/":
        return (
            f"De map {UPLOAD_FOLDER} bovenaan wordt niet meer gebruikt: elke bijeenkomst heeft nu een eigen map, "
            "met de code van de bijeenkomst als naam."
        )
    if not meeting_id:
        return (
            f"De map {place.folder} hoort bij geen bijeenkomst: de map {UPLOAD_FOLDER} moet direct in de map met de "
            "code van de bijeenkomst staan."
        )
    known = meetings.get(meeting_id)
    if known is None:
        return f"‘{meeting_id}’ is niet de code van een bijeenkomst."
    if now >= known.expires_at:
        return (
            f"De bijeenkomst {meeting_id} ({_described(known)}) is voorbij en de bewaartermijn van de aanmeldingen "
            "is om: er kan geen vervolgmail meer worden verstuurd."
        )
    return f"Voor de bijeenkomst {meeting_id} ({_described(known)}) kan nu geen vervolgmail worden verstuurd."


def _described(meeting: Meeting) -> str:
    return f"{meeting.title}, {meeting.date_text}"
