"""The DynamoDB client: its timeouts and retries, the lazily made table, and the one translation of its errors.

boto3 is imported on first use, never with this module: the staff command's --help needs none of it
(tests/integration/test_staff_imports.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config

from ..errors import StoreUnavailable


# A hanging store is a 503 within store_call_bound() (6 s), never a timeout: why these numbers, in
# handbook/decisions.md, "The store client's retry budget".
@cache
def boto_config() -> Config:
    """The store client's configuration."""
    from botocore.config import Config

    return Config(connect_timeout=1, read_timeout=1.5, retries={"mode": "standard", "total_max_attempts": 2})


# botocore's standard mode sleeps at most 2^(n-1) s (capped at 20 s) before the n-th retry.
MAX_BACKOFF_SECONDS = 20.0


def total_attempts(config: Config | None = None) -> int:
    """The attempts botocore makes per call, the first included (`max_attempts` counts only the retries)."""
    retries: dict[str, Any] = (config or boto_config()).retries or {}
    if "total_max_attempts" in retries:
        return int(retries["total_max_attempts"])
    if "max_attempts" in retries:
        return int(retries["max_attempts"]) + 1
    return 3  # standard mode's default


def store_call_bound(config: Config | None = None) -> float:
    """The longest one DynamoDB call can take to fail when the store accepts connections but never answers:
    every attempt waits out its connect and read timeouts, and every retry first sleeps its longest backoff."""
    config = config or boto_config()
    attempts = total_attempts(config)
    backoff = sum(min(2.0 ** (n - 1), MAX_BACKOFF_SECONDS) for n in range(1, attempts))
    return attempts * (float(config.connect_timeout) + float(config.read_timeout)) + backoff


def dynamodb_resource(region: str, endpoint_url: str | None = None, session: Any = None) -> Any:
    """`session`: a boto3 Session (the staff command's, with the staff member's profile); default boto3's own."""
    import boto3

    return (session or boto3).resource("dynamodb", region_name=region, endpoint_url=endpoint_url, config=boto_config())


class LazyTable:
    """A DynamoDB Table made on first use: building a boto3 resource costs ~0.2 s, which a Lambda cold start
    should only pay for requests that actually touch the table (not /api/health or /api/event)."""

    def __init__(self, region: str, table_name: str, endpoint_url: str | None = None):
        self._args = (region, table_name, endpoint_url)
        self._table: Any = None
        self._lock = threading.Lock()

    def _get(self) -> Any:
        if self._table is None:
            with self._lock:
                if self._table is None:
                    region, name, endpoint = self._args
                    self._table = dynamodb_resource(region, endpoint).Table(name)
        return self._table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


def key_condition(name: str) -> Any:
    """boto3's condition on a key attribute (Key), imported on first use like the rest of boto3."""
    from boto3.dynamodb.conditions import Key

    return Key(name)


class ConditionFailed(Exception):
    """A write's condition did not hold; each caller says what that means in the domain."""


def call(operation: Callable[..., Any], **request: Any) -> Any:
    """One DynamoDB call. The one translation of its errors: a failed condition becomes ConditionFailed, and
    anything else the store or the network says becomes StoreUnavailable (503: try again later)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return operation(**request)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            raise ConditionFailed() from exc
        raise StoreUnavailable() from exc
    except BotoCoreError as exc:
        raise StoreUnavailable() from exc
