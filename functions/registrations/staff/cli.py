"""`registrations`: the staff command. export | summary | send-followup | cancel | resend | revoke-link (STAFF.md).

The group, its Dutch help and the entry point are here; each command is in the module of its job (reporting.py,
sending.py, correcting.py), the table is found by table.py and the terminal output is made by output.py. Messages are
Dutch: they are for staff.
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
from ..local.dynalite import DATA_DIR
from . import EXIT_ATTENTION, EXIT_CODES, EXIT_OK, EXIT_USAGE, UsageError, correcting, reporting, sending
from .common import Runtime
from .dutch import DutchGroup, usage_error_text
from .errors import Target, explain, unexpected


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


registrations.add_command(reporting.export)
registrations.add_command(reporting.summary)
registrations.add_command(sending.send_followup)
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
