"""Papers for registrants only: the links to them, and who may download one.

A paper given as a file is reached through the personal link, `/api/mijn-aanmelding/<token>/stukken/<name>`, so
only someone with an active registration's current link gets it: the answer is a presigned S3 link made on the
click and valid for a few minutes (locally: the published file itself). A paper given as a url stays that link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from ..errors import PapersOnlyForRegistrants, UnknownPaper
from ..mail.links import PaperLike, PublicationLike
from ..registration.item import is_active
from ..repository import StoredRegistration


def changes_between(
    old: PublicationLike,
    teams_link: str,
    papers: Iterable[PaperLike],
    old_hashes: Mapping[str, str] | None = None,
) -> list[str]:
    """What changed from a published version to newer content, in Dutch, one line each: the Teams link, papers new,
    renewed (another link or file, or other bytes under the same file name) and withdrawn. A paper's bytes are
    compared by the SHA-256 it carries (`sha256`, where known) against `old_hashes` or the old paper's own."""
    lines = []
    if old.teams_link != teams_link:
        lines.append("de Teams-link is veranderd")
    before = {p.title: p for p in old.papers}
    after = {p.title: p for p in papers}
    for title, paper in after.items():
        earlier = before.get(title)
        if earlier is None:
            lines.append(f"nieuw stuk: {title}")
            continue
        was = (old_hashes or {}).get(earlier.file) or getattr(earlier, "sha256", "")
        now = getattr(paper, "sha256", "")
        if (earlier.url, earlier.file) != (paper.url, paper.file) or (paper.file and was and now and was != now):
            lines.append(f"vernieuwd: {title}")
    lines += [f"vervallen: {title}" for title in before if title not in after]
    return lines


def find_paper(publication: PublicationLike | None, name: str) -> PaperLike:
    for paper in publication.papers if publication is not None else ():
        if paper.file and paper.file == name:
            found: PaperLike = paper
            return found
    raise UnknownPaper()


def check_may_download(item: StoredRegistration) -> None:
    if not is_active(item):
        raise PapersOnlyForRegistrants()


# How the route answers with a file: a link to redirect to (S3), or the bytes and their headers (locally).
Download = Callable[[int, str], str]
