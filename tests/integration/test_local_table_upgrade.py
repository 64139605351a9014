"""A local table made before the registration-id index gets it when `make run` starts, with its data kept."""

from __future__ import annotations

import uuid

from registrations.local.dynalite import ensure_table
from registrations.repository import REGISTRATION_ID_INDEX, dynamodb_resource


def test_an_old_local_table_gets_the_index_and_keeps_its_items(dynalite):
    resource = dynamodb_resource("eu-central-1", dynalite.endpoint)
    name = f"old-{uuid.uuid4().hex[:8]}"
    key = [{"AttributeName": "event", "KeyType": "HASH"}, {"AttributeName": "email", "KeyType": "RANGE"}]
    attributes = [{"AttributeName": "event", "AttributeType": "S"}, {"AttributeName": "email", "AttributeType": "S"}]
    resource.meta.client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=key, AttributeDefinitions=attributes
    )
    table = resource.Table(name)
    for i in range(3):
        table.put_item(Item={"event": "e", "email": f"a{i}@x.example", "registration_id": f"id-{i}"})
    try:
        ensure_table(resource, name)
        ensure_table(resource, name)  # a second start changes nothing
        assert table.scan(Select="COUNT")["Count"] == 3
        found = table.query(
            IndexName=REGISTRATION_ID_INDEX,
            KeyConditionExpression="registration_id = :r",
            ExpressionAttributeValues={":r": "id-1"},
        )["Items"]
        assert found == [{"registration_id": "id-1", "event": "e", "email": "a1@x.example"}]
    finally:
        table.delete()
