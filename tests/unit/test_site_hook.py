"""The MkDocs hook (overrides/hooks/meeting.py): facts into pages, and the build-time open/closed state."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from registrations import ConfigError
from registrations.local.dynalite import PROJECT_ROOT


@pytest.fixture(scope="module")
def hook():
    spec = importlib.util.spec_from_file_location("meeting_hook", PROJECT_ROOT / "overrides" / "hooks" / "meeting.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render(hook, markdown: str, is_open: bool = True, meta: dict | None = None) -> tuple[str, dict]:
    page = SimpleNamespace(file=SimpleNamespace(src_path="test.md"), meta=dict(meta or {}))
    config = SimpleNamespace(extra={"registration_open": is_open})
    return hook.on_page_markdown(markdown, page, config, files=None), page.meta


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
        ("{{ event.deadline_text }}", "woensdag 24 mei 2023"),
        ("{{ event.contact_email }}", "ronald.kersbergen@vng.nl"),
        ("{{ event.retention_days }}", "90"),
        ("{{ event.retention_end_text }}", "5 september 2023"),
        ("{{ event.letter_date_text }}", "6 april 2023"),
    ],
)
def test_facts_come_from_event_toml(hook, placeholder, text):
    assert render(hook, f"Op {placeholder}.")[0] == f"Op {text}."


def test_the_front_matter_gets_the_facts_too(hook):
    _, meta = render(hook, "", meta={"description": "Bijeenkomst op {{ event.date_text }}", "count": 3})
    assert meta == {"description": "Bijeenkomst op woensdag 7 juni 2023", "count": 3}


@pytest.mark.parametrize(
    "placeholder", ["{{ event.nope }}", "{{ event._timezone }}", "{{ other.title }}", "{{ event }}"]
)
def test_an_unknown_placeholder_fails_the_build(hook, placeholder):
    with pytest.raises(ValueError, match="test.md: unknown placeholder"):
        render(hook, placeholder)


def test_the_form_section_shows_the_form_when_open_and_the_notice_when_closed(hook):
    open_html, _ = render(hook, "{{ registration_form }}", is_open=True)
    closed_html, _ = render(hook, "{{ registration_form }}", is_open=False)
    assert '<div class="reg-closed" id="registration-closed" hidden>' in open_html
    assert '<div class="reg-open" id="registration-open">' in open_html
    assert '<div class="reg-closed" id="registration-closed">' in closed_html
    assert '<div class="reg-open" id="registration-open" hidden>' in closed_html
    # One line, so Markdown never reads indented HTML as a code block
    assert "\n" not in open_html
    assert 'data-confirmation="/aanmelden/bevestiging/"' in open_html


def test_the_call_to_action_is_a_button_only_while_open(hook):
    assert 'href="/aanmelden/">Meld u aan</a>' in render(hook, "{{ call_to_action }}", is_open=True)[0]
    closed = render(hook, "{{ call_to_action }}", is_open=False)[0]
    assert "Meld u aan" not in closed
    assert "De aanmelding is gesloten" in closed
