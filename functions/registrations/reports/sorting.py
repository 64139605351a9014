"""Registrations in the order of a Dutch phone book: by organisation, then by family name without its prefix ("van
't Hoff" under H), case and accents folded (Ærøskøbing next to Aeroskobing)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

# Dutch family names are sorted without their prefix ("van 't Hoff" under H), as in a Dutch phone book.
NAME_PREFIXES = frozenset(
    {
        "van",
        "de",
        "den",
        "der",
        "des",
        "het",
        "'t",
        "\u2019t",
        "te",
        "ten",
        "ter",
        "in",
        "op",
        "aan",
        "bij",
        "uit",
        "onder",
        "over",
        "voor",
        "'s",
        "\u2019s",
        "d'",
        "d\u2019",
        "van't",
        "vander",
        "vanden",
        "vande",
    }
)


# Letters that Unicode does not decompose into a base letter and a mark, folded as a Dutch phone book does (after
# casefold, which already turns ß into ss): Ærøskøbing is filed as Aeroskobing, Łukasz as Lukasz.
BASE_LETTERS = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ħ": "h",
        "ı": "i",
        "ŀ": "l",
        "ŋ": "n",
        "ŧ": "t",
        "ĸ": "k",
        "ǥ": "g",
        "ƀ": "b",
        "ɨ": "i",
        "ʉ": "u",
    }
)


def fold(text: str) -> str:
    """Case- and accent-insensitive form for sorting: Ærøskøbing next to Aeroskobing, Åberg next to Aberg,
    Straße next to Strasse."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(BASE_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def family_name_sort_key(family_name: str) -> str:
    words = family_name.split()
    while len(words) > 1 and words[0].casefold() in NAME_PREFIXES:
        words.pop(0)
    return fold(" ".join(words))


def sort_key(item: Mapping[str, Any]) -> tuple[str, ...]:
    """Organisation, then family name (without prefix), then the full family name, given name and address."""
    family = str(item.get("family_name", ""))
    return (
        fold(str(item.get("organisation", ""))),
        family_name_sort_key(family),
        fold(family),
        fold(str(item.get("given_name", ""))),
        str(item.get("email", "")),
    )
