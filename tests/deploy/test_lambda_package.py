"""The Lambda zip from `zappa package` (`make package`), unpacked and run like AWS Lambda runs it.

Every call goes to Zappa's real handler (`handler.lambda_handler`, the copy of `zappa.handler` at the zip root that
Lambda is configured to call) in a fresh interpreter that sees only the zip and the stand-in for the Lambda
runtime's boto3 (deploy/lambda_env.py), with API Gateway proxy events. The function stores in a real dynalite.
"""

from __future__ import annotations

import json
import shutil
import struct
import sys
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode

import pytest
from boto3.dynamodb.conditions import Key

from deploy import package
from deploy.lambda_env import LAMBDA_RUNTIME_PACKAGES, api_gateway_event, invoke, runtime_dir, unpack
from deploy.package import SIZE_BUDGET_BYTES, ensure_package
from deploy.settings import stage_settings
from tests.mailbox import messages, personal_path_of
from tests.observed import check_emf, metric_values
from tests.ses_events import ses_event

EVENT_ID = "ibp-vth-2023-06-07"


@pytest.fixture(scope="session")
def lambda_zip():
    # `make test` builds it first; this reuses it, or builds it when an input changed.
    return ensure_package("production")


@pytest.fixture(scope="session")
def lambda_zip_names(lambda_zip):
    with zipfile.ZipFile(lambda_zip) as archive:
        return set(archive.namelist())


@pytest.fixture(scope="session")
def lambda_task(lambda_zip, tmp_path_factory):
    root = tmp_path_factory.mktemp("lambda")
    return unpack(lambda_zip, root / "task"), runtime_dir(root / "runtime")


@pytest.fixture
def function_env(app_config):
    """The Lambda's environment variables, pointing at this test's dynalite table and outbox.

    AWS_LAMBDA_FUNCTION_NAME stays unset on purpose: with it, the function ignores PREVIEW_NOW, and the real
    registration deadline (May 2023) has passed.
    """
    env = {key: str(value) for key, value in app_config.items() if value is not None}
    env.update(AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local")
    return env


# The handler Lambda is configured with: Zappa's `lambda_handler` setting, our dispatcher in front of Zappa's own.
LAMBDA_HANDLER = stage_settings("production")["lambda_handler"]


@pytest.fixture
def call(lambda_task, function_env):
    task_dir, runtime = lambda_task

    def call_handler(*events):
        result = invoke(task_dir, runtime, events, function_env, handler=LAMBDA_HANDLER)
        # Nothing may come from a venv: only the zip and the runtime stand-in are on the path.
        assert result["modules_from_site_packages"] == []
        return result

    return call_handler


# What a browser sends with a post from the site's own page (the origin guard refuses a post without it).
OWN_PAGE = {"Sec-Fetch-Site": "same-origin"}


def json_post(path, payload, headers=None):
    return api_gateway_event(
        "POST",
        path,
        body=json.dumps(payload),
        headers={"Content-Type": "application/json", "Accept": "application/json", **OWN_PAGE, **(headers or {})},
    )


def form_post(path, fields):
    return api_gateway_event(
        "POST",
        path,
        body=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html", **OWN_PAGE},
    )


def stored(table):
    return table.query(KeyConditionExpression=Key("event").eq(EVENT_ID))["Items"]


def test_the_zip_is_within_budget_and_holds_only_what_runs(lambda_zip, lambda_zip_names):
    assert lambda_zip.stat().st_size <= SIZE_BUDGET_BYTES
    top_level = {PurePosixPath(name).parts[0] for name in lambda_zip_names}
    # The function, Zappa's handler and the runtime dependencies are there ...
    assert {
        "handler.py",
        "zappa_settings.py",
        "registrations",
        "zappa",
        "flask",
        "werkzeug",
        "jinja2",
        "email_validator",
    } <= top_level
    assert "registrations/web/wsgi.py" in lambda_zip_names
    # The meetings' facts (docs/bijeenkomsten/), where the function looks first; their pages are the site's.
    assert "registrations/meetings/gedeeld.toml" in lambda_zip_names
    assert f"registrations/meetings/{EVENT_ID}/bijeenkomst.toml" in lambda_zip_names
    assert not [
        name for name in lambda_zip_names if name.startswith("registrations/meetings/") and name.endswith(".md")
    ]
    assert "registrations/repository/table_schema.json" in lambda_zip_names
    # ... and what Lambda provides, Zappa's deploy-time tools, the dev tools, tests, docs and the site are not.
    unwanted = {name.removesuffix(".py") for name in LAMBDA_RUNTIME_PACKAGES} | {
        "troposphere",
        "pip",
        "setuptools",
        "wheel",
        "pytest",
        "mkdocs",
        "material",
        "waitress",
        "playwright",
        "moto",
        "cfnlint",
        "tests",
        "docs",
        "site",
        "zappa_settings.json",
    }
    assert top_level.isdisjoint(unwanted), top_level & unwanted
    assert not [name for name in lambda_zip_names if "/tests/" in name or name.endswith(".dist-info/RECORD")]


def test_a_second_meetings_facts_ship_in_the_zip_and_load_from_it(lambda_zip, tmp_path, monkeypatch):
    # A second meeting as a folder (in a copy of docs/bijeenkomsten/): the zip's rebuild fingerprint changes, and
    # the zip carries its facts, which the catalogue reads from the unpacked zip as the function does on Lambda.
    from registrations.meeting import Meetings
    from tests.event_files import MEETINGS_ROOT

    meetings = tmp_path / "bijeenkomsten"
    shutil.copytree(MEETINGS_ROOT, meetings)
    second = meetings / "ibp-vth-2024-06-05"
    second.mkdir()
    own = (MEETINGS_ROOT / EVENT_ID / "bijeenkomst.toml").read_text(encoding="utf-8")
    own = own.replace(f'id = "{EVENT_ID}"', 'id = "ibp-vth-2024-06-05"').replace("2023-", "2024-")
    (second / "bijeenkomst.toml").write_text(own.replace("old_addresses = true", ""), encoding="utf-8")
    before = package.fingerprint("production")
    monkeypatch.setattr(package, "MEETINGS", meetings)
    assert package.fingerprint("production") != before
    raw_zip = package.zip_paths("production")[0]  # Zappa's own zip, before the recompile adds the facts
    rebuilt = package.recompile(raw_zip, tmp_path / "second.zip", Path(sys.executable))
    with zipfile.ZipFile(rebuilt) as archive:
        archive.extractall(
            tmp_path / "task", [n for n in archive.namelist() if n.startswith("registrations/meetings/")]
        )
    loaded = Meetings.load(tmp_path / "task" / "registrations" / "meetings")
    assert [m.id for m in loaded] == [EVENT_ID, "ibp-vth-2024-06-05"]
    assert loaded.get("ibp-vth-2024-06-05").starts_at.year == 2024
    assert len(loaded.get("ibp-vth-2024-06-05").organisations) == len(loaded.letter_meeting.organisations)


def test_the_zip_leaves_out_the_staff_command_the_local_runner_its_store_and_dns(lambda_zip_names):
    # Only what runs on Lambda ships: the staff command and the local runner run elsewhere, and dnspython is only
    # for email-validator's deliverability check, which the function switches off.
    for folder in ("registrations/staff/", "registrations/dev/", "dns/"):
        assert not [name for name in lambda_zip_names if name.startswith(folder)], folder
    # Nor does the local store (dynalite and the table's bootstrap), which only those two import; the owner-only
    # writers beside it in local/ do run on Lambda (the outbox, the console's files).
    local_store = [
        name
        for name in lambda_zip_names
        if name.startswith("registrations/local/") and PurePosixPath(name).name.startswith("store.")
    ]
    assert local_store == []
    assert "registrations/local/owner_only.py" in lambda_zip_names
    # The sub-packages that do run are there.
    assert {
        "registrations/web/api.py",
        "registrations/mail/senders.py",
        "registrations/mail/templates/confirmation.txt",
        "registrations/web/templates/_form.html",
    } <= lambda_zip_names


def test_the_zip_root_handler_is_zappas_own(lambda_zip):
    with zipfile.ZipFile(lambda_zip) as archive:
        assert archive.read("handler.py") == archive.read("zappa/handler.py")
        settings = archive.read("zappa_settings.py").decode()
    assert "APP_MODULE='registrations.web.wsgi'" in settings
    assert "APP_FUNCTION='app'" in settings
    assert "DEBUG=False" in settings
    assert "LOG_LEVEL='INFO'" in settings


def test_every_module_has_a_pyc_with_an_unchecked_hash(lambda_zip, lambda_zip_names):
    modules = [name for name in lambda_zip_names if name.endswith(".py")]
    assert len(modules) > 100
    with zipfile.ZipFile(lambda_zip) as archive:
        for module in modules:
            path = PurePosixPath(module)
            pyc = str(path.parent / "__pycache__" / f"{path.stem}.cpython-313.pyc")
            assert pyc in lambda_zip_names, f"{module} has no .pyc"
            # PEP 552: flags 0b01 = hash-based and not checked against the source, so the 1980 dates do not matter.
            (flags,) = struct.unpack("<I", archive.read(pyc)[4:8])
            assert flags == 0b01, f"{pyc} has flags {flags:#04b}"


def test_health(call):
    [response] = call(api_gateway_event("GET", "/api/health"))["responses"]
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}


def test_a_registration_lands_in_dynalite(call, table, valid_form):
    # Given an empty table, when a JSON registration comes through API Gateway
    [response] = call(json_post("/api/registrations", valid_form))["responses"]
    # Then the function answers 201 and the registration is stored
    assert response["statusCode"] == 201, response["body"]
    assert json.loads(response["body"])["registration"]["email"] == "j.vanthoff@gemeente.example"
    [item] = stored(table)
    assert item["email"] == "j.vanthoff@gemeente.example"
    assert item["status"] == "registered"


def test_with_an_origin_secret_only_requests_that_came_through_cloudfront_are_answered(
    lambda_task, function_env, table, valid_form
):
    task_dir, runtime = lambda_task
    secret = "a" * 43
    env = {**function_env, "ORIGIN_SECRET": secret}
    # Straight to the execute-api address (no header, or a guessed one), then through CloudFront
    direct, guessed, through = invoke(
        task_dir,
        runtime,
        [
            json_post("/api/registrations", valid_form),
            json_post("/api/registrations", valid_form, headers={"X-Origin-Verify": "b" * 43}),
            json_post("/api/registrations", valid_form, headers={"X-Origin-Verify": secret}),
        ],
        env,
    )["responses"]
    for refused in (direct, guessed):
        assert refused["statusCode"] == 403
        assert json.loads(refused["body"])["error"]["code"] == "direct_request"
    assert through["statusCode"] == 201, through["body"]
    assert len(stored(table)) == 1
    # The function's own safe headers come through Zappa
    assert through["headers"]["X-Content-Type-Options"] == "nosniff"
    assert through["headers"]["Cache-Control"] == "no-store"


def test_a_validation_error_is_a_dutch_400_and_stores_nothing(call, table, valid_form):
    [response] = call(json_post("/api/registrations", {**valid_form, "email": "geen-adres"}))["responses"]
    assert response["statusCode"] == 400
    error = json.loads(response["body"])["error"]
    assert error["fields"]["email"] == "Vul een geldig e-mailadres in, zoals naam@gemeente.nl."
    assert stored(table) == []


def test_a_form_post_answers_303_to_the_confirmation_page_without_a_stage_prefix(call, table, valid_form):
    [response] = call(form_post("/api/registrations", valid_form))["responses"]
    assert response["statusCode"] == 303
    # CloudFront serves the API under /api on the site's own origin: the stage name must not leak into URLs.
    assert response["headers"]["Location"] == "/bijeenkomsten/ibp-vth-2023-06-07/aanmelden/bevestiging/"
    assert len(stored(table)) == 1


def test_the_access_log_keeps_the_request_but_not_the_client_address_or_query(call):
    result = call(
        api_gateway_event(
            "GET",
            "/api/health",
            query={"token": "secret-token-value"},
            headers={"Referer": "https://example.org/?email=a%40b.example"},
        )
    )
    [access_line] = [line for line in result["log"].splitlines() if '"GET /api/health' in line]
    assert '" 200 ' in access_line
    for personal in ("192.0.2.10", "198.51.100.7", "secret-token-value", "a%40b.example"):
        assert personal not in result["log"]


def stream_record(name, event_id, email, sequence, arn):
    keys = {"event": {"S": event_id}, "email": {"S": email}}
    data = {"Keys": keys, "SequenceNumber": sequence, "StreamViewType": "NEW_AND_OLD_IMAGES", "SizeBytes": 100}
    if name != "REMOVE":
        data["NewImage"] = {**keys, "mail_owed": {"S": "confirmation"}}
    return {
        "eventID": sequence,
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-central-1",
        "dynamodb": data,
        "eventSourceARN": arn,
    }


def test_the_dispatcher_in_the_zip_sends_stream_records_and_the_sweep_to_the_deliverer(
    call, table, valid_form, app_config
):
    # Stream ARNs carry the creation time of a stream that exists only once the stack does: any ARN must do
    arn = "arn:aws:dynamodb:eu-central-1:999999999999:table/whatever/stream/2031-01-01T00:00:00.000"
    other = {**valid_form, "email": "tweede@gemeente.example"}
    result = call(
        json_post("/api/registrations", valid_form),
        json_post("/api/registrations", other),
        {
            "Records": [
                stream_record("INSERT", EVENT_ID, "j.vanthoff@gemeente.example", "1", arn),
                stream_record("REMOVE", EVENT_ID, "weg@gemeente.example", "2", arn),
            ]
        },
        {"registrations": "sweep"},
        {"registrations": "sweep"},
        {"source": "aws.ses", "detail-type": "Email Delivered", "detail": {}},
    )
    registered, second, stream, sweep, again, ses = result["responses"]
    assert registered["statusCode"] == 201 and second["statusCode"] == 201
    # The record's registration got its confirmation; the sweep sent the one no record named; then nothing
    assert stream == {"batchItemFailures": []}
    assert sweep == {"swept": {"sent": 1}}
    assert again == {"swept": {}}
    assert ses == {"ses": "ignored"}  # not ours: no tags
    sent = messages(app_config["MAIL_OUTBOX"])
    assert sorted(m["To"].addresses[0].addr_spec for m in sent) == [
        "j.vanthoff@gemeente.example",
        "tweede@gemeente.example",
    ]
    assert {item["mail_status"] for item in stored(table)} == {"sent"}


def test_the_personal_link_is_in_no_log_line(call, table, valid_form, app_config):
    call(json_post("/api/registrations", valid_form), {"registrations": "sweep"})
    path = personal_path_of(messages(app_config["MAIL_OUTBOX"])[0])
    result = call(
        api_gateway_event("GET", path),
        api_gateway_event("GET", path + "/annuleren"),
        form_post(path + "/annuleren", {}),
    )
    assert [r["statusCode"] for r in result["responses"]] == [200, 200, 303]
    token = path.rsplit("/", 1)[1]
    assert '"GET /api/mijn-aanmelding/[link] ' in result["log"]
    assert '"POST /api/mijn-aanmelding/[link]/annuleren ' in result["log"]
    assert token not in result["log"] and token[:20] not in result["log"]


def test_ses_events_of_each_kind_are_recorded_from_the_zip_and_foreign_ones_ignored(call, table, valid_form):
    second = {**valid_form, "email": "tweede@gemeente.example"}
    result = call(
        json_post("/api/registrations", valid_form),
        json_post("/api/registrations", second),
        ses_event("Delivery", at="2023-05-10T08:00:05.000Z"),
        ses_event("Bounce", at="2023-05-10T08:00:09.000Z", bounceType="Permanent"),
        ses_event("Complaint", to=["tweede@gemeente.example"]),
        ses_event("Reject", to=["tweede@gemeente.example"], at="2023-05-10T09:00:00.000Z"),
        ses_event("Delivery", event_tag="een-andere-bijeenkomst", at="2023-05-10T10:00:00.000Z"),
        ses_event("Bounce", bounceType="Transient", at="2023-05-10T10:00:00.000Z"),
    )
    answers = [response["ses"] for response in result["responses"][2:]]
    assert answers == ["recorded", "recorded", "recorded", "recorded", "ignored", "ignored"]
    status = {item["email"]: item["email_status"] for item in stored(table)}
    assert status == {"j.vanthoff@gemeente.example": "bounced", "tweede@gemeente.example": "rejected"}


def test_log_lines_from_the_zip_are_json_with_the_request_id_and_metrics_are_emf_documents(call, valid_form):
    # Given a registration through API Gateway and the sweep that sends its confirmation, each its own invocation
    result = call(json_post("/api/registrations", valid_form), {"registrations": "sweep"})
    http_id, sweep_id = result["request_ids"]
    objects = [json.loads(line) for line in result["log"].splitlines() if line.startswith("{")]
    lines = [line for line in objects if "_aws" not in line]
    documents = [check_emf(json.dumps(line)) for line in objects if "_aws" in line]
    # Then every line our loggers and Zappa's access log write is one JSON object with the invocation's request id
    [stored] = [line for line in lines if line.get("outcome") == "stored"]
    assert stored["requestId"] == http_id and stored["trigger"] == "http" and stored["meeting"] == EVENT_ID
    assert stored["level"] == "INFO" and stored["message"] == f"registration stored for event {EVENT_ID}"
    [access] = [line for line in lines if '"POST /api/registrations ' in line["message"]]
    assert access["requestId"] == http_id and access["logger"] == "zappa.wsgi"
    [sent] = [line for line in lines if line.get("outcome") == "sent"]
    assert sent["requestId"] == sweep_id and sent["trigger"] == "sweep"
    # ... and the metrics are EMF documents: the registration, its email, the lag and the sweep
    assert {"RegistrationsStored", "Emails", "DeliveryLag", "SweepDuration"} <= {
        name for document in documents for name in metric_values(document)
    }
    # ... with nothing the person sent in either
    text = result["log"].lower()
    for secret in ("vanthoff", "jan-willem", "hoff", "gemeente utrecht", "kleine gemeenten"):
        assert secret not in text


def test_the_dispatcher_in_the_zip_routes_uploads_of_vervolgmail_toml_to_the_console_flow(
    lambda_task, function_env, table, moto_endpoint
):
    import uuid

    import boto3

    from tests.console_support import PDF, code_in, content, docx
    from tests.integration.test_console_s3 import upload_event

    s3 = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    bucket = f"exports-{uuid.uuid4().hex[:12]}"
    folder = "ibp-vth-2023-06-07/"  # the meeting's folder in the bucket
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_object(Bucket=bucket, Key=folder + "vervolgmail/agenda.pdf", Body=PDF)
    s3.put_object(Bucket=bucket, Key=folder + "vervolgmail/Notitie robuustheid (concept).docx", Body=docx())
    s3.put_object(Bucket=bucket, Key=folder + "vervolgmail/vervolgmail.toml", Body=content().encode())
    task_dir, runtime = lambda_task
    env = {**function_env, "EXPORT_BUCKET": bucket, "S3_ENDPOINT": moto_endpoint}

    def call(*events):
        result = invoke(task_dir, runtime, events, env, handler=LAMBDA_HANDLER)
        assert result["modules_from_site_packages"] == []
        return result["responses"]

    upload = upload_event(bucket, folder + "vervolgmail/vervolgmail.toml")
    own = upload_event(bucket, folder + "vervolgmail/controle.txt")
    # The old shared folder: refused beside it, nothing published
    old = upload_event(bucket, "vervolgmail/vervolgmail.toml")
    assert call(upload, own, old) == [{"s3": "preview"}, {"s3": "ignored"}, {"s3": "wrong_folder"}]
    assert "VERKEERDE MAP" in s3.get_object(Bucket=bucket, Key="vervolgmail/controle.txt")["Body"].read().decode()
    report = s3.get_object(Bucket=bucket, Key=folder + "vervolgmail/controle.txt")["Body"].read().decode()
    code = code_in(report)
    s3.put_object(Bucket=bucket, Key=folder + "vervolgmail/vervolgmail.toml", Body=content(code=code).encode())
    assert call(upload, {"registrations": "sweep"}) == [{"s3": "published"}, {"swept": {}}]
    assert s3.get_object(Bucket=bucket, Key=folder + "gepubliceerd/v000001/agenda.pdf")["Body"].read() == PDF
    # The sweep's round wrote the stand into controle.txt
    report = s3.get_object(Bucket=bucket, Key=folder + "vervolgmail/controle.txt")["Body"].read().decode()
    assert "Gepubliceerd: versie 1" in report
