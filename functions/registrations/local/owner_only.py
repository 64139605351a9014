"""Files that hold personal data or secrets, made readable by their owner only (0600 in 0700 folders), whatever the
umask: the dynalite data and the outbox of `make run`, the token secret, the console's local files, the spreadsheet's local
folder and the staff exports. The one writer of such files: write beside the target, then move it into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

FOLDER_MODE = 0o700
FILE_MODE = 0o600
# For a child process that makes files of its own (dynalite's LevelDB store).
UMASK = 0o077


def private_folder(path: Path) -> Path:
    """The folder, made if missing; only its owner may list or enter it, also when it already existed."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    # mkdir's mode passes through the umask and does nothing for a folder made earlier (by an older version).
    path.chmod(FOLDER_MODE)
    return path


def replace_private(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write the file through `write` so that only its owner can read it, from the first byte on. It is written
    beside the target and moved into place: a reader never sees half a file, and a failed write leaves none."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes the file 0600 on macOS and Linux whatever the umask; fchmod says so where it exists
        # (Windows lacks it before Python 3.13: there the file takes the folder's access rules).
        if hasattr(os, "fchmod"):
            os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as stream:
            write(stream)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_private(path: Path, data: bytes) -> None:
    """replace_private with the bytes at hand."""

    def write(stream: IO[bytes]) -> None:
        stream.write(data)

    replace_private(path, write)
