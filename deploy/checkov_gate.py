"""checkov on every CloudFormation template in infra/, failing on any finding that is not accepted.

    python -m deploy.checkov_gate [--checkov .venv-checkov/bin/checkov]      # make test runs it (make checkov)

checkov lives in a venv of its own (.venv-checkov, made by the Makefile): it pins an old boto3 and packaging<24.
A finding is accepted in one of two ways, each with its reason:
- inline, in the resource: `# checkov:skip=CKV_AWS_18: reason` (checkov itself then reports it as skipped);
- in infra/.checkov-skips.yaml, for one check on one resource of one template: for a finding in a template that
  someone else is editing, until the inline comment lands. An entry that no longer fails is reported, to remove.
Fails too when checkov could not parse a template or found none, so that it never passes by checking nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from . import INFRA, ROOT

SKIPS = INFRA / ".checkov-skips.yaml"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"

Finding = tuple[str, str, str]  # (template, resource, check)


def run_checkov(checkov: Path, directory: Path = INFRA) -> list[dict[str, Any]]:
    """checkov's JSON report, one per framework (a single one here: cloudformation)."""
    # --skip-download: no call home for guidelines (there is no network here, and it only adds links).
    result = subprocess.run(
        [
            str(checkov),
            "--directory",
            str(directory),
            "--framework",
            "cloudformation",  # nosec B603 # fixed argv, no shell
            "--output",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"checkov did not give a report (exit code {result.returncode})") from None
    if isinstance(report, dict) and "results" not in report:
        # No template at all: checkov prints an empty summary.
        return []
    return report if isinstance(report, list) else [report]


def load_skips(path: Path = SKIPS) -> dict[Finding, str]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    skips: dict[Finding, str] = {}
    for entry in entries or []:
        if not (entry.get("reason") or "").strip():
            raise SystemExit(f"{path.name}: {entry} has no reason")
        skips[(entry["template"], entry["resource"], entry["check"])] = entry["reason"]
    return skips


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkov", type=Path, default=CHECKOV)
    parser.add_argument("--directory", type=Path, default=INFRA)
    parser.add_argument("--skips", type=Path, default=SKIPS)
    args = parser.parse_args(argv)

    reports = run_checkov(args.checkov, args.directory)
    summary = {
        key: sum(r["summary"][key] for r in reports)
        for key in ("passed", "failed", "skipped", "parsing_errors", "resource_count")
    }
    failed: dict[Finding, dict[str, Any]] = {
        (c["file_path"].lstrip("/"), c["resource"], c["check_id"]): c
        for r in reports
        for c in r["results"]["failed_checks"]
    }
    skips = load_skips(args.skips)
    unaccepted = sorted(set(failed) - set(skips))
    stale = sorted(set(skips) - set(failed))

    print(
        f"checkov {', '.join(sorted({r['summary']['checkov_version'] for r in reports}))} on "
        f"{args.directory.relative_to(ROOT) if args.directory.is_relative_to(ROOT) else args.directory}: "
        f"{summary['resource_count']} resources, {summary['passed']} passed, {summary['skipped']} skipped inline, "
        f"{len(failed) - len(unaccepted)} accepted in {args.skips.name}, {len(unaccepted)} failed"
    )
    for finding in stale:
        print(f"  no longer failing, remove from {args.skips.name}: {' '.join(finding)}")
    for finding in unaccepted:
        check = failed[finding]
        lines = "-".join(str(n) for n in check["file_line_range"])
        print(
            f"  FAILED {check['check_id']} {check['check_name']}\n"
            f"         {check['resource']} in infra/{finding[0]}:{lines}"
        )
    if unaccepted:
        print("Fix it, or skip it inline in the resource with its reason: # checkov:skip=CKV_...: reason")
    problems = []
    if summary["parsing_errors"]:
        problems.append(f"{summary['parsing_errors']} template(s) could not be parsed")
    if summary["resource_count"] == 0:
        problems.append("no CloudFormation resources found: nothing was checked")
    for problem in problems:
        print(f"checkov: {problem}")
    return 1 if unaccepted or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
