"""The staff command when AWS says no: a Dutch message with the next step and its own exit code, never a traceback.

Each case is the real thing where it can be made locally: a config file with a profile, missing credentials, an
SSO profile without a sign-in, the test dynalite without the table, a closed port, and an HTTP server that answers
as DynamoDB does when a policy is missing.
"""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from registrations.local.dynalite import free_port
from registrations.staff import EXIT_CODES, reporting
from registrations.staff import table as staff_table

from .staff_support import put_items, registration, run_cli

SSO_CONFIG = """
[profile vng-lezer]
sso_session = vng
sso_account_id = 123456789012
sso_role_name = Lezer
region = eu-central-1

[sso-session vng]
sso_start_url = https://vng-test.awsapps.example/start
sso_region = eu-central-1
"""


@pytest.fixture
def no_aws_sign_in(monkeypatch, tmp_path):
    """A computer with the AWS CLI configured (one SSO profile) but no keys in the environment."""
    config = tmp_path / "aws-config"
    config.write_text(SSO_CONFIG, encoding="utf-8")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.setenv(name, "placeholder")  # so that teardown restores the value the session had
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)


def assert_dutch_without_traceback(stderr: str, code: int, expected_code: int, *phrases: str) -> None:
    assert code == expected_code, stderr
    english = ("Traceback", 'File "', "botocore", "An error occurred", "Unable to locate", "could not be found")
    assert not [text for text in english if text in stderr], stderr
    for phrase in phrases:
        assert phrase in stderr, stderr


def test_a_profile_that_does_not_exist(staff_env, no_aws_sign_in):
    code, stdout, stderr = run_cli(["summary", "--profile", "vng-lezr"], staff_env)
    assert_dutch_without_traceback(
        stderr,
        code,
        3,
        "Het AWS-profiel ‘vng-lezr’ bestaat niet op deze computer",
        "aws configure list-profiles",
        "aws configure sso",
    )
    assert stdout == b""


def test_no_credentials_at_all(staff_env, no_aws_sign_in):
    code, _, stderr = run_cli(["export"], staff_env)
    assert_dutch_without_traceback(
        stderr, code, 3, "U bent niet aangemeld bij AWS", "aws sso login --profile UW-PROFIEL"
    )


def test_an_sso_sign_in_that_expired(staff_env, no_aws_sign_in):
    code, _, stderr = run_cli(["summary", "--profile", "vng-lezer"], staff_env)
    assert_dutch_without_traceback(
        stderr, code, 3, "Uw aanmelding bij AWS is verlopen", "Log opnieuw in met: aws sso login --profile vng-lezer"
    )


def test_a_table_that_does_not_exist(staff_env):
    code, _, stderr = run_cli(["export", "--table", "vng-registrations-prodcution"], staff_env)
    assert_dutch_without_traceback(
        stderr,
        code,
        5,
        "De tabel ‘vng-registrations-prodcution’ bestaat niet in regio",
        "Europe (Frankfurt), eu-central-1",
    )


def test_no_network(staff_env):
    closed = f"http://127.0.0.1:{free_port()}"
    code, _, stderr = run_cli(["summary"], {**staff_env, "DYNAMODB_ENDPOINT": closed})
    assert_dutch_without_traceback(
        stderr, code, 6, "Er is geen verbinding met AWS (eu-central-1)", "Controleer uw internetverbinding"
    )


class DeniedByPolicy(http.server.BaseHTTPRequestHandler):
    """Answers every DynamoDB call as AWS does for a role whose policy lacks the action."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        action = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
        body = json.dumps(
            {
                "__type": "com.amazon.coral.service#AccessDeniedException",
                "message": f"User: arn:aws:sts::123456789012:assumed-role/Lezer/jan is not authorized to perform: "
                f"dynamodb:{action} on resource: arn:aws:dynamodb:eu-central-1:123456789012:table/t",
            }
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def denying_endpoint():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DeniedByPolicy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_no_permission(staff_env, denying_endpoint):
    code, _, stderr = run_cli(["cancel", "a@b.example", "--ja"], {**staff_env, "DYNAMODB_ENDPOINT": denying_endpoint})
    assert_dutch_without_traceback(
        stderr,
        code,
        4,
        "U hebt in AWS geen toestemming voor deze opdracht (GetItem",
        "staff-operator",
        "STAFF.md, hoofdstuk 4",
    )


def test_anything_else_is_a_general_dutch_message(table, staff_env, monkeypatch):
    put_items(table, [registration(1)])

    def broken(*args, **kwargs):
        raise RuntimeError("stuk")

    monkeypatch.setattr(reporting, "render_summary", broken)
    code, _, stderr = run_cli(["summary"], staff_env)
    assert_dutch_without_traceback(
        stderr, code, 1, "Er ging iets onverwachts mis (RuntimeError)", "Stuur deze melding dan naar de beheerder"
    )


def test_without_make_run_installed_the_command_asks_for_the_table(monkeypatch, tmp_path):
    monkeypatch.setattr(staff_table, "DYNALITE_CLI", tmp_path / "no-dynalite" / "cli.js")
    code, _, stderr = run_cli(["summary"], {}, data_dir=tmp_path / ".data")
    assert_dutch_without_traceback(stderr, code, 2, "--table NAAM --region eu-central-1 --profile UW-PROFIEL")


def test_the_help_lists_every_exit_code_and_the_commands(capsys):
    code, _, _ = run_cli(["--help"], {})
    text = capsys.readouterr().out  # click writes the help itself
    assert code == 0
    for exit_code, meaning in EXIT_CODES.items():
        assert f"  {exit_code}  {meaning}" in text
    for command in ("export", "summary", "send-followup", "cancel", "resend"):
        assert f"  {command} " in text
