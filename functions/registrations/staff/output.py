"""What the staff command shows and writes: progress on the terminal, the export file or stream, and the reports
of the follow-up run.

Everything for a person goes to stderr (progress, notes) or, for the reports the command exists to give, stdout;
the export's data goes to stdout or -o FILE.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any, cast

from ..local.owner_only import replace_private
from ..meeting import Meeting
from ..registration.item import full_name, is_active
from ..reports.summary import dutch_number
from ..repository import RegistrationRepository, StoredRegistration
from . import UsageError

RULE = "-" * 72
EXAMPLE_REGISTRANT: StoredRegistration = {
    "event": "voorbeeld",
    "given_name": "Voornaam",
    "family_name": "Achternaam",
    "email": "naam@voorbeeld.nl",
}


class Progress:
    """A single updating line on a terminal (stderr); nothing at all when disabled."""

    def __init__(self, stream: IO[str], enabled: bool, every: float = 0.1) -> None:
        self.stream = stream
        self.enabled = enabled
        self.every = every
        self.last = 0.0
        self.shown = False

    def update(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self.last >= self.every:
            self.last = now
            self.stream.write("\r\x1b[2K" + text)
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False


def fetch_all(repository: RegistrationRepository, meeting: Meeting, progress: Progress) -> list[StoredRegistration]:
    """Every registration of the meeting, counting them on the progress line as the pages come in."""
    items = []
    for item in repository.for_event(meeting.id):
        items.append(item)
        progress.update(f"Aanmeldingen ophalen: {dutch_number(len(items))}")
    progress.update(f"Aanmeldingen ophalen: {dutch_number(len(items))}", force=True)
    progress.clear()
    return items


def is_terminal(stream: IO[Any]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def write_file(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write next to the target and move it into place: a failed export never leaves half a file.

    The file holds personal data, so only its owner may read it.
    """
    path = path.expanduser()
    directory = path.resolve().parent
    if not directory.is_dir():
        raise UsageError(f"De map {directory} bestaat niet.")
    replace_private(path, write)


def write_stdout(stdout: IO[str], write: Callable[[IO[bytes]], None], seekable: bool) -> None:
    """Bytes onto stdout (sys.stdout is text, with the bytes underneath as .buffer).

    A writer that needs to seek (the xlsx zip) writes into memory first: a pipe cannot seek.
    """
    out = cast(IO[bytes], getattr(stdout, "buffer", stdout))
    if seekable:
        buffer = io.BytesIO()
        write(buffer)
        out.write(buffer.getvalue())
    else:
        write(out)
    out.flush()


def exported(count: int, items: Sequence[StoredRegistration], include_cancelled: bool, target: Path | None) -> str:
    """The closing line of an export on a terminal."""
    left_out = 0 if include_cancelled else sum(1 for i in items if not is_active(i))
    to = f" naar {target}" if target is not None else ""
    note = f" ({dutch_number(left_out)} afgemeld, niet meegenomen)" if left_out else ""
    return f"{dutch_number(count)} aanmeldingen geëxporteerd{to}{note}.\n"


def person(item: StoredRegistration) -> str:
    return f"{full_name(item)} <{item.get('email', '')}>"


def preview_lines(message: EmailMessage) -> list[str]:
    """The follow-up as a registrant receives it: the headers that matter and the plain text."""
    lines = ["Het bericht (voorbeeld, met een voorbeeldnaam en een voorbeeld van de persoonlijke link):", RULE]
    lines += [f"{header}: {message[header]}" for header in ("From", "Reply-To", "Subject")]
    body = message.get_body(("plain",))
    assert body is not None  # nosec B101 # the follow-up always has a plain text part; this only narrows the type
    lines += ["", body.get_content().rstrip("\n")]
    lines += [
        RULE,
        "(Het bericht heeft ook een HTML-versie met dezelfde tekst en links, en de afspraak voor de agenda.)",
    ]
    return lines
