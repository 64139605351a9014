"""Where the registrations are: the table in AWS, or the local table of `make run` (dynalite).

With --table and --region (or REGISTRATIONS_TABLE and AWS_REGION) the command reads the table in AWS with the staff
member's own credentials (AWS_PROFILE or --profile). Without them it reads the local table of `make run`: through
its running dynalite when there is one, else by starting dynalite on .data/dynalite itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import urlsplit

from ..errors import StoreUnavailable
from ..local.dynalite import (
    DYNALITE_CLI,
    ENDPOINT_FILE_NAME,
    LOCAL_REGION,
    LOCAL_TABLE,
    Dynalite,
    local_config,
    prepare_table,
    use_local_credentials,
)
from ..meeting import Meeting
from ..repository import RegistrationRepository, dynamodb_resource
from . import EXIT_ATTENTION, UsageError
from .errors import Target, explain

# Mail settings set in the environment win over the local defaults.
LOCAL_OVERRIDES = ("MAIL_BACKEND", "MAIL_OUTBOX", "MAIL_SENDER", "SES_REGION", "SES_CONFIGURATION_SET")


@dataclass(frozen=True)
class Where:
    """The table options and the meeting (--bijeenkomst) as the staff member gave them (None: not given)."""

    table: str | None = None
    region: str | None = None
    profile: str | None = None
    meeting: str | None = None


@dataclass(frozen=True)
class Table:
    """The table to use, with the function's settings for it (a dict, as the mail senders take it)."""

    config: Mapping[str, Any]
    description: str  # Dutch, for messages: which table this is
    profile: str | None = None  # the staff member's AWS profile (None: AWS_PROFILE or boto3's default)

    def repository(self) -> RegistrationRepository:
        import boto3

        # A session of its own, with the profile given: boto3's default session keeps whatever it resolved first.
        session = boto3.Session(profile_name=self.profile)
        resource = dynamodb_resource(self.config["AWS_REGION"], self.config.get("DYNAMODB_ENDPOINT") or None, session)
        return RegistrationRepository(resource.Table(self.config["REGISTRATIONS_TABLE"]))

    @property
    def target(self) -> Target:
        return Target(self.config.get("REGISTRATIONS_TABLE"), self.config.get("AWS_REGION"), self.profile)


def run_on_table(
    where: Where,
    env: Mapping[str, str],
    data_dir: Path,
    stderr: IO[str],
    job: Callable[[Table, Meeting], int],
    meeting: Meeting,
) -> int:
    """Run a command's job on the table, for the meeting chosen (choosing.py); when AWS or the table says no, say
    why and what to do, in Dutch."""
    from botocore.exceptions import BotoCoreError, ClientError  # not with the module: --help loads no botocore

    with open_table(where, env, data_dir) as table:
        try:
            return job(table, meeting)
        except (StoreUnavailable, BotoCoreError, ClientError) as exc:
            explained = explain(exc, table.target)
            if explained is not None:
                stderr.write(f"registrations: {explained[1]}\n")
                return explained[0]
            stderr.write(
                f"De aanmeldingen konden niet worden gelezen of bijgewerkt ({table.description}).\n"
                f"Oorzaak: {type(exc.__cause__ or exc).__name__}. Probeer het over een paar minuten opnieuw.\n"
            )
            return EXIT_ATTENTION


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


# The function's settings a staff member may set in the environment (STAFF.md).
ENV_NAMES = (
    "REGISTRATIONS_TABLE",
    "AWS_REGION",
    "DYNAMODB_ENDPOINT",
    "MAIL_BACKEND",
    "MAIL_OUTBOX",
    "MAIL_SENDER",
    "SES_REGION",
    "SES_CONFIGURATION_SET",
    "AWS_PROFILE",
)


def settings_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment's settings under their own names, as the staff command passes them on; the table, region
    and outbox are always there ('' when unset), the others only when set."""
    settings = {"REGISTRATIONS_TABLE": "", "AWS_REGION": "", "MAIL_OUTBOX": ""}
    settings.update({name: env[name] for name in ENV_NAMES if env.get(name)})
    settings["AWS_REGION"] = settings["AWS_REGION"] or env.get("AWS_DEFAULT_REGION", "")
    return settings


@contextlib.contextmanager
def open_table(where: Where, env: Mapping[str, str], data_dir: Path) -> Iterator[Table]:
    """The table to use; a dynalite started for it is stopped again when the block ends."""
    settings = settings_from_env(env)
    table = where.table or settings["REGISTRATIONS_TABLE"]
    if where.region and not table:
        raise UsageError("Geef bij --region ook de tabel op: --table NAAM (of REGISTRATIONS_TABLE).")
    if table:
        region = where.region or settings["AWS_REGION"]
        if not region:
            raise UsageError("Geef ook de AWS-regio van de tabel op: --region eu-central-1 (of AWS_REGION).")
        config = {**settings, "REGISTRATIONS_TABLE": table, "AWS_REGION": region}
        if where.profile:
            # Handed on, not put in os.environ: the table's session and the SES sender each take it from here.
            config["AWS_PROFILE"] = where.profile
        config["MAIL_OUTBOX"] = settings["MAIL_OUTBOX"] or str(data_dir / "outbox")
        yield Table(config, f"tabel {table} in {region}", where.profile or env.get("AWS_PROFILE") or None)
        return

    use_local_credentials()
    endpoint = running_local_endpoint(data_dir)
    if endpoint is None and (shutil.which("node") is None or not DYNALITE_CLI.exists()):
        raise UsageError(NO_LOCAL_TABLE)
    if endpoint is not None:
        yield Table(local_settings(endpoint, data_dir, env), f"de lokale opslag van make run ({endpoint})")
        return
    with started_dynalite(data_dir / "dynalite") as dynalite:
        config = local_settings(dynalite.endpoint, data_dir, env)
        try:
            prepare_table(config)
        # Whatever dynalite's refusal of a locked folder looks like through boto3 (a ClientError, a dropped
        # connection), the staff member can only act on it as a folder in use.
        except Exception as exc:  # noqa: BLE001
            raise UsageError(f"{in_use(data_dir / 'dynalite')} ({type(exc).__name__})") from exc
        yield Table(config, f"de lokale opslag ({data_dir / 'dynalite'})")


@contextlib.contextmanager
def started_dynalite(folder: Path) -> Iterator[Dynalite]:
    dynalite = Dynalite(data_dir=folder)
    try:
        dynalite.start()
    except RuntimeError as exc:
        raise UsageError(f"{in_use(folder)} ({exc})") from exc
    try:
        yield dynalite
    finally:
        dynalite.stop()


# Installed from the wheel, without the repository: there is no local table, only the table in AWS.
NO_LOCAL_TABLE = (
    "Geef op welke tabel in AWS u wilt gebruiken: --table NAAM --region eu-central-1 --profile UW-PROFIEL\n"
    "(of zet REGISTRATIONS_TABLE, AWS_REGION en AWS_PROFILE). Zonder --table leest het commando de proefomgeving "
    "van make run, en die is op deze computer niet geïnstalleerd."
)


def in_use(folder: Path) -> str:
    return (
        f"De lokale opslag ({folder}) kan niet worden geopend. Gebruikt een ander programma hem, zoals een "
        "`make run` van een oudere versie? Stop dat en probeer het opnieuw."
    )


def local_settings(endpoint: str, data_dir: Path, env: Mapping[str, str]) -> dict[str, Any]:
    # local_config reads only the endpoint of the dynalite it is given; this one may be make run's.
    config = local_config(cast(Dynalite, types.SimpleNamespace(endpoint=endpoint)), data_dir=data_dir)
    config.update({"REGISTRATIONS_TABLE": LOCAL_TABLE, "AWS_REGION": LOCAL_REGION})
    for key in LOCAL_OVERRIDES:
        if env.get(key):
            config[key] = env[key]
    return config
