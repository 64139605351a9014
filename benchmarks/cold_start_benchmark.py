"""Cold start with 1 and with 20 meeting folders (not a test): does the function's start grow with the meetings?

Each sample is a fresh interpreter (as a new Lambda container) that imports the package, runs create_app() and
answers its first request (GET /api/event), timed from before the import to after the answer. The same interpreter
then times its first request for the newest meeting (a post that fails validation, so no store call: it builds
that meeting's services; with one folder, the newest is the letter meeting, built already), and a second interpreter times the deliverers' start (import,
create_deliverers(), the letter meeting's deliverer). The 1-meeting folder is the repository's; the 20-meeting one
adds 19 copies of it, a year apart. The two are measured in turns in the same run, and reported as a ratio to the
1-meeting figure (the median of each).

Run: make bench-cold-start   (or .venv/bin/python -m benchmarks.cold_start_benchmark [--runs N])
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import results
from benchmarks.results import Figure
from registrations.meeting import FACTS_FILE, default_meetings

LETTER = "ibp-vth-2023-06-07"
CONFIG = {
    "REGISTRATIONS_TABLE": "cold-start",
    "AWS_REGION": "eu-central-1",
    "TOKEN_SECRET": "cold-start-secret",
    "MAIL_SENDER": "a@vng.example",
    # Registration is open then, so the post for the newest meeting reaches its rules (and fails its fields).
    "PREVIEW_NOW": "2023-05-10T10:00",
}
APP = """
import json, sys, time
started = time.perf_counter()
from registrations import create_app
app = create_app(json.loads(sys.argv[1]))
client = app.test_client()
assert client.get("/api/event").status_code == 200
answered = time.perf_counter()
post = {"meeting": sys.argv[2], "email": "geen-adres"}
assert client.post("/api/registrations", json=post, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 400
print(json.dumps({"start": answered - started, "other": time.perf_counter() - answered}))
"""
DELIVERERS = """
import json, sys, time
started = time.perf_counter()
from registrations import create_deliverers
create_deliverers(json.loads(sys.argv[1])).letter
print(json.dumps({"deliverers": time.perf_counter() - started}))
"""


def meetings_folder(root: Path, count: int) -> Path:
    """The repository's meetings (the letter meeting and gedeeld.toml), and count - 1 copies a year apart each."""
    shutil.copytree(default_meetings().root, root, ignore=shutil.ignore_patterns("*.md"))
    text = (root / LETTER / FACTS_FILE).read_text(encoding="utf-8")
    for n in range(1, count):
        year = 2023 + n
        meeting_id = f"ibp-vth-{year}-06-07"
        folder = root / meeting_id
        folder.mkdir()
        copy = text.replace(f'id = "{LETTER}"', f'id = "{meeting_id}"').replace("2023-", f"{year}-")
        (folder / FACTS_FILE).write_text(copy.replace("old_addresses = true", ""), encoding="utf-8")
    return root


def sample(code: str, folder: Path, *args: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MEETINGS_DIR": str(folder)}
    config = {**CONFIG, "MAIL_OUTBOX": str(folder.parent / "outbox")}
    out = subprocess.run(  # nosec B603 # this interpreter, a fixed script
        [sys.executable, "-c", code, json.dumps(config), *args], capture_output=True, text=True, env=env
    )
    if out.returncode:
        raise SystemExit(f"the sample failed:\n{out.stderr}")
    return {key: float(value) for key, value in json.loads(out.stdout).items()}


def measure(runs: int, folders: dict[int, Path]) -> dict[int, dict[str, list[float]]]:
    """In turns (each run in the other order), so that a slower moment of the machine falls on both."""
    found: dict[int, dict[str, list[float]]] = {count: {} for count in folders}
    for run in range(runs):
        for count, folder in sorted(folders.items(), reverse=bool(run % 2)):
            newest = sorted(p.name for p in folder.iterdir() if p.is_dir())[-1]
            for key, value in {**sample(APP, folder, newest), **sample(DELIVERERS, folder)}.items():
                found[count].setdefault(key, []).append(value * 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per folder and kind (at least 5)")
    runs = max(5, parser.parse_args().runs)
    with tempfile.TemporaryDirectory() as scratch:
        folders = {count: meetings_folder(Path(scratch) / f"m{count}" / "bijeenkomsten", count) for count in (1, 20)}
        found = measure(runs, folders)
    median = {count: {key: statistics.median(v) for key, v in kinds.items()} for count, kinds in found.items()}
    rows = (
        ("start", "import + create_app() + first request (GET /api/event)"),
        ("other", "then the first request for the newest meeting (its services built)"),
        ("deliverers", "import + create_deliverers() + the letter meeting's deliverer"),
    )
    figures = []
    for key, what in rows:
        one, twenty = median[1][key], median[20][key]
        print(f"{what}: 1 meeting {one:.1f} ms, 20 meetings {twenty:.1f} ms, ratio {twenty / one:.2f}")
        figures.append(Figure(f"{what}, 20 meetings, median", round(twenty, 1), "ms", round(one, 1), "1 meeting"))
    results.write(
        "cold-start",
        title="Cold start with 1 and 20 meetings",
        command="make bench-cold-start",
        figures=figures,
        notes=[
            f"{runs} fresh interpreters per folder and kind, in turns; the 20-meeting folder is the repository's "
            "meeting and 19 copies a year apart. Every folder is read and checked at the start; what a meeting "
            "needs of its own is built when a request or a record is first for it."
        ],
    )


if __name__ == "__main__":
    main()
