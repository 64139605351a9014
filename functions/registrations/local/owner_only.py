"""Files that hold personal data or secrets, made readable by their owner only (0600 in 0700 folders), whatever the
umask: the local store and outbox of `make run`, the token secret. (The staff exports: staff/output.py.)"""

from __future__ import annotations

import os
from pathlib import Path

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


def write_private(path: Path, data: bytes) -> None:
    """Write the file so that only its owner can read it, from the first byte on."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        # os.open's mode is masked by the umask and ignored for an existing file.
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb", closefd=False) as stream:
            stream.write(data)
    finally:
        os.close(fd)
