"""The table's plumbing that every kind of item shares: keys, conditional updates and queries to the last page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .client import call
from .schema import PARTITION_KEY, SORT_KEY


class TableDoor:
    """The table and the calls on it; RegistrationRepository builds on this (the class is split by kind of item,
    not by caller)."""

    def __init__(self, table: Any):
        self.table = table

    @staticmethod
    def key(partition: str, sort_key: str) -> dict[str, str]:
        return {PARTITION_KEY: partition, SORT_KEY: sort_key}

    def _update(
        self,
        partition: str,
        sort_key: str,
        update: str,
        condition: str,
        names: Mapping[str, str],
        values: Mapping[str, Any],
    ) -> dict[str, Any]:
        """One update under a condition; the item as it now is. ConditionFailed when the condition does not hold
        (then nothing is written)."""
        request: dict[str, Any] = {
            "Key": self.key(partition, sort_key),
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": dict(names),
            "ReturnValues": "ALL_NEW",
        }
        if values:  # DynamoDB refuses an empty map here
            request["ExpressionAttributeValues"] = dict(values)
        response = call(self.table.update_item, **request)
        return dict(response["Attributes"])

    def _pages(self, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The items a query finds, following DynamoDB's 1 MB pages to the end."""
        while True:
            page = call(self.table.query, **query)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
