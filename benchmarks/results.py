"""Benchmark results as JSON files, one per benchmark, that `make bench` assembles into bench/REPORT.md.

Every benchmark (and the fuzzing test, for its figures) calls `write(name, ...)`, which puts
.bench/results/NAME.json. benchmarks/report.py turns all of them into one Markdown report. To add a benchmark
to the report, have it call `write` with its own name: nothing else needs to change.

A figure is one row of the report: what was measured, its value and unit, and, where the benchmark measures one
in the same run, the baseline it is compared with and the ratio to it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR") or PROJECT_ROOT / ".bench" / "results")


@dataclass(frozen=True)
class Figure:
    what: str
    value: float
    unit: str
    # The same measure of the baseline, taken in the same run (a ratio across runs or machines means little).
    baseline: float | None = None
    baseline_what: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None


def environment() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()}


def write(
    name: str,
    *,
    title: str,
    command: str,
    figures: list[Figure] | None = None,
    notes: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write .bench/results/NAME.json; `extra` holds anything a section of the report shows besides figures."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    data = {
        "name": name,
        "title": title,
        "command": command,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "figures": [{**asdict(f), "ratio": f.ratio} for f in figures or []],
        "notes": notes or [],
        "extra": extra or {},
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_all(directory: Path = RESULTS_DIR) -> list[dict[str, Any]]:
    if not directory.is_dir():
        return []
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))]
