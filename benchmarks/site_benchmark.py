"""Benchmark of the invitation site (not a test: prints numbers and budgets, asserts nothing).

1. Page weight of the home page (/) and of a meeting's form (/bijeenkomsten/<id>/aanmelden/, the letter's meeting,
   open at OPEN_MOMENT) with everything each loads (HTML, CSS, JS, icon and, for the form, the
   /api/bijeenkomsten/<id> call), as loaded by Chromium: requests, raw bytes and gzip bytes (level 6). The local
   server gzips text as CloudFront does. Next to a baseline built in the same run from the same pages with stock
   Material (no overrides, search on).
2. Lighthouse 12.2.3 (bench/package.json), mobile with its default simulated throttling, the median of N runs
   per category, for the site's two pages and for the baseline's form.

Budgets (issue 3): at most 70 KB gzip for each page; Lighthouse performance >= 98, accessibility,
best practices and SEO 100.

Run: make bench-site   (or .venv/bin/python -m benchmarks.site_benchmark [--runs 3] [--no-lighthouse])
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import results as report
from benchmarks.results import Figure
from registrations import create_app
from registrations.dev.local import build_site, site_and_api
from registrations.local.dynalite import PROJECT_ROOT, Dynalite, local_config, prepare_table, use_local_credentials
from registrations.meeting import default_meetings, page_path

sys.path.insert(0, str(PROJECT_ROOT))
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, LiveServer  # noqa: E402

OPEN_MOMENT = "2023-05-10T10:00"
# The pages measured: the home page, and the form of the letter's meeting (open for registration at OPEN_MOMENT).
FORM = page_path(default_meetings().letter_meeting.id, "aanmelden/")
PAGES = {"/": "/", "form": FORM}
BENCH_DIR = PROJECT_ROOT / ".bench"
LIGHTHOUSE = PROJECT_ROOT / "bench" / "node_modules" / "lighthouse" / "cli" / "index.js"
WEIGHT_BUDGET_KB = 70
SCORE_BUDGETS = {"performance": 98, "accessibility": 100, "best-practices": 100, "seo": 100}
# Lighthouse's simulated metrics behind the performance score (ms; CLS unitless).
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)
METRIC_NAMES = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
}


def build_ours(target: Path) -> Path:
    return build_site(target, env={"PREVIEW_NOW": OPEN_MOMENT})


def build_stock(target: Path) -> Path:
    """The same pages with stock Material: no theme overrides, no extra CSS/JS, Material's search on."""
    work = target.parent
    empty_overrides = work / "stock-overrides"
    empty_overrides.mkdir(parents=True, exist_ok=True)
    config = work / "stock-mkdocs.yml"
    config.write_text(
        "\n".join(
            [
                f"INHERIT: {PROJECT_ROOT / 'mkdocs.yml'}",
                f"docs_dir: {PROJECT_ROOT / 'docs'}",
                "theme:",
                "  name: material",
                f"  custom_dir: {empty_overrides}",
                "  favicon: assets/images/favicon.png",
                "plugins: [search]",
                "extra_css: []",
                "extra_javascript: []",
                f"hooks: [{PROJECT_ROOT / 'overrides' / 'hooks' / 'meeting.py'}]",
                "",
            ]
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PREVIEW_NOW": OPEN_MOMENT}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--config-file", str(config), "--site-dir", str(target)],
        cwd=PROJECT_ROOT,
        check=True,
        env=env,
    )
    return target


COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


def compressed(app):
    """WSGI middleware that gzips text answers, as CloudFront does in production (infra: Compress: true)."""

    def wrapped(environ, start_response):
        captured = {}

        def start(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return lambda data: None

        body = b"".join(app(environ, start))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
        if "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "") and len(body) > 1000 and ctype.startswith(COMPRESSIBLE):
            body = gzip.compress(body, compresslevel=6)
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        start_response(captured["status"], headers + [("Content-Length", str(len(body)))])
        return [body]

    return wrapped


def page_weight(browser, url: str) -> dict:
    """Every response the page loads, until the network is quiet, with raw and gzip sizes."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    rows = []
    for request in responses:
        response = request.response()
        body = response.body() if response else b""
        rows.append(
            {
                "url": urlsplit(request.url).path,
                "status": response.status if response else 0,
                "raw": len(body),
                "gzip": len(gzip.compress(body, compresslevel=6)),
            }
        )
    context.close()
    return {
        "requests": len(rows),
        "raw": sum(r["raw"] for r in rows),
        "gzip": sum(r["gzip"] for r in rows),
        "rows": rows,
    }


def lighthouse(url: str, runs: int, out_dir: Path) -> dict[str, float]:
    """Median score per category (0-100) of `runs` Lighthouse runs, mobile, default throttling."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH") or CHROMIUM}
    scores: dict[str, list[float]] = {name: [] for name in SCORE_BUDGETS}
    scores.update({metric: [] for metric in METRICS})
    for run in range(runs):
        report = out_dir / f"lighthouse-{abs(hash(url))}-{run}.json"
        subprocess.run(
            [
                "node",
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                "--only-categories=" + ",".join(SCORE_BUDGETS),
                "--chrome-flags=" + " ".join(CHROMIUM_ARGS),
            ],
            check=True,
            env=env,
        )
        result = json.loads(report.read_text(encoding="utf-8"))
        for name in SCORE_BUDGETS:
            scores[name].append(round(result["categories"][name]["score"] * 100))
        for metric in METRICS:
            scores[metric].append(result["audits"][metric]["numericValue"])
    return {name: statistics.median(values) for name, values in scores.items()}


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def print_weight(name: str, weight: dict) -> None:
    print(f"\n{name}: {weight['requests']} requests, {kb(weight['raw'])} raw, {kb(weight['gzip'])} gzip")
    for row in weight["rows"]:
        print(f"    {row['status']}  {row['gzip']:>7} B gzip  {row['raw']:>8} B raw  {row['url']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page (the median is shown)")
    parser.add_argument("--no-lighthouse", action="store_true", help="only the page weight")
    args = parser.parse_args(argv)
    if not args.no_lighthouse and not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run `make bench-site` (it installs bench/package.json)")
        return 2

    from playwright.sync_api import sync_playwright

    use_local_credentials()
    BENCH_DIR.mkdir(exist_ok=True)
    measured: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-site-", dir=BENCH_DIR) as tmp:
        work = Path(tmp)
        ours = build_ours(work / "site")
        stock = build_stock(work / "stock" / "site")
        with Dynalite() as dynalite:
            config = local_config(dynalite, table="bench-site", data_dir=work / "data")
            config["PREVIEW_NOW"] = OPEN_MOMENT
            prepare_table(config)
            # Each server builds its app once its port, and so its SITE_URL, is known (the origin guard uses it).
            servers = {
                "site": LiveServer(lambda ready: compressed(site_and_api(ours, create_app(ready))), dict(config)),
                "stock": LiveServer(lambda ready: compressed(site_and_api(stock, create_app(ready))), dict(config)),
            }
            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                    weights = {name: page_weight(browser, servers["site"].url + path) for name, path in PAGES.items()}
                    baseline = page_weight(browser, servers["stock"].url + FORM)
                    browser.close()
                for name, path in PAGES.items():
                    print(f"Page weight of {path} with everything it loads (Chromium, phone width)")
                    print_weight("site (trimmed Material)", weights[name])
                    verdict = "within" if weights[name]["gzip"] <= WEIGHT_BUDGET_KB * 1024 else "OVER"
                    print(f"\n{kb(weights[name]['gzip'])} is {verdict} the budget of {WEIGHT_BUDGET_KB} KB gzip\n")
                print_weight(f"baseline {FORM} (stock Material, same pages, same run)", baseline)
                weight = weights["form"]
                print(
                    f"\nsite/baseline, the form: {weight['gzip'] / baseline['gzip']:.2f} of the gzip bytes, "
                    f"{weight['requests']} vs {baseline['requests']} requests"
                )

                if not args.no_lighthouse:
                    print(
                        f"\nLighthouse 12.2.3, mobile, median of {args.runs} runs (budget: "
                        + ", ".join(f"{k} >= {v}" for k, v in SCORE_BUDGETS.items())
                        + ")"
                    )
                    targets = [
                        ("site form", servers["site"].url + FORM),
                        ("site /", servers["site"].url + "/"),
                        ("baseline form", servers["stock"].url + FORM),
                    ]
                    for name, url in targets:
                        scores = lighthouse(url, args.runs, work)
                        measured[name] = scores
                        misses = [k for k, v in SCORE_BUDGETS.items() if scores[k] < v]
                        line = "  ".join(f"{k} {scores[k]:g}" for k in SCORE_BUDGETS)
                        verdict = (
                            ""
                            if name.startswith("baseline")
                            else ("  (within budget)" if not misses else f"  (UNDER budget: {', '.join(misses)})")
                        )
                        print(f"  {name:<22} {line}{verdict}")
                        print(
                            " " * 25
                            + "  ".join(
                                f"{METRIC_NAMES[m]} {scores[m]:.3f}"
                                if m == "cumulative-layout-shift"
                                else f"{METRIC_NAMES[m]} {scores[m] / 1000:.2f} s"
                                for m in METRICS
                            )
                        )
            finally:
                for server in servers.values():
                    server.stop()
    write_results(weights, baseline, measured, args.runs)
    return 0


def write_results(weights: dict, baseline: dict, measured: dict[str, dict[str, float]], runs: int) -> None:
    figures = []
    for name, path in PAGES.items():
        figures += [
            Figure(
                f"{path} with everything it loads, gzip",
                round(weights[name]["gzip"] / 1024, 1),
                "KB",
                round(baseline["gzip"] / 1024, 1) if name == "form" else None,
                "stock Material, same pages" if name == "form" else "",
                f"budget {WEIGHT_BUDGET_KB} KB",
            ),
            Figure(
                f"{path} requests",
                weights[name]["requests"],
                "requests",
                baseline["requests"] if name == "form" else None,
                "stock Material, same pages" if name == "form" else "",
            ),
        ]
    stock = measured.get("baseline form", {})
    for name in ("site form", "site /"):
        for category, budget in SCORE_BUDGETS.items():
            if name in measured:
                figures.append(
                    Figure(
                        f"Lighthouse {category}, {name}",
                        measured[name][category],
                        "score",
                        stock.get(category),
                        "stock Material, the form",
                        f"budget >= {budget}",
                    )
                )
    for metric in METRICS:
        if "site form" in measured:
            value = measured["site form"][metric]
            unit = "" if metric == "cumulative-layout-shift" else "ms"
            figures.append(
                Figure(
                    f"Lighthouse {METRIC_NAMES[metric]}, site form",
                    round(value, 3),
                    unit,
                    round(stock[metric], 3) if metric in stock else None,
                    "stock Material, the form",
                )
            )
    report.write(
        "site",
        title="Page weight and Lighthouse",
        command="make bench-site",
        figures=figures,
        notes=[
            f"Chromium at phone width; Lighthouse 12.2.3, mobile, simulated throttling, median of {runs} runs"
            if measured
            else "Lighthouse not run (--no-lighthouse)"
        ],
    )


if __name__ == "__main__":
    sys.exit(main())
