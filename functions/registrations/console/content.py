"""What the follow-up mailing sends: the Teams link and the papers, from the staff command's options or a file.

Checked before anything is sent, since everyone gets the follow-up only once; errors are Dutch, for staff.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class FollowupContentError(ValueError):
    """The Teams link or the papers are missing or not usable; the message says what to fix, in Dutch."""


@dataclass(frozen=True)
class Paper:
    title: str
    url: str


@dataclass(frozen=True)
class FollowupContent:
    teams_link: str
    papers: tuple[Paper, ...]

    @classmethod
    def build(cls, teams_link: str | None, papers: Sequence[tuple[str, str]]) -> FollowupContent:
        if not teams_link:
            raise FollowupContentError("Geef de Teams-link op: --teams-link URL (of teams_link in het bestand).")
        if not papers:
            raise FollowupContentError(
                "Geef minstens één stuk op: --paper TITEL URL (of [[papers]] in het bestand). "
                "Iedereen krijgt deze mail maar één keer, dus stuur hem pas als de stukken klaar zijn."
            )
        checked = []
        for title, url in papers:
            title = " ".join(str(title).split())
            if not title:
                raise FollowupContentError(f"Het stuk met link {url} heeft geen titel.")
            checked.append(Paper(title, check_link(str(url), f"De link van ‘{title}’")))
        return cls(check_link(str(teams_link), "De Teams-link"), tuple(checked))

    @classmethod
    def from_file(cls, path: Path, meeting_id: str | None = None) -> FollowupContent:
        """A TOML file: teams_link = "https://…" and [[papers]] with title and url; when it names its meeting
        (bijeenkomst = "<id>"), that must be `meeting_id`, the meeting it is published for."""
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise FollowupContentError(f"Het bestand {path} kan niet worden gelezen ({exc.strerror}).") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise FollowupContentError(f"Het bestand {path} is geen geldig TOML-bestand: {exc}") from exc
        problem = named_meeting_problem(raw.get("bijeenkomst"), meeting_id) if meeting_id else ""
        if problem:
            raise FollowupContentError(f"{path}: {problem}")
        papers = raw.get("papers", [])
        if not isinstance(papers, list) or not all(isinstance(p, dict) for p in papers):
            raise FollowupContentError(f"{path}: zet elk stuk in een eigen [[papers]]-blok met title en url.")
        return cls.build(raw.get("teams_link"), [(p.get("title", ""), p.get("url", "")) for p in papers])


def check_link(url: str, what: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in url):
        raise FollowupContentError(f"{what} moet een volledige https-link zijn, zoals https://…; nu: {url!r}.")
    return url


def named_meeting_problem(named: object, meeting_id: str) -> str:
    """Why the meeting a content file names (its `bijeenkomst`, None when it names none) is not `meeting_id`, in
    Dutch ("" when it is): a file written for one meeting is never published for another."""
    if named is None or named == meeting_id:
        return ""
    if not isinstance(named, str):
        return (
            f'bijeenkomst moet de code van een bijeenkomst zijn, tussen aanhalingstekens: bijeenkomst = "{meeting_id}".'
        )
    return (
        f'bijeenkomst = "{named}": dit bestand is voor bijeenkomst {named}, niet voor {meeting_id}. Is het voor '
        f"{named}? Upload het dan in de map {named}/vervolgmail/ (of gebruik --bijeenkomst {named}). Is het voor "
        f'{meeting_id}? Verander de regel dan in bijeenkomst = "{meeting_id}".'
    )
