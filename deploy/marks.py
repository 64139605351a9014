"""The marks `make new-meeting` leaves in a copied meeting's texts, `[HERSCHRIJVEN: ...]`, and the check that none is
left: `make publish` refuses while any meeting folder still holds one (deploy/publish.py, require_rewritten)."""

from __future__ import annotations

from pathlib import Path

MARK = "[HERSCHRIJVEN"
# A meeting folder's texts: its facts and its pages. Anything else there (an image) holds no marks.
TEXT_SUFFIXES = (".md", ".toml")


def mark(hint: str) -> str:
    """One mark, in Dutch for the writer: `[HERSCHRIJVEN: <hint>]`."""
    return f"{MARK}: {hint}]"


def shown(path: Path) -> str:
    """A path as a terminal shows it best: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def folder_marks(folder: Path) -> list[str]:
    """Every mark left in one meeting folder, as `file:line: text`."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if MARK in line:
                found.append(f"{shown(path)}:{number}: {line.strip()}")
    return found


def unrewritten_marks(root: Path) -> list[str]:
    """Every mark left in any meeting folder under `root` (none when there is no such folder yet)."""
    if not root.is_dir():
        return []
    return [line for folder in sorted(p for p in root.iterdir() if p.is_dir()) for line in folder_marks(folder)]
