"""`make run` keeps its dynalite alive: when the process dies, it is started again on the same port with the same
data, so the API keeps working; when it keeps dying, `make run` stops with a message that says so.

Without this, a dead dynalite left every registration answering 503 until someone noticed and restarted by hand.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ..local.dynalite import Dynalite

log = logging.getLogger("registrations.dev.watch")


class DynaliteWatch:
    """Checks every `interval` seconds whether dynalite still runs. More than `max_restarts` restarts within
    `window` seconds (or a restart that fails) calls `give_up` with a message for the person running it."""

    def __init__(
        self,
        dynalite: Dynalite,
        give_up: Callable[[str], None],
        *,
        interval: float = 1.0,
        max_restarts: int = 3,
        window: float = 60.0,
    ) -> None:
        self.dynalite = dynalite
        self.give_up = give_up
        self.interval = interval
        self.max_restarts = max_restarts
        self.window = window
        self.restarts: list[float] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="dynalite-watch", daemon=True)

    def start(self) -> DynaliteWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

    def _watch(self) -> None:
        while not self._stopping.wait(self.interval):
            process = self.dynalite.process
            code = process.poll() if process is not None else None
            if code is not None and not self._stopping.is_set() and not self._restart(code):
                return

    def _restart(self, code: int) -> bool:
        now = time.monotonic()
        self.restarts = [moment for moment in self.restarts if now - moment < self.window]
        if len(self.restarts) >= self.max_restarts:
            self.give_up(
                f"dynalite (the local database) stopped {len(self.restarts) + 1} times within "
                f"{self.window:.0f} seconds (exit code {code}), so make run stops. Check that the disk is "
                "not full, then start make run again."
            )
            return False
        self.restarts.append(now)
        log.warning(
            "dynalite (the local database) stopped unexpectedly (exit code %s); starting it again with the same data",
            code,
        )
        try:
            self.dynalite.start()
        except (OSError, RuntimeError) as exc:
            self.give_up(
                f"dynalite (the local database) stopped (exit code {code}) and could not be started again "
                f"({exc}), so make run stops. Start make run again."
            )
            return False
        log.warning("dynalite is running again: %s", self.dynalite.endpoint)
        return True
