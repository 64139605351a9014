"""`registrations export` and `registrations summary`: the registrations as a file, or counted for the steering
group. The rows, formats and counts are reports/'s; here are the options and where the output goes."""

from __future__ import annotations

from pathlib import Path
from typing import IO

import click

from ..meeting import Meeting
from ..reports.export import export_rows
from ..reports.formats import CSV_DEFAULT_DELIMITER, write_csv, write_xlsx
from ..reports.summary import render_summary, summarise
from . import EXIT_OK, UsageError, output
from .common import Runtime, path_option, table_options
from .table import Table, Where


def parse_delimiter(ctx: click.Context, param: click.Parameter, value: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "puntkomma": ";", "komma": ","}
    value = named.get(value.lower(), value)
    if len(value) != 1 or value in '"\r\n' or value.isalnum():
        raise click.BadParameter("gebruik één leesteken, zoals ; of , (of: tab)")
    return value


@click.command(
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
@table_options
@click.pass_obj
def export(
    run: Runtime, /, fmt: str | None, target: Path | None, delimiter: str, include_cancelled: bool, **where: str | None
) -> int:
    def job(table: Table, meeting: Meeting) -> int:
        chosen = fmt or ("xlsx" if target is not None and target.suffix.lower() == ".xlsx" else "csv")
        if chosen == "xlsx" and target is None and output.is_terminal(run.stdout):
            raise UsageError(
                "Een xlsx-bestand kan niet op het scherm: geef een bestandsnaam op met -o aanmeldingen.xlsx."
            )
        if chosen == "xlsx" and delimiter != CSV_DEFAULT_DELIMITER:
            raise UsageError("--delimiter hoort bij --format csv.")
        tty = output.is_terminal(run.stderr)
        progress = output.Progress(run.stderr, tty and (target is not None or output.is_terminal(run.stdout)))
        items = output.fetch_all(table.repository(), meeting, progress)
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

    return run.on_table(Where(**where), job)


@click.command(
    "summary",
    short_help="aantallen per organisatie en per rol",
    help="Het aantal aanmeldingen per organisatie en per rol, en het totaal.",
)
@table_options
@click.pass_obj
def summary(run: Runtime, /, **where: str | None) -> int:
    def job(table: Table, meeting: Meeting) -> int:
        progress = output.Progress(run.stderr, output.is_terminal(run.stderr) and output.is_terminal(run.stdout))
        items = output.fetch_all(table.repository(), meeting, progress)
        run.stdout.write(render_summary(summarise(items, meeting, run.clock()), meeting))
        return EXIT_OK

    return run.on_table(Where(**where), job)
