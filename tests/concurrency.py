"""Firing requests at the same moment, for the tests that prove a conditional write lets only one through."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_the_same_moment(count: int, action: Callable[[int], T]) -> list[T]:
    """Run action(0..count-1) in `count` threads released together by a barrier; return the results."""
    barrier = threading.Barrier(count)
    results: list[T] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        result = action(i)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
