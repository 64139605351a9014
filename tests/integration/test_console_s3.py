"""The console flow on S3 (moto's server): the upload event through our dispatcher, controle.txt in the bucket,
the published copies written once under their version, and a presigned link that names the file as uploaded."""

from __future__ import annotations

import urllib.request
import uuid

import boto3
import pytest

from registrations import create_deliverer
from registrations.console.files import S3ConsoleFiles, published_key
from registrations.console.wiring import handle_s3_event
from registrations.lambda_handler import Dispatcher, route
from registrations.settings import Settings
from tests.conftest import own_page_client
from tests.console_support import PDF, Paper, StandInPublications, code_in, content, docx

NOTE = "Notitie robuustheid (concept).docx"


@pytest.fixture
def s3(moto_endpoint):
    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="eu-central-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@pytest.fixture
def bucket(s3):
    name = f"exports-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_object(Bucket=name, Key="vervolgmail/agenda.pdf", Body=PDF)
    s3.put_object(Bucket=name, Key=f"vervolgmail/{NOTE}", Body=docx())
    return name


@pytest.fixture
def settings(app_config, bucket, moto_endpoint):
    return Settings.from_env({**app_config, "EXPORT_BUCKET": bucket, "S3_ENDPOINT": moto_endpoint})


@pytest.fixture
def publications():
    return StandInPublications()


@pytest.fixture
def dispatch(app_config, clock, settings, publications):
    deliverer = create_deliverer(app_config, clock=clock)
    return Dispatcher(
        lambda: deliverer,
        lambda event, context: {"zappa": True},
        console=lambda event, deliverers: handle_s3_event(event, deliverers.letter, settings, publications),
    )


def upload_event(bucket: str, key: str) -> dict:
    """EventBridge's "Object Created" from S3, as the rule hands it to the function."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2023-05-25T09:00:00Z",
        "region": "eu-central-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": 100, "etag": "abc", "sequencer": "0062"},
            "request-id": "R",
            "requester": "123456789012",
            "reason": "PutObject",
        },
    }


def report(s3, bucket) -> str:
    return s3.get_object(Bucket=bucket, Key="vervolgmail/controle.txt")["Body"].read().decode("utf-8")


def test_aws_s3_events_are_routed_to_the_console_flow():
    assert route(upload_event("b", "vervolgmail/vervolgmail.toml")) == "s3"


def test_an_upload_is_checked_and_published_with_its_code(s3, bucket, dispatch, publications):
    s3.put_object(Bucket=bucket, Key="vervolgmail/vervolgmail.toml", Body=content().encode())
    assert dispatch(upload_event(bucket, "vervolgmail/vervolgmail.toml"), None) == {"s3": "preview"}
    code = code_in(report(s3, bucket))
    s3.put_object(Bucket=bucket, Key="vervolgmail/vervolgmail.toml", Body=content(code=code).encode())
    assert dispatch(upload_event(bucket, "vervolgmail/vervolgmail.toml"), None) == {"s3": "published"}
    assert [p.version for p in publications.published] == [1]
    kept = s3.get_object(Bucket=bucket, Key=published_key(1, "agenda.pdf"))
    assert kept["Body"].read() == PDF
    assert kept["ContentType"] == "application/pdf"
    assert "Versie 1 is gepubliceerd" in report(s3, bucket)


def test_the_windows_name_is_accepted(s3, bucket, dispatch):
    s3.put_object(Bucket=bucket, Key="vervolgmail/vervolgmail.toml.txt", Body=content().encode("utf-8-sig"))
    assert dispatch(upload_event(bucket, "vervolgmail/vervolgmail.toml.txt"), None) == {"s3": "preview"}
    assert "Windows voegde .txt toe" in report(s3, bucket)


@pytest.mark.parametrize(
    "key", ["vervolgmail/controle.txt", "vervolgmail/agenda.pdf", "gepubliceerd/v000001/agenda.pdf", "vervolgmail.toml"]
)
def test_other_keys_and_other_buckets_are_ignored(s3, bucket, dispatch, key):
    assert dispatch(upload_event(bucket, key), None) == {"s3": "ignored"}
    assert dispatch(upload_event("een-andere-bucket", "vervolgmail/vervolgmail.toml"), None) == {"s3": "ignored"}
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="vervolgmail/controle.txt")


def test_a_published_copy_is_never_replaced_and_the_link_names_the_file(s3, bucket):
    files = S3ConsoleFiles(s3, bucket)
    files.keep_published(3, NOTE, docx("eerste"))
    files.keep_published(3, NOTE, docx("tweede"))  # a repeated event: the first copy stays
    assert s3.get_object(Bucket=bucket, Key=published_key(3, NOTE))["Body"].read() == docx("eerste")
    link = files.download_link(3, NOTE)
    assert "X-Amz-Expires=300" in link
    with urllib.request.urlopen(link) as response:  # noqa: S310 - the local S3 server
        assert response.read() == docx("eerste")
        disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''Notitie%20robuustheid%20%28concept%29.docx" in disposition


def test_an_active_registration_is_redirected_to_a_presigned_link_made_on_the_click(
    s3, bucket, app_config, clock, valid_form, moto_endpoint, publications
):
    from registrations import create_app
    from tests.mailbox import messages, personal_path_of

    config = {**app_config, "EXPORT_BUCKET": bucket, "S3_ENDPOINT": moto_endpoint}
    client = own_page_client(create_app(config, clock=clock, publication=publications.current))
    assert client.post("/api/registrations", json=valid_form).status_code == 201
    create_deliverer(config, clock=clock).sweep()
    path = personal_path_of(messages(app_config["MAIL_OUTBOX"])[0])
    files = S3ConsoleFiles(s3, bucket)
    files.keep_published(1, "agenda.pdf", PDF)
    publications.publish("https://teams.microsoft.com/l/x", [Paper("Agenda", file="agenda.pdf")], "C", "2023-05-25")
    response = client.get(path + "/stukken/agenda.pdf")
    assert response.status_code == 302
    link = response.headers["Location"]
    assert link.startswith(f"{moto_endpoint}/{bucket}/gepubliceerd/v000001/agenda.pdf?") and "X-Amz-Expires=300" in link
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    with urllib.request.urlopen(link) as download:  # noqa: S310 - the local S3 server
        assert download.read() == PDF


def test_after_a_round_the_spreadsheet_and_the_progress_share_one_read(
    app_config, clock, bucket, moto_endpoint, s3, table, monkeypatch
):
    # What the function does after every stream batch and sweep (lambda_handler/): the staff spreadsheet and the
    # progress in controle.txt, both counted from one query of the meeting's registrations.
    import registrations.lambda_handler as entry
    from registrations.delivery import publication
    from registrations.repository import RegistrationRepository

    from .staff_support import put_items, registration

    deliverer = create_deliverer(app_config, clock=clock)
    put_items(table, [registration(1), registration(2)])
    expires = int(deliverer.meeting.expires_at.timestamp())
    publication.publish(
        deliverer.repository,
        deliverer.meeting.id,
        "https://teams.example/x",
        (),
        "",
        "2023-05-25T10:00:00+02:00",
        expires,
    )
    for name, value in {**app_config, "EXPORT_BUCKET": bucket, "S3_ENDPOINT": moto_endpoint}.items():
        monkeypatch.setenv(name, str(value))
    reads: list[str] = []
    for_event = RegistrationRepository.for_event

    def counted(self, event_id):
        reads.append(event_id)
        return for_event(self, event_id)

    monkeypatch.setattr(RegistrationRepository, "for_event", counted)
    entry._after_round_from_environment(deliverer)
    assert reads == [deliverer.meeting.id]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert {"aanmeldingen.xlsx", "samenvatting.txt", "vervolgmail/controle.txt"} <= keys
    report = s3.get_object(Bucket=bucket, Key="vervolgmail/controle.txt")["Body"].read().decode("utf-8")
    assert "- nog te versturen: 2" in report
    summary = s3.get_object(Bucket=bucket, Key="samenvatting.txt")["Body"].read().decode("utf-8")
    assert "Totaal aangemeld: 2" in summary
