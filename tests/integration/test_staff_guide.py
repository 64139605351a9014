"""The staff guide (STAFF.md) stays true: every attribute staff meet in the console is explained there, items are
flat and readable, the guide's event code is right, and it explains the meeting's folder and --bijeenkomst; the
administrator's guide (handbook/beheer.md) shows the stack's IAM policies for staff as they are."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

from boto3.dynamodb.conditions import Key

from deploy.infra import load_template
from deploy.settings import stage_settings
from registrations import create_deliverer
from registrations.console.files import upload_prefix
from registrations.reports.spreadsheet_files import EXPORT_NAMES
from registrations.repository import StoredRegistration
from registrations.staff import EXIT_CODES

from .staff_support import EVENT, put_items, registration, run_cli

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "STAFF.md").read_text(encoding="utf-8")
ADMIN_GUIDE = (ROOT / "handbook" / "beheer.md").read_text(encoding="utf-8")
TIME_ATTRIBUTES = (
    "registered_at",
    "consent_at",
    "cancelled_at",
    "followup_sent_at",
    "followup_claimed_at",
    "link_sent_at",
    "confirmation_at",
    "changed_at",
    "mail_owed_at",
    "mail_status_at",
    "mail_claimed_at",
    "mail_retry_at",
    "mail_sent_at",
)


def documented_attributes() -> set[str]:
    section = GUIDE.split("## 2. Wat elke kolom betekent", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))


def test_every_attribute_of_a_registration_and_its_follow_up_is_explained(client, table, app_config, valid_form):
    # Given a registration made through the API, its confirmation delivered, and the follow-up mailing sent to it
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    create_deliverer(app_config).sweep()
    env = {
        key: app_config[key]
        for key in ("REGISTRATIONS_TABLE", "AWS_REGION", "DYNAMODB_ENDPOINT", "MAIL_OUTBOX", "MAIL_SENDER")
    }
    code, _, _ = run_cli(
        [
            "send-followup",
            "--teams-link",
            "https://teams.example/l/1",
            "--paper",
            "Agenda",
            "https://vng.example/a.pdf",
            "--ja",
            "--niet-wachten",
        ],
        env,
    )
    assert code == 0
    create_deliverer(app_config).sweep()

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
    attributes = set(item) | StoredRegistration.__required_keys__ | StoredRegistration.__optional_keys__
    missing = attributes - documented_attributes()
    assert not missing, f"explain these in STAFF.md, section 2: {sorted(missing)}"


def test_the_guide_names_the_event_code_from_event_toml():
    assert f"`{EVENT.id}`" in GUIDE
    assert "Partition key** (`event`)" in GUIDE


def actions_by_sid(statements) -> dict[str, set[str]]:
    return {s["Sid"]: set([s["Action"]] if isinstance(s["Action"], str) else s["Action"]) for s in statements}


def test_the_admin_guides_iam_policies_are_valid_json_and_the_stacks_staff_policies():
    policies = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", ADMIN_GUIDE, flags=re.DOTALL)]
    assert len(policies) == 2
    resources = load_template()["Resources"]
    bucket = stage_settings("production")["aws_environment_variables"]["EXPORT_BUCKET"]
    for shown, name in zip(policies, ("StaffReaderPolicy", "StaffOperatorPolicy"), strict=True):
        in_stack = resources[name]["Properties"]["PolicyDocument"]["Statement"]
        assert actions_by_sid(shown["Statement"]) == actions_by_sid(in_stack), name
        # And the same folders of the export bucket: each meeting's (*/...)
        assert s3_resources(shown["Statement"]) == s3_resources(in_stack, bucket), name
        assert f"`vng-registrations-production-staff-{name[5:-6].lower()}`" in ADMIN_GUIDE
        assert f"`vng-registrations-production-staff-{name[5:-6].lower()}`" in GUIDE, "staff learn its name"
    read_only = set().union(*actions_by_sid(policies[0]["Statement"]).values())
    assert not [a for a in read_only if a.split(":")[1].startswith(("Put", "Update", "Delete", "Send"))]
    assert "```json" not in GUIDE, "the policies' JSON is for the administrator, not for staff"


def s3_resources(statements, bucket: str | None = None) -> dict[str, list[str]]:
    """The ARNs of objects in the export bucket, per statement: as the guide writes them, or the stack's with the
    bucket's name filled in."""
    found = {}
    for statement in statements:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        texts = [r.get("Fn::Sub") if isinstance(r, dict) else r for r in resources]
        arns = [
            text.replace("${ExportBucket.Arn}", f"arn:aws:s3:::{bucket}")
            for text in texts
            if isinstance(text, str)
            and ("${ExportBucket.Arn}/" in text or text.startswith("arn:aws:s3:::") and "/" in text)
        ]
        if arns:
            found[statement["Sid"]] = arns
    return found


def test_the_guide_explains_the_meetings_folders_and_choosing_the_meeting():
    from registrations.staff.choosing import OPTION

    chapter_1 = " ".join(GUIDE.split("## 1. ", 1)[1].split("\n## 2. ", 1)[0].split())
    assert "**Open de map met de code van uw bijeenkomst**" in chapter_1 and f"`{EVENT.id}/`" in chapter_1
    chapter_3 = GUIDE.split("## 3. ", 1)[1].split("\n## 4. ", 1)[0]
    choosing = chapter_3.split("### Welke bijeenkomst", 1)[1].split("\n### ", 1)[0]
    assert f"`{OPTION} CODE`" in choosing and "afsluitcode 2" in choosing
    chapter_6 = GUIDE.split("## 6. ", 1)[1].split("\n## 7. ", 1)[0]
    assert f"`{upload_prefix(EVENT.id)}`" in chapter_6, "the follow-up goes into the meeting's own folder"
    assert f'bijeenkomst = "{EVENT.id}"' in chapter_6 and "DIT BESTAND STAAT IN DE VERKEERDE MAP" in chapter_6


def test_both_guides_say_that_one_suppression_list_serves_every_meeting():
    assert "Die lijst geldt voor alle bijeenkomsten samen" in " ".join(GUIDE.split())
    assert "Er is één lijst voor alle bijeenkomsten" in " ".join(ADMIN_GUIDE.split())
    assert "aws sesv2 list-suppressed-destinations" in ADMIN_GUIDE
    assert "aws sesv2 delete-suppressed-destination" in ADMIN_GUIDE


def test_the_revoke_link_is_explained_under_corrections():
    chapter_7 = GUIDE.split("## 7. Een aanmelding corrigeren", 1)[1].split("\n## ", 1)[0]
    assert "### Een persoonlijke link intrekken" in chapter_7
    assert "registrations revoke-link" in chapter_7


def test_the_guide_names_what_the_production_stack_makes_and_the_region():
    environment = stage_settings("production")["aws_environment_variables"]
    for name in (environment["REGISTRATIONS_TABLE"], environment["EXPORT_BUCKET"]):
        assert f"`{name}`" in GUIDE
    assert "Europe (Frankfurt)" in GUIDE and "`eu-central-1`" in GUIDE
    bucket_link = re.search(r"`(https://s3\.console\.aws\.amazon\.com/s3/buckets/[^`]+)`", GUIDE)[1]
    assert bucket_link == (
        f"https://s3.console.aws.amazon.com/s3/buckets/{environment['EXPORT_BUCKET']}?region=eu-central-1&tab=objects"
    )
    chapter_1 = GUIDE.split("## 1. ", 1)[1].split("\n## 2. ", 1)[0]
    assert "Lambda" not in chapter_1, "staff never need the function's configuration"
    for key in EXPORT_NAMES:
        assert f"`{key}`" in chapter_1


def test_the_guide_lists_every_exit_code():
    section = GUIDE.split("### Afsluitcodes", 1)[1].split("\n## ", 1)[0]
    assert [int(code) for code in re.findall(r"^\| (\d) \|", section, flags=re.MULTILINE)] == list(EXIT_CODES)


def test_the_attributes_of_the_corrections_are_explained(table, staff_env):
    put_items(table, [registration(1), registration(2)])
    assert run_cli(["resend", registration(1)["email"]], staff_env)[0] == 0
    assert run_cli(["cancel", registration(2)["email"], "--ja"], staff_env)[0] == 0
    items = table.query(KeyConditionExpression=Key("event").eq(EVENT.id))["Items"]
    missing = {name for item in items for name in item} - documented_attributes()
    assert not missing, f"explain these in STAFF.md, section 2: {sorted(missing)}"
