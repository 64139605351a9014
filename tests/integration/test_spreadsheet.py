"""The always-current staff spreadsheet (registrations.reports.spreadsheet and its stores): registrations from a
real dynalite, the meeting's folder in the bucket on moto's standalone S3 server over HTTP, and the local folder of
`make run`; each meeting's files in its own folder."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import uuid

import boto3
import openpyxl
import pytest

from registrations.reports.spreadsheet import publish_spreadsheet, refresh_spreadsheet, take_snapshot
from registrations.reports.spreadsheet_files import (
    CSV_NAME,
    EXPORT_NAMES,
    SUMMARY_NAME,
    XLSX_NAME,
    FolderSpreadsheetFiles,
    S3SpreadsheetFiles,
)
from registrations.repository import RegistrationRepository
from registrations.settings import Settings

from .staff_support import EVENT, put_items, registration, run_cli

NOW = dt.datetime(2023, 5, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def s3(moto_endpoint):
    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@pytest.fixture
def bucket(s3):
    name = f"exports-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    return name


@pytest.fixture
def settings(app_config, bucket, moto_endpoint):
    """The function's settings on AWS, with the bucket on the local S3 server."""
    return Settings.from_env({**app_config, "EXPORT_BUCKET": bucket, "S3_ENDPOINT": moto_endpoint})


@pytest.fixture
def repository(table):
    return RegistrationRepository(table)


class CountingS3:
    """The real client over HTTP, counting the writes."""

    def __init__(self, client):
        self.client, self.puts = client, []

    def head_object(self, **request):
        return self.client.head_object(**request)

    def put_object(self, **request):
        self.puts.append(request["Key"])
        return self.client.put_object(**request)


def read(s3, bucket, name, meeting_id: str = EVENT.id) -> bytes:
    """A file in the meeting's folder of the bucket."""
    return s3.get_object(Bucket=bucket, Key=f"{meeting_id}/{name}")["Body"].read()


NASTY = [
    registration(
        1,
        given_name='=HYPERLINK("http://x.example")',
        family_name="Øster",
        remark="+31 6 1234 5678",
        organisation="dcmr",
    ),
    registration(2, given_name="-Jan", family_name="van 't Hoff", organisation="dcmr"),
    registration(3, family_name="Ærøskøbing", organisation="dcmr"),
]


def test_a_trigger_writes_the_three_files_as_the_export_and_summary_commands_make_them(
    table, repository, settings, s3, bucket, staff_env, tmp_path
):
    put_items(table, [*NASTY, {**registration(4), "status": "cancelled"}])

    # When a trigger (a stream batch or the sweep) calls the refresh, as registrations/lambda_handler/ will
    published = refresh_spreadsheet(repository, EVENT, settings, NOW)

    # Then the three stable names in the meeting's folder hold exactly what `registrations export` and `summary` give
    assert published is not None and published.written == EXPORT_NAMES
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]} == {
        f"{EVENT.id}/{name}" for name in EXPORT_NAMES
    }
    code, exported_csv, _ = run_cli(["export"], staff_env)
    assert code == 0 and read(s3, bucket, CSV_NAME) == exported_csv
    # At the same moment: the summary names the next reminder, which depends on the time.
    code, summary, _ = run_cli(["summary"], staff_env, clock=lambda: NOW)
    assert code == 0 and read(s3, bucket, SUMMARY_NAME) == summary
    assert "Afgemeld (niet meegeteld): 1" in summary.decode()

    # And read back with csv and openpyxl: sorted the Dutch way, formula-safe, cancelled left out
    rows = list(csv.reader(io.StringIO(read(s3, bucket, CSV_NAME).decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[1] for row in rows[1:]] == ["Ærøskøbing", "van 't Hoff", "Øster"]
    assert rows[3][2] == '\'=HYPERLINK("http://x.example")' and rows[3][6] == "'+31 6 1234 5678"
    sheet = openpyxl.load_workbook(io.BytesIO(read(s3, bucket, XLSX_NAME))).active
    cells = {row[3].value: row for row in sheet.iter_rows(min_row=2)}
    hyperlink = cells[NASTY[0]["email"]][2]
    assert hyperlink.value == '=HYPERLINK("http://x.example")'
    assert hyperlink.data_type == "s" and hyperlink.quotePrefix
    target = tmp_path / "a.xlsx"
    assert run_cli(["export", "-o", str(target)], staff_env)[0] == 0
    assert list(sheet.values) == list(openpyxl.load_workbook(target).active.values)
    head = s3.head_object(Bucket=bucket, Key=f"{EVENT.id}/{XLSX_NAME}")
    assert head["ContentType"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert head["ContentDisposition"] == 'attachment; filename="aanmeldingen.xlsx"'


def test_only_changed_content_is_written(table, repository, s3, bucket):
    put_items(table, NASTY)
    store = CountingS3(s3)
    publish_spreadsheet(repository, EVENT, S3SpreadsheetFiles(store, bucket, EVENT.id), NOW)
    assert sorted(store.puts) == sorted(f"{EVENT.id}/{name}" for name in EXPORT_NAMES)

    # Nothing changed: a second trigger (or the sweep) writes nothing, although a new xlsx has a new save time
    again = publish_spreadsheet(repository, EVENT, S3SpreadsheetFiles(store, bucket, EVENT.id), NOW)
    assert again.unchanged == EXPORT_NAMES and len(store.puts) == 3

    # A cancellation changes every file
    repository.update(EVENT.id, NASTY[1]["email"], {"status": "cancelled", "cancelled_at": "2023-05-21T09:00:00+02:00"})
    changed = publish_spreadsheet(repository, EVENT, S3SpreadsheetFiles(store, bucket, EVENT.id), NOW)
    assert changed.written == EXPORT_NAMES and len(store.puts) == 6
    assert NASTY[1]["email"].encode() not in read(s3, bucket, CSV_NAME)


class Frozen:
    """A repository as a trigger saw it before later changes: its snapshot was read earlier."""

    def __init__(self, items):
        self.items = items

    def for_event(self, event_id):
        return iter(self.items)

    def with_prefix(self, partition, prefix, shape):
        return []  # no follow-up published (the summary's staff alert asks)


def test_an_older_snapshot_never_overwrites_a_newer_one(table, repository, s3, bucket):
    put_items(table, NASTY)
    older = Frozen(list(repository.for_event(EVENT.id)))
    repository.update(EVENT.id, NASTY[0]["email"], {"family_name": "Nieuw", "changed_at": "2023-05-21T09:00:00+02:00"})
    publish_spreadsheet(repository, EVENT, S3SpreadsheetFiles(s3, bucket, EVENT.id), NOW)
    newer = read(s3, bucket, CSV_NAME)

    late = publish_spreadsheet(older, EVENT, S3SpreadsheetFiles(s3, bucket, EVENT.id), NOW)

    # (the counts in the summary did not change, so neither did the summary)
    assert late.kept_newer == (XLSX_NAME, CSV_NAME) and late.unchanged == (SUMMARY_NAME,) and late.written == ()
    assert read(s3, bucket, CSV_NAME) == newer and b"Nieuw" in newer


def test_a_writer_that_lost_the_race_does_not_overwrite(table, repository, s3, bucket):
    put_items(table, NASTY[:1])
    store = S3SpreadsheetFiles(s3, bucket, EVENT.id)
    publish_spreadsheet(repository, EVENT, store, NOW)
    seen = store.current(CSV_NAME)
    # Another trigger writes in between reading and writing
    s3.put_object(Bucket=bucket, Key=f"{EVENT.id}/{CSV_NAME}", Body=b"other", Metadata={"content-sha256": "x"})
    file = next(f for f in take_snapshot([], EVENT).files if f.name == CSV_NAME)
    assert store.write(file, NOW, seen) is False
    assert read(s3, bucket, CSV_NAME) == b"other"
    assert store.write(file, NOW, None) is False, "If-None-Match: an existing key is never blindly replaced"


def test_nothing_is_written_after_the_retention_of_the_registrations(table, repository, settings, s3, bucket):
    put_items(table, NASTY)
    published = refresh_spreadsheet(repository, EVENT, settings, EVENT.expires_at)
    assert published is not None and published.retention_ended and published.written == ()
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    just_before = refresh_spreadsheet(repository, EVENT, settings, EVENT.expires_at - dt.timedelta(seconds=1))
    assert just_before is not None and just_before.written == EXPORT_NAMES


def test_make_run_writes_the_same_files_to_an_owner_only_folder(table, repository, app_config, s3, bucket, tmp_path):
    put_items(table, NASTY)
    exports = tmp_path / ".data" / "exports"
    folder = exports / EVENT.id
    local = Settings.from_env(app_config)  # no EXPORT_BUCKET, as in make run

    published = refresh_spreadsheet(repository, EVENT, local, NOW, local_dir=exports)

    assert published is not None and published.written == EXPORT_NAMES
    assert exports.stat().st_mode & 0o777 == 0o700 and folder.stat().st_mode & 0o777 == 0o700
    assert {p.name for p in folder.iterdir() if not p.name.startswith(".")} == set(EXPORT_NAMES)
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir() if p.is_file())
    publish_spreadsheet(repository, EVENT, S3SpreadsheetFiles(s3, bucket, EVENT.id), NOW)
    assert (folder / CSV_NAME).read_bytes() == read(s3, bucket, CSV_NAME)
    assert refresh_spreadsheet(repository, EVENT, local, NOW, local_dir=exports).unchanged == EXPORT_NAMES
    assert FolderSpreadsheetFiles(exports, EVENT.id).current(XLSX_NAME) is not None


def test_a_failing_refresh_never_stops_the_trigger_and_logs_no_personal_data(
    table, repository, app_config, moto_endpoint, caplog
):
    put_items(table, NASTY)
    missing = Settings.from_env({**app_config, "EXPORT_BUCKET": "no-such-bucket-here", "S3_ENDPOINT": moto_endpoint})
    with caplog.at_level(logging.INFO, logger="registrations"):
        assert refresh_spreadsheet(repository, EVENT, missing, NOW) is None
    assert "not refreshed" in caplog.text
    assert not any(item["email"] in caplog.text or item["family_name"] in caplog.text for item in NASTY)


def test_each_meeting_writes_its_own_folder_with_its_own_registrations_only(
    table, repository, settings, s3, bucket, tmp_path, app_config
):
    from registrations.meeting import Meetings
    from tests.event_files import SECOND_MEETING, meetings_with_a_second

    second = Meetings.load(meetings_with_a_second(tmp_path)).get(SECOND_MEETING)
    put_items(
        table, [registration(1), {**registration(2), "event": second.id}, {**registration(3), "event": second.id}]
    )

    for meeting in (EVENT, second):
        assert refresh_spreadsheet(repository, meeting, settings, NOW).written == EXPORT_NAMES
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {f"{m.id}/{name}" for m in (EVENT, second) for name in EXPORT_NAMES}
    letter_csv, second_csv = read(s3, bucket, CSV_NAME), read(s3, bucket, CSV_NAME, second.id)
    assert registration(1)["email"].encode() in letter_csv and registration(2)["email"].encode() not in letter_csv
    assert registration(2)["email"].encode() in second_csv and registration(1)["email"].encode() not in second_csv
    assert "Totaal aangemeld: 2" in read(s3, bucket, SUMMARY_NAME, second.id).decode()
    # And locally, each in its own folder under .data/exports/
    exports = tmp_path / "exports"
    for meeting in (EVENT, second):
        refresh_spreadsheet(repository, meeting, Settings.from_env(app_config), NOW, local_dir=exports)
    assert (exports / second.id / CSV_NAME).read_bytes() == second_csv
    assert sorted(p.name for p in exports.iterdir()) == sorted([EVENT.id, second.id])
