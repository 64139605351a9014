"""The privacy and accessibility statements as built: every required part is there, facts come from event.toml,
and the facts VNG still has to supply are visibly marked while they are empty."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from registrations.meeting import PENDING_FACTS, dutch_date, load_meeting

EVENT = load_meeting()


def article_text(built_site: Path, page: str) -> str:
    html = (built_site / page / "index.html").read_text(encoding="utf-8")
    [article] = re.findall(r"<article\b.*?</article>", html, re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", article)))


@pytest.fixture(scope="module")
def privacy(built_site):
    return article_text(built_site, "privacy")


@pytest.fixture(scope="module")
def accessibility(built_site):
    return article_text(built_site, "toegankelijkheid")


# What AVG article 13 asks a privacy statement to say, and the text on the page that says it.
ARTICLE_13 = {
    "controller and contact": [EVENT.organiser, EVENT.contact_email],
    "data protection officer": ["functionaris gegevensbescherming"],
    "purposes": ["Waarvoor gebruiken we uw gegevens?"],
    "legal basis": ["toestemming", "gerechtvaardigd belang"],
    "recipients and processors": ["Amazon Web Services", "Amazon Simple Email Service", "Amazon CloudFront"],
    "regions": ["Frankfurt", "eu-central-1", "servers van AWS over de hele wereld"],
    "transfers": ["buiten de Europese Unie", "standaardcontractbepalingen"],
    "retention": [f"Tot {EVENT.retention_days} dagen na de bijeenkomst", "hooguit 14 dagen"],
    "rights": [
        "inzien",
        "verbeteren",
        "verwijderen",
        "beperken",
        "overdragen",
        "toestemming intrekken",
        "bezwaar maken",
    ],
    "complaint": ["klacht", "Autoriteit Persoonsgegevens"],
    "obligation to provide": ["U hoeft ons uw gegevens niet te geven"],
    "automated decisions": ["alleen een computer"],
    "no cookies or tracking": ["geen cookies", "geen melding over cookies"],
    # What the other parts of the system add
    "delivery status": ["afgeleverd", "niet afgeleverd", "als ongewenst gemeld"],
    "staff spreadsheets": ["spreadsheet", "Amazon S3"],
    "firewall": ["AWS WAF", "geen logboek"],
}


@pytest.mark.parametrize("item", ARTICLE_13)
def test_the_privacy_statement_covers_article_13(privacy, item):
    missing = [text for text in ARTICLE_13[item] if text not in privacy]
    assert missing == [], item


def test_the_privacy_statement_gives_the_retention_end_from_event_toml(privacy):
    assert dutch_date(EVENT.expires_at.date()) in privacy


def test_the_accessibility_statement_follows_the_model(accessibility):
    assert "C – eerste maatregelen genomen" in accessibility
    assert "WCAG-EM" in accessibility and "WCAG) 2.1, niveau AA" in accessibility
    # How we test, honestly: axe in Chromium at both widths, by keyboard, no independent audit yet
    for text in ("axe-core", "Chromium", "390", "1280", "toetsenbord", "niet onderzocht door een onafhankelijke"):
        assert text in accessibility, text
    # The scope names the site's pages, every meeting's, and the function's pages under /api/
    for path in ("/bijeenkomsten/…/aanmelden/", "/privacy/", "/toegankelijkheid/", "/api/mijn-aanmelding/"):
        assert path in accessibility, path
    assert EVENT.contact_email in accessibility
    assert "register van toegankelijkheidsverklaringen" in accessibility


@pytest.mark.parametrize(
    ("key", "page"),
    [
        ("data_protection_officer_email", "privacy"),
        ("accessibility_statement_date", "toegankelijkheid"),
        ("accessibility_audit_date", "toegankelijkheid"),
        ("accessibility_register_url", "toegankelijkheid"),
    ],
)
def test_a_fact_vng_still_has_to_supply_is_marked_until_it_is_filled_in(built_site, key, page):
    assert set(PENDING_FACTS) == {
        "data_protection_officer_email",
        "accessibility_statement_date",
        "accessibility_audit_date",
        "accessibility_register_url",
    }
    text = article_text(built_site, page)
    value = getattr(EVENT, key)
    marker = f"[nog in te vullen: {PENDING_FACTS[key]}]"
    if value is None:
        assert marker in text
    else:
        assert marker not in text
        if not key.endswith("_url"):  # the register address is the link's target, not its text
            assert (value if isinstance(value, str) else dutch_date(value)) in text
