"""Papers for registrants only: the links to them, and who may download one.

A paper given as a file is reached through the personal link, `/api/mijn-aanmelding/<token>/stukken/<name>`, so
only someone with an active registration's current link gets it: the answer is a presigned S3 link made on the
click and valid for a few minutes (locally: the published file itself). A paper given as a url stays that link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from .exceptions import PapersOnlyForRegistrants, UnknownPaper

PAPERS_SEGMENT = "stukken"


class PaperLike(Protocol):
    @property
    def title(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def file(self) -> str: ...


class PublicationLike(Protocol):
    @property
    def version(self) -> int: ...

    @property
    def teams_link(self) -> str: ...

    @property
    def papers(self) -> tuple[Any, ...]: ...


@dataclass(frozen=True)
class PaperLink:
    title: str
    url: str
    file: str = ""


def paper_href(manage_url: str, paper: PaperLike) -> str:
    if paper.file:
        return f"{manage_url}/{PAPERS_SEGMENT}/{quote(paper.file, safe='')}"
    return paper.url


def paper_links(manage_url: str, papers: Iterable[PaperLike]) -> tuple[PaperLink, ...]:
    """The papers as the emails and the personal page link them."""
    return tuple(PaperLink(p.title, paper_href(manage_url, p), p.file) for p in papers)


def find_paper(publication: PublicationLike | None, name: str) -> PaperLike:
    for paper in publication.papers if publication is not None else ():
        if paper.file and paper.file == name:
            found: PaperLike = paper
            return found
    raise UnknownPaper()


def check_may_download(item: Mapping[str, Any]) -> None:
    if item.get("status", "registered") != "registered":
        raise PapersOnlyForRegistrants()


# How the route answers with a file: a link to redirect to (S3), or the bytes and their headers (locally).
Download = Callable[[int, str], str]
