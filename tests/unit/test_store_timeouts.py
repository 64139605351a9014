"""The store client's timeouts and retries (repository.BOTO_CONFIG) bound how long a person waits when it hangs."""

from __future__ import annotations

import re

import pytest
from botocore.config import Config

from registrations.dev.local import PROJECT_ROOT
from registrations.repository import BOTO_CONFIG, store_call_bound, total_attempts

SCRIPT = PROJECT_ROOT / "docs" / "assets" / "javascripts" / "registration.js"


@pytest.mark.parametrize(
    "retries, attempts",
    [
        ({"mode": "standard", "total_max_attempts": 2}, 2),
        # botocore's `max_attempts` counts the retries only: 3 means four attempts (the setting that took 13.6 s)
        ({"mode": "standard", "max_attempts": 3}, 4),
        ({"mode": "standard"}, 3),
    ],
)
def test_attempts_count_the_first_one_too(retries, attempts):
    assert total_attempts(Config(retries=retries)) == attempts


def test_the_bound_adds_every_attempts_timeouts_and_the_longest_backoff_before_each_retry():
    config = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3})
    assert store_call_bound(config) == 4 * (2 + 3) + (1 + 2 + 4)


def test_a_hanging_store_is_answered_before_the_page_script_gives_up():
    # The page's own timeout says only "niet verstuurd"; the API's 503 says what to do. It must come first, and a
    # registration makes one store call before a hang can fail it.
    send_timeout = int(re.search(r"SEND_TIMEOUT_MS = (\d+);", SCRIPT.read_text(encoding="utf-8"))[1]) / 1000
    assert store_call_bound(BOTO_CONFIG) < send_timeout
