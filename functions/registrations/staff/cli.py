"""`registrations`: the staff command. export | summary | send-followup | revoke-link (see STAFF.md).

The commands, their options and Dutch help are here; the work is done by the package (export, followup,
repository), the table is found by store.py and the terminal output is made by output.py. Messages are Dutch: they
are for staff.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

import click

from ..console.content import FollowupContentError
from ..local.store import DATA_DIR
from ..meeting import Meeting
from ..reports.export import export_rows
from ..reports.formats import CSV_DEFAULT_DELIMITER, write_csv, write_xlsx
from ..reports.summary import render_summary, summarise
from . import EXIT_ATTENTION, EXIT_CODES, EXIT_OK, EXIT_USAGE, UsageError, correcting, output, sending
from .common import Runtime, path_option, store_options, yes_option
from .dutch import DutchGroup, usage_error_text
from .errors import Target, explain, unexpected
from .store import Store, Where


def parse_delimiter(ctx: click.Context, param: click.Parameter, value: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "puntkomma": ";", "komma": ","}
    value = named.get(value.lower(), value)
    if len(value) != 1 or value in '"\r\n' or value.isalnum():
        raise click.BadParameter("gebruik één leesteken, zoals ; of , (of: tab)")
    return value


@click.group(
    "registrations",
    cls=DutchGroup,
    invoke_without_command=True,
    help="Aanmeldingen voor de netwerkbijeenkomst: exporteren, tellen, de vervolgmail versturen en een aanmelding "
    "corrigeren.",
    # \b keeps click from rewrapping the list.
    epilog="\b\nAfsluitcodes:\n"
    + "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES.items())
    + "\n\nUitleg voor organisatoren: STAFF.md.",
)
@click.pass_context
def registrations(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is None:
        ctx.fail("geef een opdracht op: export, summary, send-followup, cancel, resend of revoke-link")


@registrations.command(
    "export",
    short_help="aanmeldingen als CSV of Excel-bestand",
    help="Alle aanmeldingen als CSV (standaard) of xlsx, gesorteerd op organisatie en achternaam.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("csv", "xlsx")),
    help="csv (UTF-8, ; als scheidingsteken) of xlsx; standaard volgt het de extensie van -o",
)
@path_option(
    "-o",
    "--output",
    "target",
    metavar="BESTAND",
    help="schrijf naar dit bestand (zonder -o: CSV op het scherm of naar een pipe)",
)
@click.option(
    "--delimiter",
    default=CSV_DEFAULT_DELIMITER,
    callback=parse_delimiter,
    metavar="TEKEN",
    help="scheidingsteken voor CSV (standaard ;, voor Nederlandse Excel)",
)
@click.option("--include-cancelled", is_flag=True, help="neem ook afmeldingen mee, met een kolom Status")
@store_options
@click.pass_obj
def export(
    run: Runtime, /, fmt: str | None, target: Path | None, delimiter: str, include_cancelled: bool, **where: str | None
) -> int:
    def job(store: Store, meeting: Meeting) -> int:
        chosen = fmt or ("xlsx" if target is not None and target.suffix.lower() == ".xlsx" else "csv")
        if chosen == "xlsx" and target is None and output.is_terminal(run.stdout):
            raise UsageError(
                "Een xlsx-bestand kan niet op het scherm: geef een bestandsnaam op met -o aanmeldingen.xlsx."
            )
        if chosen == "xlsx" and delimiter != CSV_DEFAULT_DELIMITER:
            raise UsageError("--delimiter hoort bij --format csv.")
        tty = output.is_terminal(run.stderr)
        progress = output.Progress(run.stderr, tty and (target is not None or output.is_terminal(run.stdout)))
        items = output.fetch_all(store.repository(), meeting, progress)
        header, rows = export_rows(items, include_cancelled=include_cancelled)

        def write(stream: IO[bytes]) -> None:
            if chosen == "xlsx":
                write_xlsx(stream, header, rows)
            else:
                write_csv(stream, header, rows, delimiter=delimiter)

        if target is not None:
            output.write_file(target, write)
        else:
            output.write_stdout(run.stdout, write, seekable=chosen == "xlsx")
        if tty:
            run.stderr.write(output.exported(len(rows), items, include_cancelled, target))
        return EXIT_OK

    return run.in_store(Where(**where), job)


@registrations.command(
    "summary",
    short_help="aantallen per organisatie en per rol",
    help="Het aantal aanmeldingen per organisatie en per rol, en het totaal.",
)
@store_options
@click.pass_obj
def summary(run: Runtime, /, **where: str | None) -> int:
    def job(store: Store, meeting: Meeting) -> int:
        progress = output.Progress(run.stderr, output.is_terminal(run.stderr) and output.is_terminal(run.stdout))
        items = output.fetch_all(store.repository(), meeting, progress)
        run.stdout.write(render_summary(summarise(items, meeting, run.clock()), meeting))
        return EXIT_OK

    return run.in_store(Where(**where), job)


@registrations.command(
    "send-followup",
    short_help="de vervolgmail met Teams-link en stukken publiceren",
    help="Publiceert de vervolgmail met de Teams-link en de stukken. U ziet eerst het bericht en hoeveel mensen het "
    "krijgen, en bevestigt dan. Daarna verstuurt de functie het aan iedereen die is aangemeld, ook aan wie zich later "
    "aanmeldt. Dit commando verstuurt zelf niets en heeft geen rechten om te mailen. Een tweede publicatie is een "
    "nieuwe versie: wie de vorige al had, krijgt een korte mail met wat er veranderd is.",
)
@click.option("--teams-link", metavar="URL", help="de link naar de Teams-vergadering")
@click.option(
    "--paper",
    "papers",
    nargs=2,
    multiple=True,
    metavar="TITEL URL",
    help="een stuk voor de vergadering (herhaal voor meer stukken)",
)
@path_option(
    "--content-file",
    metavar="BESTAND",
    help="vervolgmail.toml met teams_link en [[papers]] (title, url); opties gaan voor",
)
@click.option(
    "--niet-wachten",
    "no_wait",
    is_flag=True,
    help="na het publiceren niet blijven kijken hoe ver het versturen is",
)
@yes_option("niet vragen of u het zeker weet: meteen publiceren (nodig zonder terminal)")
@store_options
@click.pass_obj
def send_followup(
    run: Runtime,
    /,
    teams_link: str | None,
    papers: Sequence[tuple[str, str]],
    content_file: Path | None,
    no_wait: bool,
    yes: bool,
    **where: str | None,
) -> int:
    def job(store: Store, meeting: Meeting) -> int:
        content = sending.followup_content(teams_link, papers, content_file)
        run.can_ask(yes)
        progress = output.Progress(run.stderr, output.is_terminal(run.stderr))
        repository = store.repository()
        items = output.fetch_all(repository, meeting, progress)
        progress.clear()
        return sending.publish_followup(
            meeting,
            content,
            store.config,
            repository,
            items,
            run.stdout,
            run.clock,
            confirm=lambda lines: run.ask(yes, lines),
            wait=not no_wait,
        )

    return run.in_store(Where(**where), job)


registrations.add_command(correcting.cancel)
registrations.add_command(correcting.resend)
registrations.add_command(correcting.revoke_link)


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    data_dir: Path | None = None,
    stdin: IO[str] | None = None,
) -> int:
    run = Runtime(
        stdout=stdout or sys.stdout,
        stderr=stderr or sys.stderr,
        stdin=stdin or sys.stdin or io.StringIO(),
        env=os.environ if env is None else env,
        clock=clock or (lambda: dt.datetime.now(dt.UTC)),
        data_dir=data_dir or DATA_DIR,
    )
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        with registrations.make_context("registrations", args, obj=run) as ctx:
            return int(registrations.invoke(ctx))
    except click.exceptions.Exit as exc:  # after --help
        return exc.exit_code
    except click.UsageError as exc:
        run.stderr.write(usage_error_text(exc))
        return EXIT_USAGE
    except (UsageError, FollowupContentError) as exc:
        run.stderr.write(f"registrations: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader (such as `head`) stopped early: not an error. Point stdout at /dev/null so that Python's
        # final flush does not complain about the closed pipe.
        if run.stdout is sys.stdout:
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        run.stderr.write("\nregistrations: gestopt (Ctrl-C).\n")
        return EXIT_ATTENTION
    # Staff never see a traceback: an AWS error gets its own message and code, anything else a general one.
    except Exception as exc:  # noqa: BLE001
        explained = explain(exc, Target(None, run.env.get("AWS_REGION"), run.env.get("AWS_PROFILE")))
        run.stderr.write(f"registrations: {explained[1] if explained else unexpected(exc)}\n")
        return explained[0] if explained else EXIT_ATTENTION


if __name__ == "__main__":
    sys.exit(main())
