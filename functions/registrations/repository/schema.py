"""The table's key names, read from table_schema.json: infra/, the local bootstrap and the code all read that file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

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
# Final, so that mypy reads it as the literal key of the stored items' TypedDicts.
TTL_ATTRIBUTE: Final = "expires_at"
