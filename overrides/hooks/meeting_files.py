"""The pages of every meeting among the site's files (the MkDocs hook meeting.py calls `place` from on_files).

Each meeting's folder gives its own invitation (index.md) and background (achtergrond.md); its form page and the
confirmation page are made from the one template of each (overrides/meeting_pages/), never copied into a folder.
With MEETINGS_DIR set elsewhere than docs/bijeenkomsten/, that folder's pages take the place of the site's own,
so a copy with a new meeting previews as it will be published.
"""

from __future__ import annotations

from pathlib import Path

from meeting_texts import PageError, Site
from mkdocs.structure.files import File, Files

from registrations.meeting import FACTS_FILE, SHARED_FILE
from registrations.meeting.addresses import CONFIRMATION, FORM

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "overrides" / "meeting_pages"
# Each meeting's own pages, which its folder must hold.
OWN_PAGES = {"index.md": "the invitation", "achtergrond.md": "the background"}
# The pages made for every meeting: where (under its folder), from which template.
MADE_PAGES = {f"{FORM}index.md": TEMPLATES / "aanmelden.md", f"{CONFIRMATION}index.md": TEMPLATES / "bevestiging.md"}
PREFIX = "bijeenkomsten/"


def place(files: Files, config, site: Site) -> None:
    """Every meeting's pages among `files`: checked, and with the pages made for it."""
    root = site.meetings.root
    if root.resolve() != (Path(config.docs_dir) / "bijeenkomsten").resolve():
        _take_pages_from(root, files, config)
    ids = {m.id for m in site.meetings}
    for file in files:
        parts = file.src_uri.split("/")
        if file.is_documentation_page() and parts[0] + "/" == PREFIX and (len(parts) < 3 or parts[1] not in ids):
            raise PageError(f"{root / '/'.join(parts[1:])}: a page in {root} belongs in a meeting's folder")
    for meeting in site.meetings:
        folder = root / meeting.id
        for name, what in OWN_PAGES.items():
            if files.get_file_from_path(f"{PREFIX}{meeting.id}/{name}") is None:
                raise PageError(f"{folder}: {name} is missing: every meeting's folder has {what} ({name})")
        for name, template in MADE_PAGES.items():
            src_uri = f"{PREFIX}{meeting.id}/{name}"
            if files.get_file_from_path(src_uri) is not None:
                raise PageError(f"{folder / name}: this page is made from {template.relative_to(ROOT)}: remove it")
            files.append(File.generated(config, src_uri, abs_src_path=str(template)))


def _take_pages_from(root: Path, files: Files, config) -> None:
    """The pages and files of the meetings in `root` instead of those of docs/bijeenkomsten/."""
    for file in [f for f in files if f.src_uri.startswith(PREFIX)]:
        files.remove(file)
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        hidden = any(part.startswith((".", "_")) for part in relative.parts)
        if path.is_file() and not hidden and path.suffix != ".toml" and path.name not in (FACTS_FILE, SHARED_FILE):
            files.append(File.generated(config, PREFIX + relative.as_posix(), abs_src_path=str(path)))
