"""Deployment tooling: the Lambda package, the CloudFormation template's generated parts, site publishing and the
post-deploy steps. Runs on a developer's machine or in CI; none of it goes into the Lambda zip."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
INFRA = ROOT / "infra"
# One folder per meeting: its facts (bijeenkomst.toml) and its pages.
MEETINGS = ROOT / "docs" / "bijeenkomsten"
