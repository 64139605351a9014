"""`registrations`: the staff command. export | summary | send-followup.

With no configuration it reads the local store of `make run` (through its running dynalite, or by starting dynalite
on .data/dynalite itself). With --table and --region (or REGISTRATIONS_TABLE and AWS_REGION) it reads the table in
AWS with the staff member's own AWS credentials (AWS_PROFILE or --profile). See STAFF.md for the staff guide.

Messages are Dutch (they are for staff); everything for a person goes to stderr, the data to stdout or -o FILE.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import signal
import socket
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit

from ..settings import Settings
from ..event import Event, load_event
from ..exceptions import StoreUnavailable
from ..export import (
    CSV_DEFAULT_DELIMITER, dutch_number, export_rows, is_active, render_summary, summarise, write_csv, write_xlsx,
)
from ..followup import (
    CLAIMED_AT, UNCONFIRMED_CHOICES, FollowupMailing, Outcome, Plan, build_message, is_stale, make_plan,
)
from ..followup_content import FollowupContent, FollowupContentError
from ..dev.local import (
    DATA_DIR, ENDPOINT_FILE_NAME, LOCAL_REGION, LOCAL_TABLE, Dynalite, local_config, prepare_table,
    use_local_credentials,
)
from ..mail.rate import RateLimiter
from ..mail.senders import sender_from_settings
from ..repository import RegistrationRepository, dynamodb_resource

DEFAULT_RATE = 10.0
# The function's settings a staff member may set in the environment.
ENV_NAMES = ("REGISTRATIONS_TABLE", "AWS_REGION", "DYNAMODB_ENDPOINT", "MAIL_BACKEND", "MAIL_OUTBOX", "MAIL_SENDER",
             "SES_REGION", "SES_CONFIGURATION_SET")
EXIT_OK, EXIT_ATTENTION, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Wrong or missing options; the message (Dutch) says what to do."""


# --- where the registrations are ---------------------------------------------------------------------------------


def running_local_endpoint(data_dir: Path) -> str | None:
    """The endpoint of `make run`'s dynalite, if it is running (it holds the LevelDB lock on the folder)."""
    try:
        info = json.loads((data_dir / ENDPOINT_FILE_NAME).read_text(encoding="utf-8"))
        endpoint = str(info["endpoint"])
        pid = int(info.get("pid") or 0)
        port = urlsplit(endpoint).port
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None  # left behind by a run that was killed
        except PermissionError:
            pass
    if port is None:
        return None
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return endpoint
    except OSError:
        return None


@contextlib.contextmanager
def open_store(args: argparse.Namespace, env: Mapping[str, str], data_dir: Path) -> Iterator[tuple[dict, str]]:
    """The configuration of the table to use, and a Dutch description of it for messages."""
    settings = {"REGISTRATIONS_TABLE": "", "AWS_REGION": "", "MAIL_OUTBOX": "",
                **{k: v for k, v in env.items() if k in ENV_NAMES}}
    settings["AWS_REGION"] = settings["AWS_REGION"] or env.get("AWS_DEFAULT_REGION", "")
    table = args.table or settings["REGISTRATIONS_TABLE"]
    if args.region and not table:
        raise UsageError("Geef bij --region ook de tabel op: --table NAAM (of REGISTRATIONS_TABLE).")
    if table:
        region = args.region or settings["AWS_REGION"]
        if not region:
            raise UsageError("Geef ook de AWS-regio van de tabel op: --region eu-central-1 (of AWS_REGION).")
        if args.profile:
            # boto3 reads the profile from here when it makes its session.
            os.environ["AWS_PROFILE"] = args.profile
        config = {**settings, "REGISTRATIONS_TABLE": table, "AWS_REGION": region}
        config["MAIL_OUTBOX"] = settings["MAIL_OUTBOX"] or str(data_dir / "outbox")
        yield config, f"tabel {table} in {region}"
        return

    # The local store of `make run`.
    use_local_credentials()
    endpoint = running_local_endpoint(data_dir)
    if endpoint is not None:
        yield _local_settings(endpoint, data_dir, env), f"de lokale opslag van make run ({endpoint})"
        return
    store = data_dir / "dynalite"
    in_use = (f"De lokale opslag ({store}) kan niet worden geopend. Gebruikt een ander programma hem, zoals een "
              "`make run` van een oudere versie? Stop dat en probeer het opnieuw.")
    dynalite = Dynalite(data_dir=store)
    try:
        dynalite.start()
    except RuntimeError as exc:
        raise UsageError(f"{in_use} ({exc})") from exc
    try:
        config = _local_settings(dynalite.endpoint, data_dir, env)
        try:
            prepare_table(config)
        except Exception as exc:  # botocore's errors: dynalite gave up on the locked folder (no boto imports here)
            raise UsageError(f"{in_use} ({type(exc).__name__})") from exc
        yield config, f"de lokale opslag ({store})"
    finally:
        dynalite.stop()


def _local_settings(endpoint: str, data_dir: Path, env: Mapping[str, str]) -> dict:
    config = local_config(types.SimpleNamespace(endpoint=endpoint), data_dir=data_dir)
    config.update({"REGISTRATIONS_TABLE": LOCAL_TABLE, "AWS_REGION": LOCAL_REGION})
    # Mail settings set in the environment win over the local defaults.
    for key in ("MAIL_BACKEND", "MAIL_OUTBOX", "MAIL_SENDER", "SES_REGION", "SES_CONFIGURATION_SET"):
        if env.get(key):
            config[key] = env[key]
    return config


def repository_for(config: Mapping[str, Any]) -> RegistrationRepository:
    resource = dynamodb_resource(config["AWS_REGION"], config.get("DYNAMODB_ENDPOINT"))
    return RegistrationRepository(resource.Table(config["REGISTRATIONS_TABLE"]))


# --- terminal output ---------------------------------------------------------------------------------------------


class Progress:
    """A single updating line on a terminal (stderr); nothing at all when disabled."""

    def __init__(self, stream: IO[str], enabled: bool, every: float = 0.1):
        self.stream = stream
        self.enabled = enabled
        self.every = every
        self.last = 0.0
        self.shown = False

    def update(self, text: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self.last >= self.every:
            self.last = now
            self.stream.write("\r\x1b[2K" + text)
            self.stream.flush()
            self.shown = True

    def clear(self) -> None:
        if self.enabled and self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False


def fetch_all(repository: RegistrationRepository, event: Event, progress: Progress) -> list[dict]:
    items = []
    for item in repository.for_event(event.id):
        items.append(item)
        progress.update(f"Aanmeldingen ophalen: {dutch_number(len(items))}")
    progress.update(f"Aanmeldingen ophalen: {dutch_number(len(items))}", force=True)
    progress.clear()
    return items


def _isatty(stream: IO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _binary(stream: IO) -> IO[bytes]:
    return getattr(stream, "buffer", stream)


# --- the commands ------------------------------------------------------------------------------------------------


def parse_delimiter(value: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "puntkomma": ";", "komma": ","}
    value = named.get(value.lower(), value)
    if len(value) != 1 or value in '"\r\n' or value.isalnum():
        raise argparse.ArgumentTypeError("gebruik één leesteken, zoals ; of , (of: tab)")
    return value


def parse_rate(value: str) -> float:
    try:
        rate = float(value.replace(",", "."))
    except ValueError:
        rate = 0.0
    if not 0 < rate <= 1000:
        raise argparse.ArgumentTypeError("geef een aantal berichten per seconde, groter dan 0, zoals 10 of 0,5")
    return rate


def write_output(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write next to the target and move it into place: a failed export never leaves half a file.

    The file holds personal data, so only its owner may read it.
    """
    path = path.expanduser()
    directory = path.resolve().parent
    if not directory.is_dir():
        raise UsageError(f"De map {directory} bestaat niet.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as stream:
            write(stream)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def command_export(args, store: Mapping, event: Event, stdout: IO, stderr: IO) -> int:
    fmt = args.format or ("xlsx" if args.output and args.output.suffix.lower() == ".xlsx" else "csv")
    if fmt == "xlsx" and args.output is None and _isatty(stdout):
        raise UsageError("Een xlsx-bestand kan niet op het scherm: geef een bestandsnaam op met -o aanmeldingen.xlsx.")
    if fmt == "xlsx" and args.delimiter != CSV_DEFAULT_DELIMITER:
        raise UsageError("--delimiter hoort bij --format csv.")
    tty = _isatty(stderr)
    progress = Progress(stderr, tty and (args.output is not None or _isatty(stdout)))
    items = fetch_all(repository_for(store), event, progress)
    header, rows = export_rows(items, include_cancelled=args.include_cancelled)

    def write(stream: IO[bytes]) -> None:
        if fmt == "xlsx":
            write_xlsx(stream, header, rows)
        else:
            write_csv(stream, header, rows, delimiter=args.delimiter)

    if args.output is not None:
        write_output(args.output, write)
    else:
        out = _binary(stdout)
        if fmt == "xlsx":
            buffer = io.BytesIO()
            write(buffer)
            out.write(buffer.getvalue())
        else:
            write(out)
        out.flush()
    if tty:
        left_out = 0 if args.include_cancelled else sum(1 for i in items if not is_active(i))
        where = f" naar {args.output}" if args.output is not None else ""
        note = f" ({dutch_number(left_out)} afgemeld, niet meegenomen)" if left_out else ""
        stderr.write(f"{dutch_number(len(rows))} aanmeldingen geëxporteerd{where}{note}.\n")
    return EXIT_OK


def command_summary(args, store: Mapping, event: Event, stdout: IO, stderr: IO) -> int:
    progress = Progress(stderr, _isatty(stderr) and _isatty(stdout))
    items = fetch_all(repository_for(store), event, progress)
    stdout.write(render_summary(summarise(items, event), event))
    return EXIT_OK


def followup_content(args) -> FollowupContent:
    teams_link, papers = args.teams_link, [tuple(p) for p in args.paper or []]
    if args.content_file is not None:
        from_file = FollowupContent.from_file(args.content_file)
        teams_link = teams_link or from_file.teams_link
        papers = papers or [(p.title, p.url) for p in from_file.papers]
    return FollowupContent.build(teams_link, papers)


def mail_settings(args, store: Mapping) -> dict:
    config = dict(store)
    if args.mail:
        config["MAIL_BACKEND"] = args.mail
    if args.outbox:
        config["MAIL_OUTBOX"] = str(args.outbox)
    if args.mail_from:
        config["MAIL_SENDER"] = args.mail_from
    if config.get("MAIL_BACKEND", "outbox") not in ("outbox", "ses"):
        raise UsageError("MAIL_BACKEND moet outbox of ses zijn.")
    if not config.get("MAIL_SENDER"):
        raise UsageError("Geef de afzender op: --from 'VNG <adres@vng.nl>' (of MAIL_SENDER), een adres dat in SES "
                         "is geverifieerd.")
    return config


def _person(item: Mapping[str, Any]) -> str:
    name = " ".join(str(item.get(k, "")).strip() for k in ("given_name", "family_name")).strip()
    return f"{name} <{item.get('email', '')}>"


def describe_unconfirmed(plan: Plan, now: dt.datetime, mode: str, dry_run: bool) -> list[str]:
    if not plan.unconfirmed:
        return []
    lines = ["", f"Onbevestigd: {len(plan.unconfirmed)}. Bij deze aanmeldingen is het versturen begonnen, maar niet "
                 "vastgelegd of het gelukt is (bijvoorbeeld doordat een eerdere run werd afgebroken):"]
    for item in plan.unconfirmed:
        busy = "" if is_stale(item, now) else "  (mogelijk nog bezig in een andere run: wordt niet aangeraakt)"
        lines.append(f"  {_person(item)}, begonnen op {item.get(CLAIMED_AT, '?')}{busy}")
    if mode == "report":
        lines += [
            "  Deze krijgen niet vanzelf opnieuw een mail, zodat niemand hem twee keer krijgt. Controleer of de mail",
            "  is aangekomen (SES: de verzendlogboeken; lokaal: de outbox-map). Daarna:",
            "    niet aangekomen: registrations send-followup ... --unconfirmed resend",
            "    wel aangekomen:  registrations send-followup ... --unconfirmed mark-sent",
        ]
    else:
        what = "opnieuw verstuurd" if mode == "resend" else "als verstuurd vastgelegd, zonder nieuwe mail"
        when = "bij een echte run " if dry_run else "nu "
        lines.append(f"  Deze worden {when}{what} (behalve die mogelijk nog bezig zijn).")
    return lines


def command_send_followup(args, store: Mapping, event: Event, stdout: IO, stderr: IO,
                          clock: Callable[[], dt.datetime]) -> int:
    content = followup_content(args)
    mail = mail_settings(args, store)
    progress = Progress(stderr, _isatty(stderr))
    items = fetch_all(repository_for(store), event, progress)
    plan = make_plan(items)
    now = clock()
    out: list[str] = []
    if args.dry_run:
        out.append("Proefrun: er wordt niets verstuurd en niets vastgelegd.")
    out += [
        f"Ontvangers: {dutch_number(len(plan.to_send))}",
        f"Eerder al verstuurd (overgeslagen): {dutch_number(len(plan.already_sent))}",
        f"Afgemeld (krijgen geen mail): {dutch_number(len(plan.cancelled))}",
    ]
    out += describe_unconfirmed(plan, now, args.unconfirmed, args.dry_run)
    if args.dry_run:
        stdout.write("\n".join(out) + "\n")
        return dry_run(plan, event, content, mail, stdout, now)

    # Unconfirmed sends this run leaves as they are: all of them when only reporting, else the fresh ones.
    left_unconfirmed = [i for i in plan.unconfirmed if args.unconfirmed == "report" or not is_stale(i, now)]
    if not plan.to_send and len(left_unconfirmed) == len(plan.unconfirmed):
        out.append("\nEr is niemand die de vervolgmail nog moet krijgen.")
        stdout.write("\n".join(out) + "\n")
        return EXIT_ATTENTION if left_unconfirmed else EXIT_OK

    backend = mail.get("MAIL_BACKEND", "outbox")
    where = "Amazon SES" if backend == "ses" else f"de outbox-map {mail['MAIL_OUTBOX']}"
    out.append(f"\nVersturen via {where}, met hoogstens {args.rate:g} berichten per seconde.")
    stdout.write("\n".join(out) + "\n")
    stdout.flush()

    stop = {"requested": False}
    mailing = FollowupMailing(
        event, repository_for(store), sender_from_settings(Settings.from_env(mail)), content, mail["MAIL_SENDER"], clock,
        RateLimiter(args.rate), report=lambda line: progress.update(line), stop_requested=lambda: stop["requested"],
    )
    with stop_after_current_message(stop, stderr):
        outcome = mailing.run(plan, unconfirmed=args.unconfirmed)
    progress.clear()
    stdout.write(render_outcome(outcome, left_unconfirmed))
    return EXIT_ATTENTION if outcome.needs_attention or left_unconfirmed else EXIT_OK


def dry_run(plan: Plan, event: Event, content: FollowupContent, mail: Mapping, stdout: IO,
            now: dt.datetime) -> int:
    lines = []
    if plan.to_send:
        lines += ["", "Ontvangers van deze run:"]
        lines += [f"  {_person(item)}, {item.get('organisation', '')}" for item in plan.to_send]
    example = plan.to_send[0] if plan.to_send else {
        "given_name": "Voornaam", "family_name": "Achternaam", "email": "naam@voorbeeld.nl"}
    message = build_message(event, example, content, mail["MAIL_SENDER"], now)
    lines += ["", "Het bericht" + (" aan de eerste ontvanger" if plan.to_send else " (voorbeeld)") + ":", "-" * 72]
    for header in ("From", "To", "Reply-To", "Subject"):
        lines.append(f"{header}: {message[header]}")
    lines.append("")
    lines.append(message.get_body(("plain",)).get_content().rstrip("\n"))
    lines += ["-" * 72, "(Het bericht heeft ook een HTML-versie met dezelfde tekst en links.)"]
    stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def render_outcome(outcome: Outcome, left_unconfirmed: Sequence[Mapping]) -> str:
    lines = ["", f"Verstuurd: {dutch_number(len(outcome.sent))}"]
    if outcome.marked_sent:
        lines.append(f"Als verstuurd vastgelegd (zonder nieuwe mail): {dutch_number(len(outcome.marked_sent))}")
    if outcome.skipped:
        lines.append(f"Overgeslagen (intussen afgemeld of door een andere run opgepakt): {len(outcome.skipped)}")
    if outcome.failed:
        lines.append(f"Mislukt: {len(outcome.failed)}. Deze worden bij een volgende run opnieuw geprobeerd:")
        lines += [f"  {email}: {reason}" for email, reason in outcome.failed]
    if outcome.unrecorded:
        lines.append(f"Verstuurd maar niet vastgelegd: {len(outcome.unrecorded)}. Deze blijven ‘onbevestigd’ "
                     "en krijgen niet vanzelf nog een mail:")
        lines += [f"  {email}" for email in outcome.unrecorded]
    if outcome.stopped_early:
        lines.append(f"Gestopt voor het einde: {outcome.stopped_early}. Start dezelfde opdracht opnieuw om verder te "
                     "gaan; wie de mail al heeft, krijgt hem niet nog een keer.")
    if left_unconfirmed:
        lines.append(f"Nog onbevestigd: {len(left_unconfirmed)} (zie hierboven).")
    if not outcome.needs_attention and not left_unconfirmed:
        lines.append("Klaar: iedereen die zich heeft aangemeld, heeft de vervolgmail gekregen.")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def stop_after_current_message(stop: dict, stderr: IO) -> Iterator[None]:
    """Ctrl-C finishes the message being sent and records it before stopping; a second Ctrl-C stops at once."""
    try:
        previous = signal.getsignal(signal.SIGINT)
    except ValueError:
        yield
        return

    def handler(signum, frame):
        if stop["requested"]:
            raise KeyboardInterrupt
        stop["requested"] = True
        stderr.write("\nStoppen na het bericht dat nu wordt verstuurd (nog een keer Ctrl-C: direct stoppen).\n")

    try:
        signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# --- the parser --------------------------------------------------------------------------------------------------


class DutchHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, prefix if prefix is not None else "gebruik: ")


def _dutch(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """argparse speaks English; staff read Dutch."""
    parser.formatter_class = DutchHelpFormatter
    parser._positionals.title = "opdrachten"
    parser._optionals.title = "opties"
    parser.add_argument("-h", "--help", action="help", help="toon deze uitleg")
    return parser


def build_parser() -> argparse.ArgumentParser:
    store = argparse.ArgumentParser(add_help=False)
    where = store.add_argument_group("waar de aanmeldingen staan (zonder deze opties: de lokale opslag van make run)")
    where.add_argument("--table", metavar="NAAM", help="DynamoDB-tabel in AWS (of REGISTRATIONS_TABLE)")
    where.add_argument("--region", metavar="REGIO", help="AWS-regio van de tabel, zoals eu-central-1 (of AWS_REGION)")
    where.add_argument("--profile", metavar="PROFIEL", help="uw AWS-profiel (of AWS_PROFILE)")

    parser = _dutch(argparse.ArgumentParser(
        prog="registrations", add_help=False,
        description="Aanmeldingen voor de netwerkbijeenkomst: exporteren, tellen en de vervolgmail versturen.",
        epilog="Uitleg voor organisatoren: STAFF.md in de repository.",
    ))
    commands = parser.add_subparsers(dest="command", required=True, metavar="OPDRACHT")

    export = _dutch(commands.add_parser(
        "export", parents=[store], add_help=False, help="aanmeldingen als CSV of Excel-bestand",
        description="Alle aanmeldingen als CSV (standaard) of xlsx, gesorteerd op organisatie en achternaam."))
    export.add_argument("--format", choices=("csv", "xlsx"),
                        help="csv (UTF-8, ; als scheidingsteken) of xlsx; standaard volgt het de extensie van -o")
    export.add_argument("-o", "--output", type=Path, metavar="BESTAND", help="schrijf naar dit bestand "
                        "(zonder -o: CSV op het scherm of naar een pipe)")
    export.add_argument("--delimiter", type=parse_delimiter, default=CSV_DEFAULT_DELIMITER, metavar="TEKEN",
                        help="scheidingsteken voor CSV (standaard ;, voor Nederlandse Excel)")
    export.add_argument("--include-cancelled", action="store_true",
                        help="neem ook afmeldingen mee, met een kolom Status")

    _dutch(commands.add_parser("summary", parents=[store], add_help=False, help="aantallen per organisatie en per rol",
                               description="Het aantal aanmeldingen per organisatie en per rol, en het totaal."))

    followup = _dutch(commands.add_parser(
        "send-followup", parents=[store], add_help=False, help="de vervolgmail met Teams-link en stukken",
        description="Stuurt iedereen die is aangemeld één keer de vervolgmail met de Teams-link en de stukken. "
                    "Een tweede run stuurt alleen naar wie hem nog niet heeft (zoals late aanmelders)."))
    followup.add_argument("--teams-link", metavar="URL", help="de link naar de Teams-vergadering")
    followup.add_argument("--paper", nargs=2, action="append", metavar=("TITEL", "URL"),
                          help="een stuk voor de vergadering (herhaal voor meer stukken)")
    followup.add_argument("--content-file", type=Path, metavar="BESTAND",
                          help="TOML-bestand met teams_link en [[papers]] (title, url); opties gaan voor")
    followup.add_argument("--dry-run", action="store_true", help="laat de ontvangers en het bericht zien, "
                          "zonder iets te versturen of vast te leggen")
    followup.add_argument("--rate", type=parse_rate, default=DEFAULT_RATE, metavar="AANTAL",
                          help=f"hoogstens zoveel berichten per seconde (standaard {DEFAULT_RATE:g}; SES-quotum)")
    followup.add_argument("--unconfirmed", choices=UNCONFIRMED_CHOICES, default="report",
                          help="wat te doen met onbevestigde verzendingen: alleen melden (standaard), opnieuw "
                               "versturen, of als verstuurd vastleggen")
    followup.add_argument("--mail", choices=("outbox", "ses"), help="versturen via de lokale outbox-map "
                          "(standaard) of Amazon SES (of MAIL_BACKEND)")
    followup.add_argument("--outbox", type=Path, metavar="MAP", help="de outbox-map (of MAIL_OUTBOX)")
    followup.add_argument("--from", dest="mail_from", metavar="AFZENDER", help="afzender (of MAIL_SENDER)")
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None,
         stdout: IO[str] | None = None, stderr: IO[str] | None = None,
         clock: Callable[[], dt.datetime] | None = None, data_dir: Path | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    env = os.environ if env is None else env
    clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        event = load_event()
        with open_store(args, env, data_dir or DATA_DIR) as (store, description):
            try:
                if args.command == "export":
                    return command_export(args, store, event, stdout, stderr)
                if args.command == "summary":
                    return command_summary(args, store, event, stdout, stderr)
                return command_send_followup(args, store, event, stdout, stderr, clock)
            except StoreUnavailable as exc:
                cause = exc.__cause__
                stderr.write(f"De aanmeldingen konden niet worden gelezen of bijgewerkt ({description}).\n"
                             f"Oorzaak: {cause or 'onbekend'}\n")
                return EXIT_ATTENTION
    except (UsageError, FollowupContentError) as exc:
        stderr.write(f"registrations: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader (such as `head`) stopped early: not an error. Point stdout at /dev/null so that Python's
        # final flush does not complain about the closed pipe.
        if stdout is sys.stdout:
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
