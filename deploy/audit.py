"""pip-audit on the locked runtime dependencies (requirements/lambda.txt, what the Lambda zip is built from).

    python -m deploy.audit          # make test runs it (make audit)

- A known advisory against a locked version fails (exit 1): the lock is exactly what runs in production, and the
  fix is usually one pin and `make lock`. An advisory that does not apply here goes into ACCEPTED, with the reason.
- A package that could not be checked (no advisory database reachable, as on a machine without internet) is
  never a silent pass: the output says "not audited" and names how many. That alone does not fail, so that
  `make test` works offline; AUDIT_REQUIRED=1 makes it fail (for a pipeline that must have a real audit).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import ROOT

LOCK_FILE = ROOT / "requirements" / "lambda.txt"
# Advisory id -> why it does not apply to this project. Empty: none is accepted.
ACCEPTED: dict[str, str] = {}


def run_pip_audit(lock_file: Path, service: str) -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report, or None and the reason when it gave none (e.g. the service is unreachable)."""
    # --disable-pip --require-hashes: audit the pins as they are, without resolving or installing anything.
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(lock_file),
        "--disable-pip",
        "--require-hashes",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--timeout",
        "10",
        "--vulnerability-service",
        service,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec B603 # fixed argv
    try:
        return json.loads(result.stdout), ""
    except json.JSONDecodeError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return None, last[:300]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requirement", type=Path, default=LOCK_FILE)
    parser.add_argument("--service", default="pypi", choices=["pypi", "osv"])
    args = parser.parse_args(argv)
    required = os.environ.get("AUDIT_REQUIRED") == "1"
    name = args.requirement.relative_to(ROOT) if args.requirement.is_relative_to(ROOT) else args.requirement

    report, error = run_pip_audit(args.requirement, args.service)
    if report is None:
        print(f"pip-audit: NOT AUDITED: {name}: no advisory database answered ({args.service}): {error}")
        return 1 if required else 0

    dependencies = report["dependencies"]
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = [d for d in dependencies if "skip_reason" not in d]
    found = [(d, v) for d in audited for v in d.get("vulns", [])]
    advisories = [(d, v) for d, v in found if v["id"] not in ACCEPTED and not set(v.get("aliases", [])) & set(ACCEPTED)]

    print(
        f"pip-audit ({args.service}) on {name}: {len(audited)} of {len(dependencies)} packages audited, "
        f"{len(advisories)} advisories, {len(found) - len(advisories)} accepted"
    )
    if skipped:
        reasons = sorted({d["skip_reason"].split(":")[0] for d in skipped})
        print(
            f"pip-audit: NOT AUDITED: {len(skipped)} of {len(dependencies)} packages ({'; '.join(reasons)}). "
            "No advisory database could be asked about them; nothing is known about their advisories."
        )
    for dependency, vuln in advisories:
        fixes = ", ".join(vuln.get("fix_versions", [])) or "none yet"
        print(
            f"  {dependency['name']} {dependency['version']}: {vuln['id']} "
            f"({', '.join(vuln.get('aliases', []))}); fixed in: {fixes}"
        )
    if advisories:
        print(
            "Raise the pin in pyproject.toml and run `make lock`; or, if it does not apply, add it to ACCEPTED "
            "in deploy/audit.py with the reason."
        )
        return 1
    return 1 if required and skipped else 0


if __name__ == "__main__":
    raise SystemExit(main())
