"""Click in Dutch, for staff: help headings, the usage line, the help option and usage errors.

Only click's public API: a HelpFormatter and Context subclass, Command and Group methods meant for overriding, and
the attributes of click's exceptions. Click's own texts are English (gettext without a Dutch catalogue), so the ones
staff can meet are written here instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

HELP_OPTION_NAMES = ["-h", "--help"]
OPTIONS = "opties"


class DutchFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "gebruik: " if prefix is None else prefix)


class DutchContext(click.Context):
    formatter_class = DutchFormatter


class SectionOption(click.Option):
    """An option shown under its own heading in the help (click has no argument groups)."""

    def __init__(self, *args: Any, section: str = OPTIONS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section


class DutchCommand(click.Command):
    context_class = DutchContext
    # Left-over arguments are refused in parse_args, in Dutch.
    allow_extra_args = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPTIES]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "toon deze uitleg"
        return option

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            rest = super().parse_args(ctx, args)
        except click.UsageError as exc:
            exc.ctx = exc.ctx or ctx  # the option parser raises without it; the message needs the command
            raise
        if rest and not isinstance(self, click.Group):  # a group's rest is its command
            ctx.fail(
                f"onverwacht: {' '.join(rest)} (staat er een spatie in een waarde? Zet die tussen aanhalingstekens)"
            )
        return rest

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options under "opties", help first, then each other section under its own heading."""
        help_option = self.get_help_option(ctx)
        params = [p for p in self.get_params(ctx) if p is not help_option]
        sections: dict[str, list[tuple[str, str]]] = {OPTIONS: []}
        for param in [help_option, *params]:
            record = param.get_help_record(ctx) if param is not None else None
            if record is not None:
                sections.setdefault(getattr(param, "section", OPTIONS), []).append(record)
        for heading, records in sections.items():
            if records:
                with formatter.section(heading):
                    formatter.write_dl(records)


class DutchGroup(click.Group, DutchCommand):
    command_class = DutchCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", "OPDRACHT ...")
        kwargs.setdefault("context_settings", {"help_option_names": HELP_OPTION_NAMES, "max_content_width": 100})
        super().__init__(*args, **kwargs)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.format_commands(ctx, formatter)
        DutchCommand.format_options(self, ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        rows = [(name, command.get_short_help_str()) for name, command in commands if command is not None]
        if rows:
            with formatter.section("opdrachten"):
                formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # in the order they were added, as the guide lists them

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            ctx.fail(f"onbekende opdracht {name!r}; kies {either(self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)


def either(choices: Sequence[str]) -> str:
    """The choices the Dutch way: "a, b of c"."""
    return " of ".join([", ".join(choices[:-1]), choices[-1]] if len(choices) > 1 else choices)


def usage_error_text(exc: click.UsageError) -> str:
    """The usage line, where the help is, and what is wrong (in Dutch, unlike click's own messages)."""
    lines = []
    command = "registrations"
    if exc.ctx is not None:
        lines += [exc.ctx.get_usage(), f"Meer uitleg: {exc.ctx.command_path} --help"]
        command = exc.ctx.command_path
    return "\n".join([*lines, f"{command}: {usage_error_message(exc)}"]) + "\n"


def usage_error_message(exc: click.UsageError) -> str:
    if isinstance(exc, click.NoSuchOption):
        guess = f"; bedoelt u {either(exc.possibilities)}?" if exc.possibilities else ""
        return f"onbekende optie {exc.option_name}{guess}"
    if isinstance(exc, click.BadOptionUsage):
        option = option_named(exc.ctx, exc.option_name)
        if option is not None and option.is_flag:
            return f"{exc.option_name} neemt geen waarde"
        count = option.nargs if option is not None else 1
        return f"{exc.option_name} verwacht " + ("een waarde" if count == 1 else f"{count} waarden")
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        return f"geef {exc.param.human_readable_name} op"
    if isinstance(exc, click.BadParameter) and exc.param is not None:
        name = "/".join(exc.param.opts)
        if isinstance(exc.param.type, click.Choice):
            return f"{name}: kies {either([str(choice) for choice in exc.param.type.choices])}"
        return f"{name}: {exc.message}"  # the message of the option's own check, already Dutch
    return exc.message


def option_named(ctx: click.Context | None, name: str) -> click.Option | None:
    params = ctx.command.params if ctx is not None else []
    return next((p for p in params if isinstance(p, click.Option) and name in p.opts), None)
