"""DynamoDB storage of registrations: the one door to DynamoDB in the shipped code.

It is given its table. Items are flat, with attribute names a person understands at a glance, because staff
read them in the AWS console and download them as CSV. Every DynamoDB error becomes a domain exception here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config

from .errors import RegistrationNotFound, StoreUnavailable
from .statuses import RegistrationStatus

# The key schema is defined once, in this JSON file; infra/, the local bootstrap and the names below all read it.
TABLE_SCHEMA_FILE = Path(__file__).with_name("table_schema.json")
TABLE_SCHEMA: dict[str, Any] = json.loads(TABLE_SCHEMA_FILE.read_text(encoding="utf-8"))


def _key(schema: list[dict[str, str]], kind: str) -> str:
    return next(part["AttributeName"] for part in schema if part["KeyType"] == kind)


PARTITION_KEY = _key(TABLE_SCHEMA["KeySchema"], "HASH")
SORT_KEY = _key(TABLE_SCHEMA["KeySchema"], "RANGE")
# The one secondary index: the personal link finds a registration by its id.
(_INDEX,) = TABLE_SCHEMA["GlobalSecondaryIndexes"]
REGISTRATION_ID_INDEX: str = _INDEX["IndexName"]
REGISTRATION_ID = _key(_INDEX["KeySchema"], "HASH")
# DynamoDB's TTL attribute is no part of the key schema: infra/template.yaml names it (a test keeps the two equal).
TTL_ATTRIBUTE = "expires_at"


# A hanging store is a 503 within store_call_bound() (6 s), never a timeout: why these numbers, in
# handbook/decisions.md, "The store client's retry budget".
@cache
def boto_config() -> Config:
    """The store client's configuration. boto3 is imported on first use, never with this module: the staff
    command's --help needs none of it (tests/integration/test_staff_imports.py)."""
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


# Rounds of put, update and re-read in add(): each further round needs another writer to have won a race.
ADD_ROUNDS = 3


class RegistrationRepository:
    def __init__(self, table: Any):
        self.table = table

    def add(self, item: dict[str, Any], on_duplicate: dict[str, Any], remove: tuple[str, ...] = ()) -> bool:
        """Store a new registration and return True; an active one for the same (event, email) is never overwritten.

        When one exists, `on_duplicate` is set on it instead (and `remove` removed), and the answer is False: the
        request still makes only one write that succeeds. botocore retries a put whose answer timed out; if the
        first attempt was stored, the retry meets the condition. The item's `submission_id` (new for every
        request) tells our own earlier attempt apart from another registration: then the put succeeded.

        Between the put and the update, another request may change the item: a cancellation (then neither
        condition holds, though the store is fine) or a new registration after it. The item is then read again
        and the round starts over, at most ADD_ROUNDS times: each round needs another writer to win a race, and a
        registration can be cancelled only once, so two rounds settle any real race.
        """
        duplicate: ConditionFailed | None = None
        for _ in range(ADD_ROUNDS):
            try:
                call(
                    self.table.put_item,
                    Item=item,
                    # A cancelled registration may be replaced by a new one; an active one never.
                    ConditionExpression="attribute_not_exists(#pk) OR #status = :cancelled",
                    ExpressionAttributeNames={"#pk": PARTITION_KEY, "#status": "status"},
                    ExpressionAttributeValues={":cancelled": RegistrationStatus.CANCELLED},
                )
            except ConditionFailed as exc:
                duplicate = exc
            else:
                return True
            if self._mark_duplicate(item, on_duplicate, remove):
                return False
            # Not an active registration of another submission: our own retried put, or a race with a cancel.
            try:
                stored = self.get(item[PARTITION_KEY], item[SORT_KEY])
            except RegistrationNotFound:
                continue  # removed meanwhile: the put may go in now
            if item.get("submission_id") and stored.get("submission_id") == item["submission_id"]:
                return True
            # Cancelled (the put may replace it now) or registered again by another submission (a repeat now):
            # the next round decides.
        # Still undecided after every round: the item kept changing under us. Rare enough to be a 503.
        raise StoreUnavailable() from duplicate

    def _mark_duplicate(self, item: dict[str, Any], on_duplicate: dict[str, Any], remove: tuple[str, ...]) -> bool:
        """Record `on_duplicate` on the active registration of another submission; False when there is none."""
        names = {"#pk": PARTITION_KEY, "#status": "status", "#sid": "submission_id"}
        values: dict[str, Any] = {":registered": RegistrationStatus.REGISTERED, ":sid": item.get("submission_id", "")}
        sets = [f"#s{i} = :s{i}" for i in range(len(on_duplicate))]
        names.update({f"#s{i}": name for i, name in enumerate(on_duplicate)})
        values.update({f":s{i}": value for i, value in enumerate(on_duplicate.values())})
        # Registrations stored before personal links named an id get one now, so the link can be sent.
        for name, value in (("registration_id", item["registration_id"]), ("link_version", item["link_version"])):
            names[f"#{name}"] = name
            values[f":{name}"] = value
            sets.append(f"#{name} = if_not_exists(#{name}, :{name})")
        update = "SET " + ", ".join(sets)
        if remove:
            names.update({f"#r{i}": name for i, name in enumerate(remove)})
            update += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
        condition = "attribute_exists(#pk) AND #status = :registered AND (attribute_not_exists(#sid) OR #sid <> :sid)"
        return (
            self.conditional_update(item[PARTITION_KEY], item[SORT_KEY], update, condition, names, values) is not None
        )

    def get(self, event_id: str, email: str) -> dict[str, Any]:
        response = call(self.table.get_item, Key={PARTITION_KEY: event_id, SORT_KEY: email}, ConsistentRead=True)
        if "Item" not in response:
            raise RegistrationNotFound()
        return dict(response["Item"])

    def update(
        self,
        event_id: str,
        email: str,
        changes: dict[str, Any],
        only_if_status: str | None = None,
        remove: tuple[str, ...] = (),
        only_if: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Set (and remove) the given attributes on an existing registration; return the item as it now is.

        `only_if_status` and `only_if` (attribute → value) are conditions; when one does not hold,
        RegistrationNotFound is raised and nothing is written."""
        if not changes and not remove:
            return self.get(event_id, email)
        names = {f"#a{i}": name for i, name in enumerate(changes)}
        names.update({f"#r{i}": name for i, name in enumerate(remove)})
        values = {f":v{i}": value for i, value in enumerate(changes.values())}
        condition = "attribute_exists(#pk)"
        names["#pk"] = PARTITION_KEY
        if only_if_status is not None:
            condition += " AND #status = :only_status"
            names["#status"] = "status"
            values[":only_status"] = only_if_status
        for i, (name, value) in enumerate((only_if or {}).items()):
            names[f"#c{i}"] = name
            values[f":c{i}"] = value
            condition += f" AND #c{i} = :c{i}"
        expression = ""
        if changes:
            expression += "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(changes)))
        if remove:
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
        request: dict[str, Any] = {
            "Key": {PARTITION_KEY: event_id, SORT_KEY: email},
            "UpdateExpression": expression.strip(),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ReturnValues": "ALL_NEW",
        }
        if values:  # DynamoDB refuses an empty map here
            request["ExpressionAttributeValues"] = values
        try:
            response = call(self.table.update_item, **request)
        except ConditionFailed as exc:
            raise RegistrationNotFound() from exc
        return dict(response["Attributes"])

    def find_email(self, event_id: str, registration_id: str) -> str | None:
        """The address of the registration with this id (the personal link's key), from the secondary index."""
        response = call(
            self.table.query,
            IndexName=REGISTRATION_ID_INDEX,
            KeyConditionExpression=key_condition(REGISTRATION_ID).eq(registration_id),
        )
        for key in response.get("Items", []):
            if key.get(PARTITION_KEY) == event_id:
                return str(key[SORT_KEY])
        return None

    def revoke_links(self, event_id: str, email: str) -> dict[str, Any]:
        """Raise the link version of a registration: every link sent so far stops working."""
        response = self.conditional_update(
            event_id,
            email,
            "ADD #version :one",
            "attribute_exists(#pk) AND attribute_exists(#rid)",
            {"#pk": PARTITION_KEY, "#version": "link_version", "#rid": REGISTRATION_ID},
            {":one": 1},
        )
        if response is None:
            raise RegistrationNotFound()
        return response

    def owing_mail(self, event_id: str) -> Iterator[dict[str, Any]]:
        """The registrations of one event that owe an email or have a send in progress (for the sweep)."""
        query: dict[str, Any] = {
            "KeyConditionExpression": key_condition(PARTITION_KEY).eq(event_id),
            "FilterExpression": "attribute_exists(#owed) OR attribute_exists(#claim_for)",
            "ExpressionAttributeNames": {"#owed": "mail_owed", "#claim_for": "mail_claim_for"},
        }
        return self._pages(query)

    def owing(
        self, event_id: str, filters: list[tuple[str, dict[str, str], dict[str, Any]]]
    ) -> Iterator[dict[str, Any]]:
        """The registrations of one event that match any of the deliverer's channel filters (for the sweep): each
        filter is an expression with its own names and values, which must not clash."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        for _, more_names, more_values in filters:
            names.update(more_names)
            values.update(more_values)
        query: dict[str, Any] = {
            "KeyConditionExpression": key_condition(PARTITION_KEY).eq(event_id),
            "FilterExpression": " OR ".join(f"({expression})" for expression, _, _ in filters),
            "ExpressionAttributeNames": names,
        }
        if values:
            query["ExpressionAttributeValues"] = values
        return self._pages(query)

    def with_prefix(self, partition: str, prefix: str) -> list[dict[str, Any]]:
        """The items of a partition other than a meeting's whose sort key starts with `prefix` (publications)."""
        return list(
            self._pages(
                {
                    "KeyConditionExpression": key_condition(PARTITION_KEY).eq(partition)
                    & key_condition(SORT_KEY).begins_with(prefix)
                }
            )
        )

    def put_new(self, item: dict[str, Any]) -> bool:
        """Store an item that must not exist yet; False when it does (nothing is written)."""
        try:
            call(
                self.table.put_item,
                Item=item,
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": PARTITION_KEY},
            )
        except ConditionFailed:
            return False
        return True

    def set_expiry(self, event_id: str, email: str, expires_at: int) -> None:
        """Move one registration's TTL (the meeting moved); nothing when the item is gone meanwhile."""
        self.conditional_update(
            event_id,
            email,
            "SET #ttl = :ttl",
            "attribute_exists(#pk)",
            {"#ttl": TTL_ATTRIBUTE, "#pk": PARTITION_KEY},
            {":ttl": expires_at},
        )

    def for_event(self, event_id: str) -> Iterator[dict[str, Any]]:
        """Every registration of one event, following DynamoDB's 1 MB pages to the end."""
        return self._pages({"KeyConditionExpression": key_condition(PARTITION_KEY).eq(event_id)})

    def _pages(self, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            page = call(self.table.query, **query)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def conditional_update(
        self, event_id: str, email: str, update: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> dict[str, Any] | None:
        """One update under a condition: the item as it now is, or None (not an error) when the condition no
        longer holds. The deliverer's bookkeeping (mail_records.py) is made of these."""
        request: dict[str, Any] = {
            "Key": {PARTITION_KEY: event_id, SORT_KEY: email},
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ReturnValues": "ALL_NEW",
        }
        if values:  # DynamoDB refuses an empty map here
            request["ExpressionAttributeValues"] = values
        try:
            response = call(self.table.update_item, **request)
        except ConditionFailed:
            return None
        return dict(response["Attributes"])
