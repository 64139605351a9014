"""Benchmark (not a test): `registrations export` of 5,000 registrations against dynalite.

Next to it, measured in the same run on the same data: the baseline, a raw paginated DynamoDB query of the meeting's
partition (the least any export must do). Prints medians and ratios; asserts nothing.

    .venv/bin/python -m benchmarks.export_benchmark [COUNT] [REPEATS]
"""

from __future__ import annotations

import datetime as dt
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from boto3.dynamodb.conditions import Key

from benchmarks import results as report
from benchmarks.results import Figure
from registrations.local.dynalite import LOCAL_REGION, Dynalite, ensure_table, use_local_credentials
from registrations.meeting import load_meeting
from registrations.registration.item import NewIds, new_item
from registrations.registration.validation import validate
from registrations.reports.export import export_rows
from registrations.reports.formats import write_csv, write_xlsx
from registrations.repository import dynamodb_resource
from registrations.staff import cli


def registrations(count: int) -> list[dict]:
    """Items as the API stores them, through the real validation; a third carry a remark."""
    meeting = load_meeting()
    start = dt.datetime(2023, 4, 10, 9, 0, tzinfo=meeting.timezone)
    items = []
    for i in range(count):
        form = {
            "given_name": f"Voornaam{i}",
            "family_name": ("van der " if i % 4 == 0 else "") + f"Achternaam{i}",
            "email": f"persoon{i:05d}@gemeente{i % 300}.example",
            "organisation": meeting.organisations[i % len(meeting.organisations)].value,
            "organisation_other": "",
            "role": meeting.roles[i % len(meeting.roles)].value,
            "on_behalf_of": f"Gemeente {i % 300}",
            "remark": ("Graag aandacht voor de positie van kleine gemeenten. " * 4) if i % 3 == 0 else "",
            "consent": "ja",
        }
        items.append(new_item(validate(form, meeting), meeting, start + dt.timedelta(minutes=i), NewIds.make()))
    return items


def timed(action, repeats: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeats):
        began = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - began)
    return statistics.median(times), min(times), result


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    use_local_credentials()
    meeting = load_meeting()
    with Dynalite() as dynalite, tempfile.TemporaryDirectory() as scratch:
        resource = dynamodb_resource(LOCAL_REGION, dynalite.endpoint)
        ensure_table(resource, "bench")
        table = resource.Table("bench")
        items = registrations(count)
        began = time.perf_counter()
        with table.batch_writer() as batch:
            for item in items:
                batch.put_item(Item=item)
        seeded = time.perf_counter() - began

        def raw_query():
            query, fetched, pages = {"KeyConditionExpression": Key("event").eq(meeting.id)}, 0, 0
            while True:
                page = table.query(**query)
                fetched, pages = fetched + len(page["Items"]), pages + 1
                if "LastEvaluatedKey" not in page:
                    return fetched, pages
                query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

        env = {"REGISTRATIONS_TABLE": "bench", "AWS_REGION": LOCAL_REGION, "DYNAMODB_ENDPOINT": dynalite.endpoint}
        quiet = io.StringIO()

        def export(fmt: str):
            target = Path(scratch) / f"aanmeldingen.{fmt}"
            code = cli.main(["export", "-o", str(target)], env=env, stdout=quiet, stderr=quiet)
            assert code == 0, quiet.getvalue()
            return target.stat().st_size

        def format_only(writer):
            header, rows = export_rows(items)
            buffer = io.BytesIO()
            writer(buffer, header, rows)
            return len(buffer.getvalue())

        baseline, baseline_min, (fetched, pages) = timed(raw_query, repeats)
        results = [
            ("raw query of the partition (baseline)", baseline, baseline_min, f"{fetched} items, {pages} pages"),
        ]
        for fmt in ("csv", "xlsx"):
            median, fastest, size = timed(lambda fmt=fmt: export(fmt), repeats)
            results.append((f"registrations export -o file.{fmt}", median, fastest, f"{size / 1024:.0f} KiB"))
        for name, writer in (("csv", write_csv), ("xlsx", write_xlsx)):
            median, fastest, size = timed(lambda writer=writer: format_only(writer), repeats)
            results.append((f"  of which: sort + write {name} in memory", median, fastest, ""))

    print(f"Export benchmark: {count} registrations on dynalite, {repeats} runs each, median (fastest)")
    print(f"seeding with batch writes took {seeded:.2f} s (set-up, not measured below)")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print()
    width = max(len(r[0]) for r in results)
    print(f"{'what':<{width}}  {'median s':>9}  {'fastest s':>9}  {'x baseline':>10}  note")
    for name, median, fastest, note in results:
        print(f"{name:<{width}}  {median:9.3f}  {fastest:9.3f}  {median / baseline:10.2f}  {note}")
    report.write(
        "export",
        title=f"Staff export of {count:,} registrations",
        command="make bench-export",
        figures=[
            Figure(
                f"{name.strip()}, median",
                median,
                "s",
                None if i == 0 else baseline,
                "" if i == 0 else "raw query of the partition, median",
                note,
            )
            for i, (name, median, _, note) in enumerate(results)
        ],
        notes=[f"dynalite; {repeats} runs each; the baseline is the least any export must do."],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
