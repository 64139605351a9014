"""Spacing sends out in time, so a mailing stays under the sender's maximum send rate."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """At most `rate` sends per second (SES has a maximum send rate per account)."""

    def __init__(
        self, rate: float, monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        if not rate > 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.monotonic = monotonic
        self.sleep = sleep
        self.next_at: float | None = None

    def wait(self) -> None:
        now = self.monotonic()
        if self.next_at is not None and now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval
