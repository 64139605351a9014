"""Benchmark of the Lambda package: zip size against the 10 MB budget, and cold-start import times of the
packaged handler before and after the unchecked-hash recompile, against a bare `import flask, boto3` from the
packaging venv measured in the same run. Prints numbers; asserts nothing.

    python -m deploy.bench_package [--stage production] [--runs 9]      # or: make bench-package

Each run is a fresh interpreter (a cold Lambda container) with no bytecode writing, like Lambda's read-only
/var/task. "import" is `import handler` (Zappa's handler: werkzeug, boto3, botocore); "first request" adds Zappa
loading the app (`registrations.web.wsgi`: Flask, create_app) and answering GET /api/health.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
from pathlib import Path

from benchmarks import results as report
from benchmarks.results import Figure

from .lambda_env import api_gateway_event, invoke, runtime_dir, unpack
from .package import SIZE_BUDGET_BYTES, ensure_package, venv_python, zip_paths

FUNCTION_ENV = {
    # Enough configuration for a cold start; nothing is stored, so the endpoint is a closed port.
    "REGISTRATIONS_TABLE": "bench",
    "AWS_REGION": "eu-central-1",
    "DYNAMODB_ENDPOINT": "http://127.0.0.1:9",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "TOKEN_SECRET": "bench-secret",  # nosec B105 # dummy credentials for a local cold start; nothing is stored
    "MAIL_BACKEND": "outbox",
    "MAIL_OUTBOX": str(Path(tempfile.gettempdir()) / "bench-outbox"),
    "MAIL_SENDER": "bench@example.org",
}
BARE_IMPORT = "import time; t = time.perf_counter(); import flask, boto3; print(time.perf_counter() - t)"


def bare_import_seconds(python: Path) -> float:
    out = subprocess.run([str(python), "-B", "-c", BARE_IMPORT], check=True, capture_output=True, text=True).stdout  # nosec B603 # fixed argv, no shell
    return float(out.strip())


def packaged_seconds(task: Path, runtime: Path) -> tuple[float, float]:
    result = invoke(task, runtime, [api_gateway_event("GET", "/api/health")], FUNCTION_ENV)
    status = result["responses"][0]["statusCode"]
    if status != 200:
        raise RuntimeError(f"the packaged handler answered {status} to /api/health:\n{result['log']}")
    return result["import_seconds"], result["import_seconds"] + result["call_seconds"][0]


def describe(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms   min {min(values) * 1000:7.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="production")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args(argv)

    final = ensure_package(args.stage)
    raw = zip_paths(args.stage)[0]
    python = venv_python()
    budget = SIZE_BUDGET_BYTES / 1024 / 1024
    print(f"zip size (budget {budget:.0f} MB)")
    for label, path in (("zappa package", raw), ("after recompile (deployed)", final)):
        size = path.stat().st_size / 1024 / 1024
        print(f"  {label:28s} {size:6.2f} MB  {'within budget' if size <= budget else 'OVER BUDGET'}  ({path.name})")

    with tempfile.TemporaryDirectory(prefix="bench-package-") as tmp:
        root = Path(tmp)
        runtime = runtime_dir(root / "runtime")
        trees = {"before recompile": unpack(raw, root / "before"), "after recompile": unpack(final, root / "after")}
        bare_import_seconds(python)  # the venv's own .pyc files exist after this, as they do after pip install
        bare, results = [], {name: ([], []) for name in trees}
        for _ in range(args.runs):  # interleaved, so a busy moment affects every variant alike
            bare.append(bare_import_seconds(python))
            for name, task in trees.items():
                imported, first = packaged_seconds(task, runtime)
                results[name][0].append(imported)
                results[name][1].append(first)

    def ratios(values: list[float]) -> str:
        return (
            f"ratio {statistics.median(values) / statistics.median(bare):.2f} (median) "
            f"{min(values) / min(bare):.2f} (min)"
        )

    print(f"\ncold start, {args.runs} fresh interpreters each (CPython {python})")
    print(f"  {'bare import flask, boto3 (venv)':42s} {describe(bare)}   {ratios(bare)}")
    for name, (imports, _) in results.items():
        print(f"  {'packaged handler import, ' + name:42s} {describe(imports)}   {ratios(imports)}")
    for name, (_, firsts) in results.items():
        print(f"  {'import + first request, ' + name:42s} {describe(firsts)}   {ratios(firsts)}")
    write_results(raw, final, bare, results, args.runs)
    print(
        "\nratio = the variant against the bare import measured in this run (median to median, min to min);"
        "\nthe budget is a ratio of at most 1.00 for the packaged handler's import. On a busy machine the"
        "\nminimum is the steadier figure."
    )
    return 0


def write_results(
    raw: Path, final: Path, bare: list[float], results: dict[str, tuple[list[float], list[float]]], runs: int
) -> None:
    budget = SIZE_BUDGET_BYTES / 1024 / 1024
    figures = [
        Figure(
            f"Lambda zip, {label}", round(path.stat().st_size / 1024 / 1024, 2), "MB", note=f"budget {budget:.0f} MB"
        )
        for label, path in (("zappa package", raw), ("after recompile (deployed)", final))
    ]
    for name, (imports, firsts) in results.items():
        for what, values in (
            (f"packaged handler import, {name}", imports),
            (f"import + first request, {name}", firsts),
        ):
            figures.append(
                Figure(
                    f"{what}, median",
                    round(statistics.median(values) * 1000, 1),
                    "ms",
                    round(statistics.median(bare) * 1000, 1),
                    "bare import flask, boto3, median",
                )
            )
            figures.append(
                Figure(
                    f"{what}, min",
                    round(min(values) * 1000, 1),
                    "ms",
                    round(min(bare) * 1000, 1),
                    "bare import flask, boto3, min",
                )
            )
    report.write(
        "package",
        title="Lambda zip size and cold start",
        command="make bench-package",
        figures=figures,
        notes=[
            f"{runs} fresh interpreters each, no bytecode writing (as Lambda's read-only /var/task); "
            "budget: the packaged handler's import at most 1.00 of the bare import."
        ],
    )


if __name__ == "__main__":
    raise SystemExit(main())
