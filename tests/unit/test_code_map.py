"""The code map in handbook/architecture.md matches the tree: every module of the function is there, and nothing
that is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "functions" / "registrations"


def code_map() -> list[str]:
    """The paths the map names, relative to the package (folders end in /)."""
    handbook = (ROOT / "handbook" / "architecture.md").read_text(encoding="utf-8")
    block = handbook.split("## Code map", 1)[1].split("```", 2)[1]
    paths, folders = [], []
    for line in block.splitlines()[2:]:  # after the ``` line and the package line
        match = re.match(r"^( +)([^\s,]+(?:, [^\s,]+)*)", line)
        if not match:
            continue
        depth = (len(match.group(1)) - 2) // 2
        folders = folders[:depth]
        for name in match.group(2).split(", "):
            paths.append("".join(folders) + name)
        if match.group(2).endswith("/"):
            folders.append(match.group(2))
    return paths


def test_every_module_of_the_function_is_in_the_code_map():
    modules = {
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py") or p.parent == PACKAGE
    }
    assert sorted(modules - set(code_map())) == []


def test_everything_the_code_map_names_exists():
    assert [path for path in code_map() if not (PACKAGE / path).exists()] == []
