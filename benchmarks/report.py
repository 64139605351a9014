"""bench/REPORT.md from every result in .bench/results/ (benchmarks/results.py): one table of every figure, each
with the command behind it, then a section per benchmark.

    python -m benchmarks.report [--output bench/REPORT.md]      # make bench runs every benchmark, then this

A benchmark not yet run is listed as "not measured" (PLANNED names the ones that other work is adding); a result
left from an earlier run shows its own date, so an old figure is never taken for a new one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from benchmarks.results import PROJECT_ROOT, RESULTS_DIR, read_all

REPORT = PROJECT_ROOT / "bench" / "REPORT.md"
# The order of the sections; results with other names follow, by name.
ORDER = (
    "site",
    "api",
    "cold-start",
    "load",
    "deliverer",
    "followup",
    "store-hang",
    "package",
    "export",
    "schemathesis",
)
# Benchmarks that are planned: shown as not measured until they write a result with this name.
PLANNED = {
    "load": "Load: 1,000 distinct registrations from 50 clients, 200 concurrent posts of one address; p50, p99, "
    "throughput next to a raw put_item",
    "deliverer": "Deliverer throughput: confirmation emails per second",
    "store-hang": "Time to 503 when the database hangs (SIGSTOP)",
}


def number(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}" if abs(value) < 1 else f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.2f}"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def ordered(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rank = {name: i for i, name in enumerate(ORDER)}
    return sorted(results, key=lambda r: (rank.get(r["name"], len(ORDER)), r["name"]))


def figure_rows(result: dict[str, Any], with_benchmark: bool) -> list[str]:
    rows = []
    for f in result["figures"]:
        value = f"{number(f['value'])} {f['unit']}".strip()
        baseline = (
            f"{number(f['baseline'])} {f['unit']}".strip() + f" ({f['baseline_what']})"
            if f["baseline"] is not None
            else ""
        )
        ratio = f"{f['ratio']:.2f}" if f.get("ratio") is not None else ""
        first = [result["title"]] if with_benchmark else []
        last = [f"`{result['command']}`"] if with_benchmark else [f["note"]]
        rows.append("| " + " | ".join(cell(c) for c in [*first, f["what"], value, baseline, ratio, *last]) + " |")
    return rows


def render(results: list[dict[str, Any]]) -> str:
    results = ordered(results)
    lines = [
        "# Benchmark report",
        "",
        "Written by `make bench` (`python -m benchmarks.report`) from the results in `.bench/results/`. Every figure",
        "names the command that measured it; a ratio is the figure divided by its baseline, measured in the same",
        "run on the same machine. Figures are for comparing, not promises: they depend on the machine.",
        "",
        "## All figures",
        "",
        "| Benchmark | Figure | Value | Baseline (same run) | Ratio | Command |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for result in results:
        lines += figure_rows(result, with_benchmark=True)
    missing = [name for name in PLANNED if name not in {r["name"] for r in results}]
    if missing:
        lines += ["", "Not measured yet:", ""] + [f"- {PLANNED[name]}" for name in missing]
    for result in results:
        env = result["environment"]
        lines += [
            "",
            f"## {result['title']}",
            "",
            f"`{result['command']}`, {result['measured_at']} (Python {env['python']}, {env['cpus']} CPUs, "
            f"{env['machine']}).",
            "",
            "| Figure | Value | Baseline (same run) | Ratio | Note |",
            "| --- | --- | --- | --- | --- |",
            *figure_rows(result, with_benchmark=False),
        ]
        if result["notes"]:
            lines += [""] + [f"- {note}" for note in result["notes"]]
        answers = result.get("extra", {}).get("answers")
        if answers:
            statuses = sorted({status for counts in answers.values() for status in counts})
            lines += [
                "",
                "Answers per operation and status:",
                "",
                "| Operation | " + " | ".join(statuses) + " |",
                "| --- |" + " --- |" * len(statuses),
            ]
            lines += [
                f"| {cell(op)} | " + " | ".join(str(counts.get(s, "")) for s in statuses) + " |"
                for op, counts in answers.items()
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    parser.add_argument("--output", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    results = read_all(args.results)
    if not results:
        print(f"No results in {args.results}: run `make bench` (or one of its benchmarks) first.")
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(results), encoding="utf-8")
    print(
        f"{args.output.relative_to(PROJECT_ROOT) if args.output.is_relative_to(PROJECT_ROOT) else args.output}: "
        f"{sum(len(r['figures']) for r in results)} figures from {len(results)} benchmarks"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
