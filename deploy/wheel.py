"""The wheel of the package for staff (handbook/beheer.md, chapter 1): `registrations` with its own Python, one
`pip install`, without Node, make, git or this repository.

    python -m deploy.wheel          # or: make wheel; writes dist/vng_registrations-<version>-py3-none-any.whl

Built offline with the .venv's setuptools, from a copy of pyproject.toml and functions/registrations: setuptools
reuses an in-tree build/ folder, which could carry modules that are gone into the wheel.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import FUNCTIONS, MEETINGS, ROOT

DIST = ROOT / "dist"


LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc")


def without_local_runner(folder: str, names: list[str]) -> set[str]:
    """What the copy leaves out: caches, and dev/ (the local runner, `make run`), which the staff command never
    imports (the import contract in pyproject.toml)."""
    left_out = set(LEFT_OUT(folder, names))
    if Path(folder) == FUNCTIONS / "registrations":
        left_out.add("dev")
    return left_out


def build(target: Path = DIST) -> Path:
    """Build the wheel into `target`; return its path."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wheel-src-") as tmp:
        source = Path(tmp)
        shutil.copy2(ROOT / "pyproject.toml", source / "pyproject.toml")
        shutil.copytree(
            FUNCTIONS / "registrations",
            source / "functions" / "registrations",
            ignore=without_local_runner,
        )
        # The meetings' facts, where the staff command looks first (meeting/catalogue.py): registrations/meetings/.
        shutil.copytree(
            MEETINGS,
            source / "functions" / "registrations" / "meetings",
            ignore=lambda folder, names: {n for n in names if not (n.endswith(".toml") or Path(folder, n).is_dir())},
        )
        out = source / "out"
        subprocess.run(  # nosec B603 # fixed argv: this Python's own pip, no shell
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "--wheel-dir",
                str(out),
                str(source),
            ],
            check=True,
        )
        [wheel] = out.glob("*.whl")
        built = target / wheel.name
        shutil.copy2(wheel, built)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=DIST, help="where to write the wheel (default: dist/)")
    args = parser.parse_args(argv)
    wheel = build(args.dist)
    print(
        f"{wheel.relative_to(ROOT) if wheel.is_relative_to(ROOT) else wheel}: give this file to staff "
        "(handbook/beheer.md, chapter 1)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
