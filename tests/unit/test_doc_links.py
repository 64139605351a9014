"""Every internal link in every Markdown file of the repository resolves: a relative file link names a file or folder
that exists, and a `#anchor` names a heading of its target, by GitHub's slug rules."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Installed or generated trees. The site's pages in docs/ are checked too (mkdocs --strict adds its own rules).
SKIPPED = {"node_modules", "site", ".git", ".data", ".bench", "dist", "build", ".pytest_cache"}
FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
LINK = re.compile(r"(?<!\\)!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
# The templates of the pages made for every meeting (overrides/hooks/meeting_files.py): their links resolve from
# where they are published, checked here for the letter's meeting.
LETTER_FOLDER = ROOT / "docs" / "bijeenkomsten" / "ibp-vth-2023-06-07"
PUBLISHED_AS = {
    ROOT / "overrides" / "meeting_pages" / "aanmelden.md": LETTER_FOLDER / "aanmelden" / "index.md",
    ROOT / "overrides" / "meeting_pages" / "bevestiging.md": LETTER_FOLDER / "aanmelden" / "bevestiging" / "index.md",
}


def markdown_files() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.md")
        if not any(part in SKIPPED or part.startswith(".venv") for part in path.relative_to(ROOT).parts[:-1])
    )


def prose(text: str) -> str:
    """The text without code blocks and code spans, where a bracket is never a link."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text as rendered (link targets and emphasis gone), in lower case, every
    character that is not a letter, digit, space, hyphen or underscore dropped, and each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading's anchor; a repeated one gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", text)):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    text = path.read_text(encoding="utf-8")
    base = PUBLISHED_AS.get(path, path).parent
    broken = []
    for target in LINK.findall(prose(text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.IGNORECASE) or target.startswith("//"):
            continue  # another site, or mailto:
        file_part, _, anchor = target.partition("#")
        destination = (base / unquote(file_part)).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.is_file() and destination.suffix == ".md":
            if unquote(anchor).lower() not in anchors(destination.read_text(encoding="utf-8")):
                broken.append(f"{target}: no such heading in {destination.relative_to(root)}")
    return broken


def test_the_slug_rules_are_githubs():
    assert slug("3. Het commando `registrations`") == "3-het-commando-registrations"
    assert slug("Eenmalig installeren (Windows of macOS)") == "eenmalig-installeren-windows-of-macos"
    assert slug("Later changes, and announcing a changed meeting") == "later-changes-and-announcing-a-changed-meeting"
    assert slug("Wat één cel betekent: `mail_status`") == "wat-één-cel-betekent-mail_status"
    assert slug("The store client's retry budget") == "the-store-clients-retry-budget"
    assert anchors("# Notes\n## Notes\n```\n# not a heading\n```\n") == {"notes", "notes-1"}


def test_a_broken_link_and_a_broken_anchor_are_found(tmp_path):
    (tmp_path / "a.md").write_text("# Top\n\n[ok](#top) [gone](b.md) [wrong](a.md#bottom) `[code](x.md)`\n")
    assert broken_links(tmp_path / "a.md", tmp_path) == ["b.md: no such file", "a.md#bottom: no such heading in a.md"]


def test_the_repository_has_markdown_files_to_check():
    names = {str(path.relative_to(ROOT)) for path in markdown_files()}
    assert {"README.md", "STAFF.md", "handbook/README.md"} <= names
    assert set(PUBLISHED_AS) <= set(markdown_files())


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_internal_link_resolves(path):
    assert broken_links(path) == []
