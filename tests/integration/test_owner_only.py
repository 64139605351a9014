"""Local files with personal data or secrets are owner-only, whatever the umask: .data/, the dynalite store, the
outbox's .eml files, the token secret. (The staff exports: tests/integration/test_staff_export.py.)"""

from __future__ import annotations

import os
import stat
from email.message import EmailMessage
from pathlib import Path

import pytest

from registrations.dev.run import run_lock
from registrations.local.dynalite import Dynalite, local_token_secret, use_local_credentials
from registrations.mail.senders import OutboxSender
from registrations.repository import dynamodb_resource


@pytest.fixture(autouse=True)
def permissive_umask():
    """The usual umask (0022) makes files readable by everyone unless the code says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_owner_only(root: Path) -> None:
    assert mode(root) == 0o700, root
    for path in root.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert mode(path) & ~expected == 0 and mode(path) & 0o077 == 0, f"{path}: {oct(mode(path))}"


def test_the_token_secret_and_its_folder_are_owner_only(tmp_path):
    data = tmp_path / ".data"
    local_token_secret(data)
    assert mode(data) == 0o700
    assert mode(data / "token-secret") == 0o600


def test_a_token_secret_made_by_an_older_version_is_made_owner_only(tmp_path):
    data = tmp_path / ".data"
    data.mkdir(mode=0o755)
    (data / "token-secret").write_text("old-secret")
    (data / "token-secret").chmod(0o644)
    assert local_token_secret(data) == "old-secret"
    assert mode(data) == 0o700
    assert mode(data / "token-secret") == 0o600


def test_make_runs_data_folder_is_owner_only_also_when_it_existed(tmp_path):
    data = tmp_path / ".data"
    data.mkdir(mode=0o755)
    with run_lock(data, 8000):
        assert mode(data) == 0o700


def test_the_outbox_and_its_messages_are_owner_only(tmp_path):
    outbox = tmp_path / ".data" / "outbox"
    message = EmailMessage()
    message["Subject"] = "Bevestiging"
    message.set_content("Uw persoonlijke link")
    OutboxSender(outbox).send(message, "jan@gemeente.example")
    [eml] = outbox.glob("*.eml")
    assert mode(outbox) == 0o700
    assert mode(eml) == 0o600


def test_the_dynalite_store_is_owner_only(tmp_path):
    use_local_credentials()
    store = tmp_path / ".data" / "dynalite"
    with Dynalite(data_dir=store) as server:
        client = dynamodb_resource("eu-central-1", server.endpoint).meta.client
        client.create_table(
            TableName="owner-only",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        )
        client.put_item(TableName="owner-only", Item={"k": "jan@gemeente.example"})
    assert any(store.rglob("*")), "dynalite wrote its store"
    assert_owner_only(store)


def test_the_one_owner_only_writer_replaces_a_whole_file_and_leaves_nothing_when_the_write_fails(tmp_path):
    from registrations.local.owner_only import replace_private, write_private

    target = tmp_path / "aanmeldingen.csv"
    target.write_bytes(b"old")
    target.chmod(0o644)
    write_private(target, b"new")
    assert (target.read_bytes(), mode(target)) == (b"new", 0o600)

    def broken(stream):
        stream.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        replace_private(target, broken)
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aanmeldingen.csv"]
