"""What every staff command shares: the run's streams and clock (Runtime), the table options and the meeting
(--bijeenkomst, choosing.py), and the question before a step that cannot be undone ("Doorgaan? (j/n)")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from ..meeting import Meeting, default_meetings
from . import UsageError, output
from .choosing import OPTION, OPTION_HELP, choose_meeting
from .dutch import SectionOption
from .table import Table, Where, run_on_table

WHERE = "waar de aanmeldingen staan (zonder deze opties: de lokale opslag van make run)"
F = TypeVar("F", bound=Callable[..., Any])
YES_ANSWERS = frozenset({"j", "ja", "y", "yes"})
NO_TERMINAL = (
    "Deze opdracht vraagt eerst of u het zeker weet, maar er is geen terminal om die vraag te stellen.\n"
    "Weet u het zeker? Voeg dan --ja toe."
)


@dataclass(frozen=True)
class Runtime:
    """What a run talks to; main() takes each from its caller, so tests run the command in-process."""

    stdout: IO[str]
    stderr: IO[str]
    stdin: IO[str]
    env: Mapping[str, str]
    clock: Callable[[], dt.datetime]
    data_dir: Path

    def on_table(self, where: Where, job: Callable[[Table, Meeting], int]) -> int:
        """The job on the meeting chosen (before anything is read) and its registrations in the table."""
        meeting = choose_meeting(default_meetings(self.env), where.meeting, self.clock(), self.stdin, self.stderr)
        return run_on_table(where, self.env, self.data_dir, self.stderr, job, meeting)

    def can_ask(self, yes: bool) -> None:
        """Refuse at once (before anything is read) when the question cannot be asked and --ja was not given."""
        if not yes and not output.is_terminal(self.stdin):
            raise UsageError(NO_TERMINAL)

    def ask(self, yes: bool, lines: Sequence[str]) -> bool:
        """Show what is about to happen and ask "Doorgaan? (j/n)"; --ja (yes) answers for the staff member."""
        self.stdout.write("\n".join(lines) + "\n")
        if yes:
            return True
        self.can_ask(yes)
        self.stdout.write("Doorgaan? (j/n) ")
        self.stdout.flush()
        return self.stdin.readline().strip().lower() in YES_ANSWERS


def path_option(*names: str, metavar: str, help: str) -> Callable[[F], F]:
    # readable=False: no checks here, as before; the export and the content file say what is wrong themselves.
    return click.option(*names, type=click.Path(path_type=Path, readable=False), metavar=metavar, help=help)


def yes_option(help: str) -> Callable[[F], F]:
    return click.option("--ja", "yes", is_flag=True, help=help)


TABLE_OPTIONS = [
    ("--table", "NAAM", "DynamoDB-tabel in AWS (of REGISTRATIONS_TABLE)"),
    ("--region", "REGIO", "AWS-regio van de tabel: eu-central-1 (of AWS_REGION)"),
    ("--profile", "PROFIEL", "uw AWS-profiel (of AWS_PROFILE)"),
]


def table_options(command: F) -> F:
    """--bijeenkomst; and --table, --region and --profile, under their own heading in the help."""
    for name, metavar, help in reversed(TABLE_OPTIONS):
        command = click.option(name, cls=SectionOption, section=WHERE, metavar=metavar, help=help)(command)
    return click.option(OPTION, "meeting", metavar="CODE", help=OPTION_HELP)(command)
