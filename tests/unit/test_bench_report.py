"""make bench's report: every figure that a benchmark wrote is in bench/REPORT.md, with the command behind it."""

from __future__ import annotations

import json

import pytest

from benchmarks import report, results
from benchmarks.results import Figure


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    folder = tmp_path / "results"
    monkeypatch.setattr(results, "RESULTS_DIR", folder)
    return folder


def test_each_figure_appears_with_its_command_baseline_and_ratio(results_dir, tmp_path):
    results.write(
        "api",
        title="API latency",
        command="make bench-api",
        figures=[Figure("POST median", 12.5, "ms", 2.5, "raw put_item median")],
    )
    results.write(
        "a-new-benchmark",
        title="Something new",
        command="make bench-new",
        figures=[Figure("items per second", 1500, "items/s")],
        notes=["one note"],
    )
    output = tmp_path / "REPORT.md"
    assert report.main(["--results", str(results_dir), "--output", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    assert "| API latency | POST median | 12.50 ms | 2.50 ms (raw put_item median) | 5.00 | `make bench-api` |" in text
    # A benchmark the report does not know yet still gets its rows and section, after the known ones.
    assert "| Something new | items per second | 1,500 items/s |  |  | `make bench-new` |" in text
    assert text.index("## API latency") < text.index("## Something new")
    assert "- one note" in text


def test_planned_benchmarks_are_listed_until_they_write_a_result(results_dir, tmp_path):
    results.write("api", title="API latency", command="make bench-api", figures=[])
    output = tmp_path / "REPORT.md"
    report.main(["--results", str(results_dir), "--output", str(output)])
    assert "Not measured yet:" in output.read_text(encoding="utf-8")
    assert report.PLANNED["store-hang"] in output.read_text(encoding="utf-8")
    results.write(
        "store-hang", title="Time to 503", command="make bench-faults", figures=[Figure("time to 503", 4.2, "s")]
    )
    report.main(["--results", str(results_dir), "--output", str(output)])
    text = output.read_text(encoding="utf-8")
    assert report.PLANNED["store-hang"] not in text
    assert "| Time to 503 | time to 503 | 4.20 s |" in text


def test_the_result_files_are_plain_json_with_the_run_environment(results_dir):
    path = results.write("x", title="X", command="make x", figures=[Figure("f", 1.0, "s", 0.5)])
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["figures"][0]["ratio"] == 2.0
    assert set(data["environment"]) == {"python", "cpus", "machine"}


def test_no_results_is_an_error_not_an_empty_report(results_dir, tmp_path):
    assert report.main(["--results", str(results_dir), "--output", str(tmp_path / "REPORT.md")]) == 1
    assert not (tmp_path / "REPORT.md").exists()
