"""make run's deliverer line is short and in plain words, also now that the outcomes are StrEnum members."""

from __future__ import annotations

import logging
from collections import Counter

from registrations.dev.worker import LocalWorker
from registrations.repository.statuses import SendState


class OneRound:
    def __init__(self):
        self.rounds = 0

    def sweep(self):
        self.rounds += 1
        return Counter({SendState.SENT: 2, SendState.HELD_BACK: 1}) if self.rounds == 1 else Counter()


def test_the_local_deliverer_says_what_it_did_in_plain_words(caplog):
    caplog.set_level(logging.INFO, logger="registrations.dev.worker")
    worker = LocalWorker(OneRound(), interval=0.01).start()  # type: ignore[arg-type]
    try:
        worker.wake()
        assert worker.wait_for_sweep(0, timeout=10)
    finally:
        worker.stop()
    assert "deliverer: sent 2, held_back 1" in caplog.text
    assert "SendState" not in caplog.text
