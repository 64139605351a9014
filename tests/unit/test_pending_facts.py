"""The facts VNG still has to supply (PENDING_FACTS in gedeeld.toml): optional when loading, marked on the pages."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import shutil
from types import SimpleNamespace

import pytest

from registrations.local.dynalite import PROJECT_ROOT
from registrations.meeting import PENDING_FACTS, SHARED_FILE, MeetingFileError, Meetings, load_meeting
from tests.event_files import FILLED, MEETINGS_ROOT, event_file


@pytest.fixture(scope="module")
def hook():
    spec = importlib.util.spec_from_file_location("meeting_hook_pending", PROJECT_ROOT / "overrides/hooks/meeting.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shared_site(hook, tmp_path, **values: str):
    """The site over a copy of the meetings whose gedeeld.toml has these keys set to these TOML values."""
    root = tmp_path / "bijeenkomsten"
    shutil.copytree(MEETINGS_ROOT, root)
    shared = root / SHARED_FILE
    text = shared.read_text(encoding="utf-8")
    for key, value in values.items():
        text, count = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert count == 1, key
    shared.write_text(text, encoding="utf-8")
    return hook.meeting_texts.Site(Meetings.load(root), dt.datetime(2023, 5, 10, 10, 0, tzinfo=dt.UTC))


def render(hook, site, markdown: str, src_uri: str = "privacy.md") -> str:
    page = SimpleNamespace(file=SimpleNamespace(src_path=src_uri, src_uri=src_uri), meta={})
    return hook.meeting_texts.fill_page(markdown, page, site)


def test_every_pending_fact_is_in_the_shared_file():
    # Each key is there (empty or filled in), so whoever fills them in finds them all in one place.
    text = (MEETINGS_ROOT / SHARED_FILE).read_text(encoding="utf-8")
    for key in PENDING_FACTS:
        assert re.search(rf"(?m)^{key} = ", text), key


def test_empty_pending_facts_load_as_missing(tmp_path):
    event = load_meeting(event_file(tmp_path, **{key: '""' for key in PENDING_FACTS}))
    assert event.missing_facts() == list(PENDING_FACTS)
    assert event.data_protection_officer_email is None and event.accessibility_statement_date is None


def test_filled_pending_facts_load_with_their_types(tmp_path):
    event = load_meeting(event_file(tmp_path, **FILLED))
    assert event.missing_facts() == []
    assert event.data_protection_officer_email == "fg@vng.nl"
    assert event.accessibility_statement_date == dt.date(2023, 4, 20)
    assert event.accessibility_audit_date == dt.date(2023, 9, 30)
    assert event.accessibility_register_url.startswith("https://")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("accessibility_statement_date", '"20 april"'),
        ("accessibility_audit_date", "2023-09-30T10:00:00"),
        ("data_protection_officer_email", '"geen adres"'),
        ("data_protection_officer_email", '"   "'),
        ("accessibility_register_url", '"http://example.org/register"'),
    ],
)
def test_a_malformed_pending_fact_fails_with_a_clear_message(tmp_path, key, value):
    with pytest.raises(MeetingFileError, match=key):
        load_meeting(event_file(tmp_path, **{key: value}))


def test_an_empty_pending_fact_is_shown_marked(hook, tmp_path):
    site = shared_site(hook, tmp_path, **{key: '""' for key in PENDING_FACTS})
    for key, label in PENDING_FACTS.items():
        assert render(hook, site, f"{{{{ site.{key} }}}}") == f"<mark>[nog in te vullen: {label}]</mark>"
    # A link to a missing address is no link, only the marker
    assert render(hook, site, "{{ site.data_protection_officer_link }}").startswith(
        "<mark>[nog in te vullen: e-mailadres"
    )
    assert "](" not in render(hook, site, "{{ site.accessibility_register_link }}")


def test_a_filled_pending_fact_is_shown_as_itself(hook, tmp_path):
    site = shared_site(hook, tmp_path, **FILLED)
    assert render(hook, site, "{{ site.accessibility_statement_date }}") == "20 april 2023"
    assert render(hook, site, "{{ site.accessibility_audit_date }}") == "30 september 2023"
    assert render(hook, site, "{{ site.data_protection_officer_link }}") == "[fg@vng.nl](mailto:fg@vng.nl)"
    assert render(hook, site, "{{ site.accessibility_register_link }}") == (
        "[deze verklaring in het register](https://www.toegankelijkheidsverklaring.nl/register/99999)"
    )
    assert "nog in te vullen" not in render(hook, site, " ".join(f"{{{{ site.{key} }}}}" for key in PENDING_FACTS))
    # The same facts on a meeting's own page
    meeting_page = "bijeenkomsten/ibp-vth-2023-06-07/index.md"
    assert render(hook, site, "{{ event.accessibility_audit_date }}", meeting_page) == "30 september 2023"
