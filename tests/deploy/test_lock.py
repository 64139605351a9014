"""The lock of the Lambda venv (requirements/lambda.txt) matches pyproject.toml and pins every file by hash."""

from __future__ import annotations

import re
import tomllib

from deploy import ROOT
from deploy.package import LOCK_FILE

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", re.MULTILINE)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    return {canonical(name): version for name, version in PIN.findall(LOCK_FILE.read_text(encoding="utf-8"))}


def test_the_lock_holds_each_direct_dependency_at_its_pinned_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    direct = project["dependencies"] + project["optional-dependencies"]["lambda"]
    pins = {canonical(name): version for name, version in (requirement.split("==") for requirement in direct)}
    # After a change of pin in pyproject.toml, `make lock` writes the lock anew.
    assert {name: locked().get(name) for name in pins} == pins


def test_every_locked_package_has_a_hash_and_no_machine_specific_source():
    text = LOCK_FILE.read_text(encoding="utf-8")
    blocks = [block for block in re.split(r"\n(?=[A-Za-z])", text) if "==" in block.split("\n")[0]]
    assert len(blocks) == len(locked()) > 10
    assert all("--hash=sha256:" in block for block in blocks)
    assert not re.search(r"^--(find-links|index-url|extra-index-url)", text, re.MULTILINE)
