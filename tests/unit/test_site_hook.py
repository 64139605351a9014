"""The MkDocs hook (overrides/hooks/meeting.py and its modules): each meeting's facts into its own pages, the
shared pages' facts, the home page's parts, and the build-time state of each meeting."""

from __future__ import annotations

import datetime as dt
import importlib.util
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from registrations import ConfigError
from registrations.local.dynalite import PROJECT_ROOT
from registrations.meeting import Meetings
from tests.event_files import MEETINGS_ROOT, SECOND_ID, SECOND_TITLE, add_second_meeting, meetings_copy

AMS = ZoneInfo("Europe/Amsterdam")
LETTER = "ibp-vth-2023-06-07"
OPEN = dt.datetime(2023, 5, 10, 10, 0, tzinfo=AMS)
CLOSED = dt.datetime(2023, 5, 25, 8, 0, tzinfo=AMS)
HELD = dt.datetime(2023, 6, 8, 9, 0, tzinfo=AMS)


@pytest.fixture(scope="module")
def hook():
    spec = importlib.util.spec_from_file_location("meeting_hook", PROJECT_ROOT / "overrides" / "hooks" / "meeting.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def site(hook, now: dt.datetime = OPEN, root=MEETINGS_ROOT):
    return hook.meeting_texts.Site(Meetings.load(root), now)


def render(hook, markdown: str, *, now=OPEN, src_uri=f"bijeenkomsten/{LETTER}/test.md", meta=None, on=None):
    page = SimpleNamespace(file=SimpleNamespace(src_path=src_uri, src_uri=src_uri), meta=dict(meta or {}))
    return hook.meeting_texts.fill_page(markdown, page, on or site(hook, now)), page.meta


@pytest.mark.parametrize(
    ("preview_now", "is_open"),
    [
        ("2023-05-10T10:00", True),
        ("2023-05-24T23:59:59", True),
        ("2023-05-24T21:59:59+00:00", True),
        ("2023-05-25T00:00", False),
        ("2023-05-24T22:00:00+00:00", False),
        ("2023-06-08T09:00", False),
    ],
)
def test_the_build_honours_preview_now(hook, preview_now, is_open):
    assert hook.registration_open(env={"PREVIEW_NOW": preview_now}) is is_open


def test_without_preview_now_the_build_uses_the_real_clock(hook):
    # The meeting was in 2023, so on the real clock registration is closed.
    assert hook.registration_open(env={}) is False


def test_a_malformed_preview_now_fails_with_a_clear_message(hook):
    with pytest.raises(ConfigError, match="PREVIEW_NOW"):
        hook.registration_open(env={"PREVIEW_NOW": "morgen"})


@pytest.mark.parametrize(
    ("placeholder", "text"),
    [
        ("{{ event.date_text }}", "woensdag 7 juni 2023"),
        ("{{event.time_text}}", "13.30 tot 15.00 uur"),
        ("{{ meeting.deadline_text }}", "woensdag 24 mei 2023"),
        ("{{ event.contact_email }}", "ronald.kersbergen@vng.nl"),
        ("{{ event.retention_days }}", "90"),
        ("{{ event.retention_end_text }}", "5 september 2023"),
        ("{{ event.letter_date_text }}", "6 april 2023"),
        ("{{ meeting.form_url }}", f"/bijeenkomsten/{LETTER}/aanmelden/"),
        ("{{ meeting.calendar_url }}", f"/api/bijeenkomsten/{LETTER}.ics"),
    ],
)
def test_a_meetings_page_gets_the_facts_of_its_folder(hook, placeholder, text):
    assert render(hook, f"Op {placeholder}.")[0] == f"Op {text}."


def test_each_meetings_pages_get_their_own_meetings_facts(hook, tmp_path):
    root = meetings_copy(tmp_path)
    add_second_meeting(root)
    both = site(hook, root=root)
    page = "{{ event.title }}, {{ event.date_text }}"
    assert render(hook, page, on=both)[0] == "Bestuurlijke netwerkbijeenkomst IBP VTH, woensdag 7 juni 2023"
    second, _ = render(hook, page, src_uri=f"bijeenkomsten/{SECOND_ID}/index.md", on=both)
    assert second == f"{SECOND_TITLE}, vrijdag 7 juni 2024"


def test_the_front_matter_gets_the_facts_too(hook):
    _, meta = render(hook, "", meta={"description": "Bijeenkomst op {{ event.date_text }}", "count": 3})
    assert meta == {"description": "Bijeenkomst op woensdag 7 juni 2023", "count": 3}


@pytest.mark.parametrize(
    "placeholder",
    ["{{ event.nope }}", "{{ event._timezone }}", "{{ other.title }}", "{{ event }}", "{{ event.public_facts }}"],
)
def test_an_unknown_placeholder_fails_the_build_naming_the_page(hook, placeholder):
    with pytest.raises(hook.meeting_texts.PageError, match=f"bijeenkomsten/{LETTER}/test.md: unknown placeholder"):
        render(hook, placeholder)


def test_a_shared_page_has_no_meeting_of_its_own_but_the_featured_one_and_the_shared_facts(hook):
    with pytest.raises(hook.meeting_texts.PageError, match=r"privacy.md: \{\{ event.title \}\}: a shared page"):
        render(hook, "{{ event.title }}", src_uri="privacy.md")
    text, _ = render(hook, "{{ featured.date_text }} {{ site.organiser }} {{ site.retention_days }}", src_uri="x.md")
    assert text == "woensdag 7 juni 2023 Vereniging van Nederlandse Gemeenten (VNG) 90"


def test_the_form_section_shows_the_form_when_open_and_the_notice_when_closed(hook):
    open_html, _ = render(hook, "{{ registration_form }}", now=OPEN)
    closed_html, _ = render(hook, "{{ registration_form }}", now=CLOSED)
    assert '<div class="reg-closed" id="registration-closed" hidden>' in open_html
    assert '<div class="reg-open" id="registration-open">' in open_html
    assert '<div class="reg-closed" id="registration-closed">' in closed_html
    assert '<div class="reg-open" id="registration-open" hidden>' in closed_html
    # One line, so Markdown never reads indented HTML as a code block
    assert "\n" not in open_html
    # The form is this meeting's: its id for the page script and the post, its own confirmation page
    assert f'data-confirmation="/bijeenkomsten/{LETTER}/aanmelden/bevestiging/"' in open_html
    assert f'data-meeting="{LETTER}"' in open_html
    assert f'<input type="hidden" name="meeting" value="{LETTER}">' in open_html


def test_the_call_to_action_is_a_button_only_while_open(hook):
    assert f'href="/bijeenkomsten/{LETTER}/aanmelden/">Meld u aan</a>' in render(hook, "{{ call_to_action }}")[0]
    closed = render(hook, "{{ call_to_action }}", now=CLOSED)[0]
    assert "Meld u aan" not in closed
    assert "De aanmelding is gesloten" in closed


def test_a_held_meeting_says_so_under_its_heading_and_shows_no_form(hook):
    page = "# Aanmelden\n\n{{ call_to_action }}\n\n{{ registration_form }}\n"
    text, _ = render(hook, page, now=HELD)
    heading, notice, *rest = [part for part in text.split("\n") if part.strip()]
    assert heading == "# Aanmelden"
    assert "Deze bijeenkomst is geweest op woensdag 7 juni 2023." in notice and 'id="meeting-held"' in notice
    assert rest == []
    assert "<form" not in text and "Meld u aan" not in text
    # Before it has taken place, there is no such notice
    assert "geweest" not in render(hook, page, now=CLOSED)[0]


def test_the_home_page_leads_with_the_open_meeting_and_lists_the_others_newest_first(hook, tmp_path):
    root = meetings_copy(tmp_path)
    add_second_meeting(root)
    add_second_meeting(root, "ibp-vth-2022-06-07", year="2022")
    during_2024 = site(hook, dt.datetime(2024, 5, 10, 10, 0, tzinfo=AMS), root)
    featured, _ = render(hook, "{{ featured_meeting }}", src_uri="index.md", on=during_2024)
    others, _ = render(hook, "{{ other_meetings }}", src_uri="index.md", on=during_2024)
    assert "Aanmelden kan nu" in featured and "vrijdag 7 juni 2024" in featured
    assert f'href="/bijeenkomsten/{SECOND_ID}/aanmelden/">Meld u aan</a>' in featured
    assert others.index("woensdag 7 juni 2023") < others.index("dinsdag 7 juni 2022")
    assert others.count("Deze bijeenkomst is geweest.") == 2 and SECOND_ID not in others


def test_when_every_meeting_is_held_the_home_page_leads_with_the_last_and_lists_no_others(hook):
    featured, _ = render(hook, "{{ featured_meeting }}", src_uri="index.md", now=HELD)
    assert "De laatste bijeenkomst" in featured and "Deze bijeenkomst is geweest op woensdag 7 juni 2023." in featured
    assert "<form" not in featured and "Meld u aan" not in featured
    assert render(hook, "{{ other_meetings }}", src_uri="index.md", now=HELD)[0] == ""
