"""The table's records other than registrations: inboxes, the published follow-up, the meeting's announced changes
and the counters. Each module that owns a partition names it and the TypedDict of its items (items.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from .client import ConditionFailed, call, key_condition
from .door import TableDoor
from .items import AnnouncementItem, PublicationItem
from .schema import PARTITION_KEY, SORT_KEY

# The TypedDict of the records asked for; DynamoDB keeps no schema, so the caller says which shape it stored.
Record = TypeVar("Record", bound=Mapping[str, object])


class RecordDoor(TableDoor):
    def record(self, partition: str, sort_key: str, shape: type[Record]) -> Record | None:
        """One record, or None when there is none."""
        response = call(self.table.get_item, Key=self.key(partition, sort_key), ConsistentRead=True)
        if "Item" not in response:
            return None
        return cast(Record, dict(response["Item"]))

    def with_prefix(self, partition: str, prefix: str, shape: type[Record]) -> list[Record]:
        """The records of a partition other than a meeting's whose sort key starts with `prefix` (publications)."""
        query: dict[str, Any] = {
            "KeyConditionExpression": key_condition(PARTITION_KEY).eq(partition)
            & key_condition(SORT_KEY).begins_with(prefix)
        }
        return [cast(Record, item) for item in self._pages(query)]

    def put_new(self, item: PublicationItem | AnnouncementItem) -> bool:
        """Store a record that must not exist yet; False when it does (nothing is written)."""
        try:
            call(
                self.table.put_item,
                Item=dict(item),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": PARTITION_KEY},
            )
        except ConditionFailed:
            return False
        return True

    def update_record(
        self,
        partition: str,
        sort_key: str,
        update: str,
        condition: str,
        names: Mapping[str, str],
        values: Mapping[str, Any],
    ) -> bool:
        """One update of a record under a condition; False (not an error) when the condition does not hold."""
        try:
            self._update(partition, sort_key, update, condition, names, values)
        except ConditionFailed:
            return False
        return True
