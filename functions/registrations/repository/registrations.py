"""The registrations of a meeting: the conditional writes of the request path and the deliverer, and the queries.

Every DynamoDB error becomes a domain exception here (client.call): a failed condition means what each method says.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, cast

from ..errors import RegistrationNotFound, StoreUnavailable
from .client import ConditionFailed, call, key_condition
from .items import RegistrationAttributes, StoredRegistration
from .records import RecordDoor
from .schema import PARTITION_KEY, REGISTRATION_ID, REGISTRATION_ID_INDEX, SORT_KEY, TTL_ATTRIBUTE
from .statuses import RegistrationStatus

# Rounds of put, update and re-read in add(): each further round needs another writer to have won a race.
ADD_ROUNDS = 3
# A sweep's channel filter: an expression, with its own attribute names and values (which must not clash).
Filter = tuple[str, dict[str, str], dict[str, Any]]


def stored(raw: Mapping[str, Any]) -> StoredRegistration:
    """An item as boto3 gives it, as what it is: a registration (DynamoDB keeps no schema)."""
    return cast(StoredRegistration, dict(raw))


def key_of(item: StoredRegistration) -> tuple[str, str]:
    """The item's key, by the names in table_schema.json."""
    attributes: Mapping[str, object] = item
    return str(attributes[PARTITION_KEY]), str(attributes[SORT_KEY])


class RegistrationRepository(RecordDoor):
    """The one door to DynamoDB: registrations here, the other records in RecordDoor."""

    def add(self, item: StoredRegistration, on_duplicate: RegistrationAttributes, remove: tuple[str, ...] = ()) -> bool:
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
                    Item=dict(item),
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
                current = self.get(*key_of(item))
            except RegistrationNotFound:
                continue  # removed meanwhile: the put may go in now
            if item.get("submission_id") and current.get("submission_id") == item["submission_id"]:
                return True
            # Cancelled (the put may replace it now) or registered again by another submission (a repeat now):
            # the next round decides.
        # Still undecided after every round: the item kept changing under us. Rare enough to be a 503.
        raise StoreUnavailable() from duplicate

    def _mark_duplicate(
        self, item: StoredRegistration, on_duplicate: RegistrationAttributes, remove: tuple[str, ...]
    ) -> bool:
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
        return self.conditional_update(*key_of(item), update, condition, names, values) is not None

    def get(self, event_id: str, email: str) -> StoredRegistration:
        response = call(self.table.get_item, Key=self.key(event_id, email), ConsistentRead=True)
        if "Item" not in response:
            raise RegistrationNotFound()
        return stored(response["Item"])

    def update(
        self,
        event_id: str,
        email: str,
        changes: RegistrationAttributes,
        only_if_status: str | None = None,
        remove: tuple[str, ...] = (),
        only_if: RegistrationAttributes | None = None,
    ) -> StoredRegistration:
        """Set (and remove) the given attributes on an existing registration; return the item as it now is.

        `only_if_status` and `only_if` (attribute → value) are conditions; when one does not hold,
        RegistrationNotFound is raised and nothing is written."""
        if not changes and not remove:
            return self.get(event_id, email)
        names = {f"#a{i}": name for i, name in enumerate(changes)}
        names.update({f"#r{i}": name for i, name in enumerate(remove)})
        values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(changes.values())}
        conditions: dict[str, object] = {"status": only_if_status} if only_if_status is not None else {}
        conditions.update(only_if or {})
        names["#pk"] = PARTITION_KEY
        condition = "attribute_exists(#pk)"
        for i, (name, value) in enumerate(conditions.items()):
            names[f"#c{i}"] = name
            values[f":c{i}"] = value
            condition += f" AND #c{i} = :c{i}"
        expression = ""
        if changes:
            expression += "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(changes)))
        if remove:
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(remove)))
        try:
            return stored(self._update(event_id, email, expression.strip(), condition, names, values))
        except ConditionFailed as exc:
            raise RegistrationNotFound() from exc

    def conditional_update(
        self, event_id: str, email: str, update: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> StoredRegistration | None:
        """One update of a registration under a condition: the item as it now is, or None (not an error) when the
        condition no longer holds. The deliverer's bookkeeping (delivery/slots.py) is made of these."""
        try:
            return stored(self._update(event_id, email, update, condition, names, values))
        except ConditionFailed:
            return None

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

    def revoke_links(self, event_id: str, email: str) -> StoredRegistration:
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

    def for_event(self, event_id: str) -> Iterator[StoredRegistration]:
        """Every registration of one event, following DynamoDB's 1 MB pages to the end."""
        return self._registrations({"KeyConditionExpression": key_condition(PARTITION_KEY).eq(event_id)})

    def owing_mail(self, event_id: str) -> Iterator[StoredRegistration]:
        """The registrations of one event that owe an email or have a send in progress (for the sweep)."""
        query: dict[str, Any] = {
            "KeyConditionExpression": key_condition(PARTITION_KEY).eq(event_id),
            "FilterExpression": "attribute_exists(#owed) OR attribute_exists(#claim_for)",
            "ExpressionAttributeNames": {"#owed": "mail_owed", "#claim_for": "mail_claim_for"},
        }
        return self._registrations(query)

    def owing(self, event_id: str, filters: list[Filter]) -> Iterator[StoredRegistration]:
        """The registrations of one event that match any of the deliverer's channel filters (for the sweep)."""
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
        return self._registrations(query)

    def _registrations(self, query: dict[str, Any]) -> Iterator[StoredRegistration]:
        return (stored(item) for item in self._pages(query))
