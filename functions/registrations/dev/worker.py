"""The local stand-in for the table's stream: a background thread that runs the deliverers.

dynalite has no streams. The local server calls `wake()` after every write that owes mail; the worker then runs the
sweep of every meeting within its retention (delivery/deliverers.py), and runs it anyway every `interval` seconds,
as the scheduled sweep does on AWS.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..delivery.deliverers import Deliverers
    from .uploads import UploadWatch

log = logging.getLogger("registrations.dev.worker")
SWEEP_INTERVAL = 10.0


class LocalWorker:
    def __init__(
        self, deliverers: Deliverers, interval: float = SWEEP_INTERVAL, after_round: Callable[[], object] | None = None
    ):
        self.deliverers = deliverers
        # Run after every round, as on AWS after each stream batch and sweep: the staff spreadsheet's refresh.
        self.after_round = after_round
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-deliverer", daemon=True)
        # Sweeps done so far; the reminder benchmark waits on it (wait_for_sweep) instead of sleeping.
        self.sweeps = 0
        # The local stand-in for the upload event (dev/uploads.py), stopped with the worker.
        self.uploads: UploadWatch | None = None
        self._done = threading.Condition()

    def start(self) -> LocalWorker:
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        if self.uploads is not None:
            self.uploads.stop()
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def wait_for_sweep(self, after: int, timeout: float = 30.0) -> bool:
        """Block until more than `after` sweeps are done (or the timeout passes); True when they are."""
        with self._done:
            return self._done.wait_for(lambda: self.sweeps > after, timeout=timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                counts = self.deliverers.sweep()
                if counts:
                    # Plain words for the terminal: "sent 2, held_back 1" (the outcomes are StrEnum members).
                    log.info("deliverer: %s", ", ".join(f"{outcome} {n}" for outcome, n in counts.items()))
                if self.after_round is not None:
                    self.after_round()
            except Exception as exc:  # noqa: BLE001 - a failed round is logged; the next wake-up tries again
                log.warning("deliverer round failed: %s", type(exc).__name__)
            with self._done:
                self.sweeps += 1
                self._done.notify_all()
