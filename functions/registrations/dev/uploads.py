"""The local stand-in for the export bucket's upload event: a vervolgmail.toml dropped into a folder vervolgmail/
under .data/exports/ (or saved again) is handed on by its path there, as the EventBridge rule hands on its key on
AWS: in .data/exports/<id>/vervolgmail/ it is checked for that meeting, anywhere else it is refused
(console/wiring.py).

A thread looks every `interval` seconds at the content files' sizes and modification times; only a content file
starts a check (the papers and controle.txt do not), as the rule matches only its key; a file already there when
the watch starts is no upload. After a check the local deliverer is woken, so that a publication starts sending at
once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from ..console.files import UPLOAD_FOLDER
from ..console.upload import CONTENT_NAMES

log = logging.getLogger("registrations.dev.uploads")


class UploadWatch:
    def __init__(
        self,
        folder: Path,
        handle: Callable[[str], str],
        after: Callable[[], object] | None = None,
        interval: float = 1.0,
    ):
        # `handle`: the upload at a path under `folder` (console/wiring.local_upload_handler).
        self.folder = folder
        self.handle = handle
        self.after = after
        self.interval = interval
        self._seen: dict[str, tuple[int, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-uploads", daemon=True)
        # Checks done so far (tests wait on it).
        self.checks = 0

    def start(self) -> UploadWatch:
        # What is there already was there before this run: like S3, only an upload from now on is an event (a
        # content file left with its code line must not publish again when `make run` starts on a fresh store).
        self.changed()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def changed(self) -> list[str]:
        """The content files (their paths under the folder) that appeared or changed since the last look."""
        now: dict[str, tuple[int, int]] = {}
        for name in CONTENT_NAMES:
            for path in self.folder.rglob(name) if self.folder.is_dir() else ():
                try:
                    info = path.stat()
                except OSError:
                    continue
                if path.parent.name == UPLOAD_FOLDER:
                    now[path.relative_to(self.folder).as_posix()] = (info.st_mtime_ns, info.st_size)
        changed = sorted(key for key, mark in now.items() if self._seen.get(key) != mark)
        self._seen = now
        return changed

    def look(self) -> None:
        for key in self.changed():
            outcome = self.handle(key)
            log.info("vervolgmail: %s checked: %s (see controle.txt beside it)", key, outcome)
            self.checks += 1
            if self.after is not None:
                self.after()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.look()
            except Exception as exc:  # noqa: BLE001 - a failed look is logged; the next one tries again
                log.warning("vervolgmail check failed: %s", type(exc).__name__)
