"""The console flow on S3 (moto's server): the upload event through our dispatcher, controle.txt in the meeting's
folder of the bucket, the published copies written once under their version, a presigned link that names the file
as uploaded; and an upload in the wrong folder refused beside it, with nothing published."""

from __future__ import annotations

import urllib.request
import uuid

import boto3
import pytest

from registrations import create_deliverer
from registrations.console.files import published_key, report_key
from registrations.console.s3_files import S3ConsoleFiles
from registrations.console.wiring import handle_s3_event
from registrations.lambda_handler import Dispatcher, route
from registrations.settings import Settings
from tests.conftest import own_page_client
from tests.console_support import PDF, Paper, StandInPublications, code_in, content, docx

NOTE = "Notitie robuustheid (concept).docx"
LETTER = "ibp-vth-2023-06-07"
FOLDER = f"{LETTER}/vervolgmail/"


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
    for folder in (FOLDER, "vervolgmail/", "onbekend/vervolgmail/"):
        s3.put_object(Bucket=name, Key=f"{folder}agenda.pdf", Body=PDF)
        s3.put_object(Bucket=name, Key=f"{folder}{NOTE}", Body=docx())
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
        console=lambda event, deliverers: handle_s3_event(event, deliverers.for_meeting, settings, publications),
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


def report(s3, bucket, key: str = report_key(LETTER)) -> str:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")


def test_aws_s3_events_are_routed_to_the_console_flow():
    assert route(upload_event("b", FOLDER + "vervolgmail.toml")) == "s3"


def test_an_upload_is_checked_and_published_with_its_code(s3, bucket, dispatch, publications):
    s3.put_object(Bucket=bucket, Key=FOLDER + "vervolgmail.toml", Body=content().encode())
    assert dispatch(upload_event(bucket, FOLDER + "vervolgmail.toml"), None) == {"s3": "preview"}
    code = code_in(report(s3, bucket))
    s3.put_object(Bucket=bucket, Key=FOLDER + "vervolgmail.toml", Body=content(code=code).encode())
    assert dispatch(upload_event(bucket, FOLDER + "vervolgmail.toml"), None) == {"s3": "published"}
    assert [p.version for p in publications.published] == [1]
    kept = s3.get_object(Bucket=bucket, Key=f"{LETTER}/gepubliceerd/v000001/agenda.pdf")
    assert published_key(LETTER, 1, "agenda.pdf") == f"{LETTER}/gepubliceerd/v000001/agenda.pdf"
    assert kept["Body"].read() == PDF
    assert kept["ContentType"] == "application/pdf"
    assert "Versie 1 is gepubliceerd" in report(s3, bucket)
    # Everything the function wrote is in the meeting's own folder
    written = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]} - uploaded(bucket)
    assert written and all(key.startswith(f"{LETTER}/") for key in written), written


def uploaded(bucket) -> set[str]:
    folders = (FOLDER, "vervolgmail/", "onbekend/vervolgmail/")
    return {f"{f}{name}" for f in folders for name in ("agenda.pdf", NOTE, "vervolgmail.toml", "vervolgmail.toml.txt")}


def test_the_windows_name_is_accepted(s3, bucket, dispatch):
    s3.put_object(Bucket=bucket, Key=FOLDER + "vervolgmail.toml.txt", Body=content().encode("utf-8-sig"))
    assert dispatch(upload_event(bucket, FOLDER + "vervolgmail.toml.txt"), None) == {"s3": "preview"}
    assert "Windows voegde .txt toe" in report(s3, bucket)


@pytest.mark.parametrize(
    "key",
    [
        FOLDER + "controle.txt",
        FOLDER + "agenda.pdf",
        f"{LETTER}/gepubliceerd/v000001/agenda.pdf",
        f"{LETTER}/gepubliceerd/v000001/vervolgmail.toml",
        f"{LETTER}/vervolgmail.toml",
        "vervolgmail.toml",
    ],
)
def test_other_keys_and_other_buckets_are_ignored(s3, bucket, dispatch, key):
    assert dispatch(upload_event(bucket, key), None) == {"s3": "ignored"}
    assert dispatch(upload_event("een-andere-bucket", FOLDER + "vervolgmail.toml"), None) == {"s3": "ignored"}
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=report_key(LETTER))


@pytest.mark.parametrize(
    ("folder", "why"),
    [
        ("vervolgmail/", "De map vervolgmail bovenaan wordt niet meer gebruikt"),
        ("onbekend/vervolgmail/", "‘onbekend’ is niet de code van een bijeenkomst"),
        (f"{LETTER}/extra/vervolgmail/", f"De map {LETTER}/extra/vervolgmail/ hoort bij geen bijeenkomst"),
    ],
)
def test_an_upload_outside_a_meetings_folder_is_refused_beside_it_and_nothing_is_published(
    s3, bucket, dispatch, publications, folder, why
):
    # Even with the code of a check the meeting's own folder gave
    s3.put_object(Bucket=bucket, Key=FOLDER + "vervolgmail.toml", Body=content().encode())
    assert dispatch(upload_event(bucket, FOLDER + "vervolgmail.toml"), None) == {"s3": "preview"}
    code = code_in(report(s3, bucket))
    s3.put_object(Bucket=bucket, Key=folder + "vervolgmail.toml", Body=content(code=code).encode())
    assert dispatch(upload_event(bucket, folder + "vervolgmail.toml"), None) == {"s3": "wrong_folder"}
    text = report(s3, bucket, folder + "controle.txt")
    assert "DIT BESTAND STAAT IN DE VERKEERDE MAP. Er is niets gepubliceerd en niets verstuurd." in text
    assert why in text
    assert publications.published == []
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=f"{LETTER}/gepubliceerd/v")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="gepubliceerd/")


def test_a_published_copy_is_never_replaced_and_the_link_names_the_file(s3, bucket):
    files = S3ConsoleFiles(s3, bucket, LETTER)
    files.keep_published(3, NOTE, docx("eerste"))
    files.keep_published(3, NOTE, docx("tweede"))  # a repeated event: the first copy stays
    assert s3.get_object(Bucket=bucket, Key=published_key(LETTER, 3, NOTE))["Body"].read() == docx("eerste")
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
    files = S3ConsoleFiles(s3, bucket, LETTER)
    files.keep_published(1, "agenda.pdf", PDF)
    publications.publish("https://teams.microsoft.com/l/x", [Paper("Agenda", file="agenda.pdf")], "C", "2023-05-25")
    response = client.get(path + "/stukken/agenda.pdf")
    assert response.status_code == 302
    link = response.headers["Location"]
    assert link.startswith(f"{moto_endpoint}/{bucket}/{LETTER}/gepubliceerd/v000001/agenda.pdf?")
    assert "X-Amz-Expires=300" in link
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
    assert {f"{LETTER}/aanmeldingen.xlsx", f"{LETTER}/samenvatting.txt", report_key(LETTER)} <= keys
    report = s3.get_object(Bucket=bucket, Key=report_key(LETTER))["Body"].read().decode("utf-8")
    assert "- nog te versturen: 2" in report
    summary = s3.get_object(Bucket=bucket, Key=f"{LETTER}/samenvatting.txt")["Body"].read().decode("utf-8")
    assert "Totaal aangemeld: 2" in summary


def test_each_meeting_is_checked_and_published_in_its_own_folder_only(
    s3, bucket, settings, app_config, clock, table, tmp_path, monkeypatch
):
    from registrations.delivery import publication
    from registrations.meeting import Meetings
    from tests.event_files import SECOND_MEETING, meetings_with_a_second

    root = meetings_with_a_second(tmp_path)
    monkeypatch.setenv("MEETINGS_DIR", str(root))
    meetings = Meetings.load(root)
    deliverers = {m.id: create_deliverer(app_config, clock=clock, meeting=m) for m in meetings}
    repository = deliverers[LETTER].repository
    dispatch = Dispatcher(
        lambda: deliverers[LETTER],
        lambda event, context: {"zappa": True},
        console=lambda event, d: handle_s3_event(event, deliverers.get, settings, meetings=meetings),
    )
    own = f"{SECOND_MEETING}/vervolgmail/"
    s3.put_object(Bucket=bucket, Key=own + "agenda.pdf", Body=PDF)
    s3.put_object(Bucket=bucket, Key=own + NOTE, Body=docx())
    # A file that names the 2023 meeting, uploaded into the second meeting's folder: refused, nothing published
    s3.put_object(
        Bucket=bucket, Key=own + "vervolgmail.toml", Body=(f'bijeenkomst = "{LETTER}"\n' + content()).encode()
    )
    assert dispatch(upload_event(bucket, own + "vervolgmail.toml"), None) == {"s3": "problems"}
    refused = report(s3, bucket, report_key(SECOND_MEETING))
    assert f"dit bestand is voor bijeenkomst {LETTER}, niet voor {SECOND_MEETING}" in refused
    assert "Er is niets verstuurd" in refused
    # Named right (or not at all), it is checked and published for the second meeting only
    named = f'bijeenkomst = "{SECOND_MEETING}"\n' + content()
    s3.put_object(Bucket=bucket, Key=own + "vervolgmail.toml", Body=named.encode())
    assert dispatch(upload_event(bucket, own + "vervolgmail.toml"), None) == {"s3": "preview"}
    code = code_in(report(s3, bucket, report_key(SECOND_MEETING)))
    s3.put_object(Bucket=bucket, Key=own + "vervolgmail.toml", Body=(named + f'versturen = "{code}"\n').encode())
    assert dispatch(upload_event(bucket, own + "vervolgmail.toml"), None) == {"s3": "published"}
    assert publication.current(repository, SECOND_MEETING).version == 1
    assert publication.current(repository, LETTER) is None
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"{SECOND_MEETING}/gepubliceerd/v000001/agenda.pdf" in keys
    assert not [key for key in keys if key.startswith(f"{LETTER}/gepubliceerd/")]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=report_key(LETTER))


def test_a_refusal_lists_the_folders_that_can_still_get_a_follow_up(s3, bucket, settings, tmp_path):
    from registrations.meeting import Meetings
    from tests.event_files import meetings_with_a_second

    meetings = Meetings.load(meetings_with_a_second(tmp_path, "netwerk-2099-06-07", year="2099"))
    key = "vervolgmail/vervolgmail.toml"
    s3.put_object(Bucket=bucket, Key=key, Body=content().encode())
    assert handle_s3_event(upload_event(bucket, key), lambda _: None, settings, meetings=meetings) == "wrong_folder"
    text = report(s3, bucket, "vervolgmail/controle.txt")
    assert "- netwerk-2099-06-07/vervolgmail/   (Bestuurlijke netwerkbijeenkomst IBP VTH, zondag 7 juni 2099)" in text
    # The 2023 meeting's retention is over: it is not offered, and an upload into its folder is told why
    assert f"- {LETTER}/" not in text
    key = FOLDER + "vervolgmail.toml"
    s3.put_object(Bucket=bucket, Key=key, Body=content().encode())
    assert handle_s3_event(upload_event(bucket, key), lambda _: None, settings, meetings=meetings) == "wrong_folder"
    text = " ".join(report(s3, bucket).split())
    assert f"De bijeenkomst {LETTER} (Bestuurlijke netwerkbijeenkomst IBP VTH, woensdag 7 juni 2023) is voorbij" in text
    assert "er kan geen vervolgmail meer worden verstuurd" in text
