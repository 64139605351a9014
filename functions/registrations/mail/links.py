"""The links an email and the personal page carry: the personal link, and the papers reached through it.

A paper given as a file is reached through the personal link (`<personal link>/stukken/<name>`, console/papers.py
decides who may download it); a paper given as a url stays that link. The Protocols name what these links need of
the published follow-up (delivery/publication.py's Publication and PublishedPaper), so mail/ needs no deliverer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from ..registration.personal_link import PersonalLinks
from ..repository import StoredRegistration

PERSONAL_PATH = "/api/mijn-aanmelding"
PAPERS_SEGMENT = "stukken"


class PaperLike(Protocol):
    """A published paper: a link, or a file served through the personal page."""

    @property
    def title(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def file(self) -> str: ...


class PublicationLike(Protocol):
    """What the emails and the personal page need of the published follow-up."""

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


def personal_url(links: PersonalLinks, site_url: str, item: StoredRegistration) -> str:
    """The personal link of the registration's current version: the deliverer can always build it again."""
    token = links.token_for(str(item["registration_id"]), int(item.get("link_version", 1)))
    return f"{site_url}{PERSONAL_PATH}/{token}"


def paper_href(personal_url: str, paper: PaperLike) -> str:
    if paper.file:
        return f"{personal_url}/{PAPERS_SEGMENT}/{quote(paper.file, safe='')}"
    return paper.url


def paper_links(personal_url: str, papers: Iterable[PaperLike]) -> tuple[PaperLink, ...]:
    """The papers as the emails and the personal page link them."""
    return tuple(PaperLink(p.title, paper_href(personal_url, p), p.file) for p in papers)


def email_papers(personal_url: str, published: PublicationLike | None) -> list[dict[str, str]]:
    """paper_links as the email templates take them: title and url."""
    papers = published.papers if published is not None else ()
    return [{"title": link.title, "url": link.url} for link in paper_links(personal_url, papers)]
