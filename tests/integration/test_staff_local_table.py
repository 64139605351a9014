"""With no configuration the staff command reads the local table of `make run`, running or not."""

from __future__ import annotations

import json

import pytest
from boto3.dynamodb.conditions import Key

from registrations.local.dynalite import ENDPOINT_FILE_NAME, LOCAL_TABLE, Dynalite, local_config, prepare_table
from registrations.repository import dynamodb_resource

from .staff_support import put_items, registration, run_cli


def make_run_dynalite(data_dir):
    """dynalite as `make run` starts it: on data_dir/dynalite, announcing its endpoint."""
    return Dynalite(data_dir=data_dir / "dynalite", endpoint_file=data_dir / ENDPOINT_FILE_NAME)


def local_table(dynalite, data_dir):
    config = local_config(dynalite, data_dir=data_dir)
    prepare_table(config)
    return dynamodb_resource(config["AWS_REGION"], config["DYNAMODB_ENDPOINT"]).Table(LOCAL_TABLE)


@pytest.fixture
def data_dir(tmp_path, dynalite):  # the session dynalite sets the local credentials
    return tmp_path / ".data"


def test_make_run_announces_its_endpoint_only_while_it_runs(data_dir):
    server = make_run_dynalite(data_dir)
    with server:
        info = json.loads((data_dir / ENDPOINT_FILE_NAME).read_text(encoding="utf-8"))
        assert info == {"endpoint": server.endpoint, "pid": server.process.pid}
    assert not (data_dir / ENDPOINT_FILE_NAME).exists()


def test_export_reads_the_running_make_run_table_and_then_the_stopped_one(data_dir):
    # Given make run's dynalite running, holding the lock on .data/dynalite, with one registration
    with make_run_dynalite(data_dir) as server:
        put_items(local_table(server, data_dir), [registration(1)])

        # When staff export with no configuration at all
        code, stdout, stderr = run_cli(["export"], {}, data_dir=data_dir)

        # Then they get it through the running dynalite (opening the locked folder a second time would fail)
        assert code == 0, stderr
        assert registration(1)["email"].encode() in stdout

    # And after make run has stopped, the command opens the same folder itself
    code, stdout, stderr = run_cli(["export"], {}, data_dir=data_dir)
    assert code == 0, stderr
    assert registration(1)["email"].encode() in stdout


def test_a_stale_endpoint_file_from_a_killed_run_is_ignored(data_dir):
    with make_run_dynalite(data_dir) as server:
        put_items(local_table(server, data_dir), [registration(2)])
    # A run killed with SIGKILL leaves its file behind; it points at a process that is gone.
    (data_dir / ENDPOINT_FILE_NAME).write_text(json.dumps({"endpoint": server.endpoint, "pid": server.process.pid}))

    code, stdout, stderr = run_cli(["summary"], {}, data_dir=data_dir)

    assert code == 0, stderr
    assert "Totaal aangemeld: 1" in stdout.decode()


def test_the_follow_up_is_published_into_the_local_table(data_dir):
    with make_run_dynalite(data_dir) as server:
        put_items(local_table(server, data_dir), [registration(3)])
        code, stdout, _ = run_cli(
            [
                "send-followup",
                "--teams-link",
                "https://teams.example/l/1",
                "--paper",
                "Agenda",
                "https://vng.example/a.pdf",
                "--ja",
                "--niet-wachten",
            ],
            {},
            data_dir=data_dir,
        )
        published = local_table(server, data_dir).query(KeyConditionExpression=Key("event").eq("publications"))
    assert code == 0, stdout.decode()
    assert "Gepubliceerd: versie 1" in stdout.decode()
    # Published into the local table, where make run's worker finds it
    assert [item["teams_link"] for item in published["Items"]] == ["https://teams.example/l/1"]


def test_a_dynalite_folder_locked_by_another_program_is_a_clear_dutch_error(data_dir):
    # An older make run (or anything else) holds the lock without announcing an endpoint.
    with Dynalite(data_dir=data_dir / "dynalite") as server:
        local_table(server, data_dir)
        code, stdout, stderr = run_cli(["export"], {}, data_dir=data_dir)
    assert code == 2 and stdout == b""
    assert "kan niet worden geopend. Gebruikt een ander programma hem" in stderr
