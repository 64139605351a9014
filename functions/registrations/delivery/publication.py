"""The follow-up as staff publish it: the Teams link and the papers, in numbered versions.

Staff publish; the system sends. A publication is stored once, as items of its own in the table's `publications`
partition (never the meeting's, which holds registrations only), where every trigger reads it: from then on every
active registrant owes it (delivery/followup.py), and a late registrant's confirmation carries it. A version is never
changed after it is stored: a correction is the next version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..repository import TTL_ATTRIBUTE, PublicationItem, RegistrationRepository

PUBLICATIONS_PARTITION = "publications"


@dataclass(frozen=True)
class PublishedPaper:
    """A paper as published: a plain https link (`url`), or a file kept per version (`file`, its safe name), which
    registrants download through their personal page."""

    title: str
    url: str = ""
    file: str = ""
    # The SHA-256 of a file's bytes as checked (console/flow.py): tells a renewed file under the same name from the old.
    sha256: str = ""


@dataclass(frozen=True)
class Publication:
    event_id: str
    version: int
    published_at: str
    teams_link: str
    papers: tuple[PublishedPaper, ...]
    # The confirmation code of the content that was checked (issue: publishing from the console); may be empty.
    code: str = ""

    @property
    def owed_id(self) -> str:
        """What a registrant's follow-up slot records once this version is settled."""
        return f"v{self.version}"

    def to_item(self) -> PublicationItem:
        return {
            "event": PUBLICATIONS_PARTITION,
            "email": sort_key(self.event_id, self.version),
            "meeting": self.event_id,
            "version": self.version,
            "published_at": self.published_at,
            "teams_link": self.teams_link,
            "papers": [{"title": p.title, "url": p.url, "file": p.file, "sha256": p.sha256} for p in self.papers],
            "code": self.code,
        }

    @classmethod
    def from_item(cls, item: PublicationItem) -> Publication:
        papers = tuple(
            PublishedPaper(
                str(p.get("title", "")), str(p.get("url", "")), str(p.get("file", "")), str(p.get("sha256", ""))
            )
            for p in item.get("papers") or []
        )
        return cls(
            event_id=str(item["meeting"]),
            version=int(item["version"]),
            published_at=str(item.get("published_at", "")),
            teams_link=str(item.get("teams_link", "")),
            papers=papers,
            code=str(item.get("code", "")),
        )


def sort_key(event_id: str, version: int) -> str:
    return f"{event_id}#followup#{version:06d}"


def all_versions(repository: RegistrationRepository, event_id: str) -> tuple[Publication, ...]:
    """Every published version of the meeting's follow-up, oldest first (a handful at most)."""
    items = repository.with_prefix(PUBLICATIONS_PARTITION, f"{event_id}#followup#", PublicationItem)
    return tuple(sorted((Publication.from_item(i) for i in items), key=lambda p: p.version))


def current(repository: RegistrationRepository, event_id: str) -> Publication | None:
    versions = all_versions(repository, event_id)
    return versions[-1] if versions else None


def version(repository: RegistrationRepository, event_id: str, number: int) -> Publication | None:
    return next((p for p in all_versions(repository, event_id) if p.version == number), None)


class PublicationConflict(RuntimeError):
    """Another publication of the same version was stored at the same moment; publish again to make the next."""


def publish(
    repository: RegistrationRepository,
    event_id: str,
    teams_link: str,
    papers: Sequence[PublishedPaper],
    code: str,
    now_iso: str,
    expires_at: int,
) -> Publication:
    """Store the next version. The put is conditional, so two publications at once never share a number."""
    newest = current(repository, event_id)
    publication = Publication(
        event_id=event_id,
        version=(newest.version if newest else 0) + 1,
        published_at=now_iso,
        teams_link=teams_link,
        papers=tuple(papers),
        code=code,
    )
    # Kept as long as the registrations it went to, and deleted with them (TTL).
    if not repository.put_new({**publication.to_item(), TTL_ATTRIBUTE: expires_at}):
        raise PublicationConflict(publication.version)
    return publication
