"""The one door to DynamoDB in the shipped code, and the shape of what it stores.

It is given its table. What is stored is typed (items.py, slot_names.py, statuses.py), so that mypy sees a
misspelt attribute or status on either side of the door. Every DynamoDB error becomes a domain exception here
(client.call). The modules:

- schema.py: the key names, read from table_schema.json;
- client.py: the boto3 client's timeouts and retries, the lazily made table, the translation of errors;
- door.py, records.py, registrations.py: RegistrationRepository, by kind of item;
- items.py, slot_names.py, statuses.py: the stored items' TypedDicts, the slots' attribute names, the statuses.
"""

from __future__ import annotations

from .client import (
    MAX_BACKOFF_SECONDS,
    ConditionFailed,
    LazyTable,
    boto_config,
    call,
    dynamodb_resource,
    key_condition,
    store_call_bound,
    total_attempts,
)
from .items import (
    AnnouncedFacts,
    AnnouncementItem,
    InboxRecord,
    Number,
    PublicationItem,
    PublishedPaperItem,
    RegistrationAttributes,
    RegistrationKey,
    StoredRegistration,
)
from .registrations import ADD_ROUNDS, Filter, RegistrationRepository
from .schema import (
    PARTITION_KEY,
    REGISTRATION_ID,
    REGISTRATION_ID_INDEX,
    SORT_KEY,
    TABLE_SCHEMA,
    TABLE_SCHEMA_FILE,
    TTL_ATTRIBUTE,
)
from .slot_names import (
    SLOT_ATTRIBUTES,
    SlotAttribute,
    SlotCountAttribute,
    SlotCountField,
    SlotField,
    SlotPrefix,
    SlotTextAttribute,
    SlotTextField,
    slot_attribute,
)
from .statuses import RegistrationStatus, SendState, SesVerdict

__all__ = [
    "ADD_ROUNDS",
    "MAX_BACKOFF_SECONDS",
    "PARTITION_KEY",
    "REGISTRATION_ID",
    "REGISTRATION_ID_INDEX",
    "SLOT_ATTRIBUTES",
    "SORT_KEY",
    "TABLE_SCHEMA",
    "TABLE_SCHEMA_FILE",
    "TTL_ATTRIBUTE",
    "AnnouncedFacts",
    "AnnouncementItem",
    "ConditionFailed",
    "Filter",
    "InboxRecord",
    "LazyTable",
    "Number",
    "PublicationItem",
    "PublishedPaperItem",
    "RegistrationAttributes",
    "RegistrationKey",
    "RegistrationRepository",
    "RegistrationStatus",
    "SendState",
    "SesVerdict",
    "SlotAttribute",
    "SlotCountAttribute",
    "SlotCountField",
    "SlotField",
    "SlotPrefix",
    "SlotTextAttribute",
    "SlotTextField",
    "StoredRegistration",
    "boto_config",
    "call",
    "dynamodb_resource",
    "key_condition",
    "slot_attribute",
    "store_call_bound",
    "total_attempts",
]
