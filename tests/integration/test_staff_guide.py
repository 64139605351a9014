"""The staff guide (STAFF.md) stays true: every attribute staff meet in the console is explained there, items are
flat and readable, and the guide's event code and IAM policies are right."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

from boto3.dynamodb.conditions import Key

from registrations import create_deliverer
from registrations.followup import CLAIM, CLAIMED_AT
from registrations.items import Registration

from .staff_support import EVENT, run_cli

GUIDE = (Path(__file__).resolve().parents[2] / "STAFF.md").read_text(encoding="utf-8")
TIME_ATTRIBUTES = ("registered_at", "consent_at", "cancelled_at", "followup_sent_at", "followup_claimed_at",
                   "link_sent_at", "confirmation_at", "changed_at", "mail_owed_at", "mail_status_at",
                   "mail_claimed_at", "mail_retry_at", "mail_sent_at")


def documented_attributes() -> set[str]:
    section = GUIDE.split("## 2. Wat elke kolom betekent", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))


def test_every_attribute_of_a_registration_and_its_follow_up_is_explained(client, table, app_config, valid_form):
    # Given a registration made through the API, its confirmation delivered, and the follow-up mailing sent to it
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    create_deliverer(app_config).sweep()
    env = {key: app_config[key] for key in
           ("REGISTRATIONS_TABLE", "AWS_REGION", "DYNAMODB_ENDPOINT", "MAIL_OUTBOX", "MAIL_SENDER")}
    code, _, _ = run_cli(["send-followup", "--teams-link", "https://teams.example/l/1",
                          "--paper", "Agenda", "https://vng.example/a.pdf", "--rate", "1000"], env)
    assert code == 0

    # Then the event's partition holds registrations only, flat, with readable times
    items = table.query(KeyConditionExpression=Key("event").eq(EVENT.id))["Items"]
    [item] = items
    assert item["mail_status"] == "sent"
    assert all(isinstance(value, (str, Decimal)) for value in item.values()), "flat: no maps, lists or sets"
    for name in TIME_ATTRIBUTES:
        if name in item:
            moment = dt.datetime.fromisoformat(item[name])
            assert moment.utcoffset() == moment.astimezone(EVENT.timezone).utcoffset(), f"{name}: Dutch time"

    # And every attribute, including those that only show for a while (an interrupted send, an email still owed
    # or tried again) and those of registrations stored before the deliverer, is in the guide
    attributes = set(item) | {CLAIM, CLAIMED_AT} | set(Registration.__annotations__)
    missing = attributes - documented_attributes()
    assert not missing, f"explain these in STAFF.md, section 2: {sorted(missing)}"


def test_the_guide_names_the_event_code_from_event_toml():
    assert f"`{EVENT.id}`" in GUIDE
    assert "Partition key** (`event`)" in GUIDE


def test_the_guides_iam_policies_are_valid_json_and_read_only_where_it_says_so():
    policies = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", GUIDE, flags=re.DOTALL)]
    assert len(policies) == 2
    read_only = {action for statement in policies[0]["Statement"] for action in
                 ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    assert read_only == {"dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:Query", "dynamodb:Scan",
                         "dynamodb:GetItem"}
