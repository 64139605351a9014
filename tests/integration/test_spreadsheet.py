"""The always-current staff spreadsheet (registrations.reports.spreadsheet and its stores): registrations from a
real dynalite, the bucket on moto's standalone S3 server over HTTP, and the local folder of `make run`."""

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
    CSV_KEY,
    EXPORT_KEYS,
    SUMMARY_KEY,
    XLSX_KEY,
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


def read(s3, bucket, key) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


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

    # Then the three stable keys hold exactly what `registrations export` and `summary` give
    assert published is not None and published.written == EXPORT_KEYS
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]} == set(EXPORT_KEYS)
    code, exported_csv, _ = run_cli(["export"], staff_env)
    assert code == 0 and read(s3, bucket, CSV_KEY) == exported_csv
    # At the same moment: the summary names the next reminder, which depends on the time.
    code, summary, _ = run_cli(["summary"], staff_env, clock=lambda: NOW)
    assert code == 0 and read(s3, bucket, SUMMARY_KEY) == summary
    assert "Afgemeld (niet meegeteld): 1" in summary.decode()

    # And read back with csv and openpyxl: sorted the Dutch way, formula-safe, cancelled left out
    rows = list(csv.reader(io.StringIO(read(s3, bucket, CSV_KEY).decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[1] for row in rows[1:]] == ["Ærøskøbing", "van 't Hoff", "Øster"]
    assert rows[3][2] == '\'=HYPERLINK("http://x.example")' and rows[3][6] == "'+31 6 1234 5678"
    sheet = openpyxl.load_workbook(io.BytesIO(read(s3, bucket, XLSX_KEY))).active
    cells = {row[3].value: row for row in sheet.iter_rows(min_row=2)}
    hyperlink = cells[NASTY[0]["email"]][2]
    assert hyperlink.value == '=HYPERLINK("http://x.example")'
    assert hyperlink.data_type == "s" and hyperlink.quotePrefix
    target = tmp_path / "a.xlsx"
    assert run_cli(["export", "-o", str(target)], staff_env)[0] == 0
    assert list(sheet.values) == list(openpyxl.load_workbook(target).active.values)
    head = s3.head_object(Bucket=bucket, Key=XLSX_KEY)
    assert head["ContentType"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert head["ContentDisposition"] == 'attachment; filename="aanmeldingen.xlsx"'


def test_only_changed_content_is_written(table, repository, s3, bucket):
    put_items(table, NASTY)
    store = CountingS3(s3)
    publish_spreadsheet(repository, EVENT, S3SpreadsheetFiles(store, bucket), NOW)
    assert sorted(store.puts) == sorted(EXPORT_KEYS)

    # Nothing changed: a second trigger (or the sweep) writes nothing, although a new xlsx has a new save time
    again = publish_spreadsheet(repository, EVENT, S3SpreadsheetFiles(store, bucket), NOW)
    assert again.unchanged == EXPORT_KEYS and len(store.puts) == 3

    # A cancellation changes every file
    repository.update(EVENT.id, NASTY[1]["email"], {"status": "cancelled", "cancelled_at": "2023-05-21T09:00:00+02:00"})
    changed = publish_spreadsheet(repository, EVENT, S3SpreadsheetFiles(store, bucket), NOW)
    assert changed.written == EXPORT_KEYS and len(store.puts) == 6
    assert NASTY[1]["email"].encode() not in read(s3, bucket, CSV_KEY)


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
    publish_spreadsheet(repository, EVENT, S3SpreadsheetFiles(s3, bucket), NOW)
    newer = read(s3, bucket, CSV_KEY)

    late = publish_spreadsheet(older, EVENT, S3SpreadsheetFiles(s3, bucket), NOW)

    # (the counts in the summary did not change, so neither did the summary)
    assert late.kept_newer == (XLSX_KEY, CSV_KEY) and late.unchanged == (SUMMARY_KEY,) and late.written == ()
    assert read(s3, bucket, CSV_KEY) == newer and b"Nieuw" in newer


def test_a_writer_that_lost_the_race_does_not_overwrite(table, repository, s3, bucket):
    put_items(table, NASTY[:1])
    store = S3SpreadsheetFiles(s3, bucket)
    publish_spreadsheet(repository, EVENT, store, NOW)
    seen = store.current(CSV_KEY)
    # Another trigger writes in between reading and writing
    s3.put_object(Bucket=bucket, Key=CSV_KEY, Body=b"other", Metadata={"content-sha256": "x"})
    file = next(f for f in take_snapshot([], EVENT).files if f.key == CSV_KEY)
    assert store.write(file, NOW, seen) is False
    assert read(s3, bucket, CSV_KEY) == b"other"
    assert store.write(file, NOW, None) is False, "If-None-Match: an existing key is never blindly replaced"


def test_nothing_is_written_after_the_retention_of_the_registrations(table, repository, settings, s3, bucket):
    put_items(table, NASTY)
    published = refresh_spreadsheet(repository, EVENT, settings, EVENT.expires_at)
    assert published is not None and published.retention_ended and published.written == ()
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    just_before = refresh_spreadsheet(repository, EVENT, settings, EVENT.expires_at - dt.timedelta(seconds=1))
    assert just_before is not None and just_before.written == EXPORT_KEYS


def test_make_run_writes_the_same_files_to_an_owner_only_folder(table, repository, app_config, s3, bucket, tmp_path):
    put_items(table, NASTY)
    folder = tmp_path / ".data" / "exports"
    local = Settings.from_env(app_config)  # no EXPORT_BUCKET, as in make run

    published = refresh_spreadsheet(repository, EVENT, local, NOW, local_dir=folder)

    assert published is not None and published.written == EXPORT_KEYS
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {p.name for p in folder.iterdir() if not p.name.startswith(".")} == set(EXPORT_KEYS)
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in folder.iterdir() if p.is_file())
    publish_spreadsheet(repository, EVENT, S3SpreadsheetFiles(s3, bucket), NOW)
    assert (folder / CSV_KEY).read_bytes() == read(s3, bucket, CSV_KEY)
    assert refresh_spreadsheet(repository, EVENT, local, NOW, local_dir=folder).unchanged == EXPORT_KEYS
    assert FolderSpreadsheetFiles(folder).current(XLSX_KEY) is not None


def test_a_failing_refresh_never_stops_the_trigger_and_logs_no_personal_data(
    table, repository, app_config, moto_endpoint, caplog
):
    put_items(table, NASTY)
    missing = Settings.from_env({**app_config, "EXPORT_BUCKET": "no-such-bucket-here", "S3_ENDPOINT": moto_endpoint})
    with caplog.at_level(logging.INFO, logger="registrations"):
        assert refresh_spreadsheet(repository, EVENT, missing, NOW) is None
    assert "not refreshed" in caplog.text
    assert not any(item["email"] in caplog.text or item["family_name"] in caplog.text for item in NASTY)
