"""Address headers built by hand, so that each email names exactly the one recipient it is for."""

from __future__ import annotations

import base64
import re
from email.policy import Policy

# Printable ASCII that may stand unquoted in a display name (RFC 5322 atext, and spaces between atoms).
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+")
# Bytes of UTF-8 per encoded word: 45 bytes are 60 base64 characters, 72 with the =?utf-8?b?...?= frame (RFC 2047
# allows 75).
_EW_BYTES = 45


class AddressHeader(str):
    """An address header (To, From) that the email package stores and writes as we made it, never refolded.

    A refolded display name could lose its quotes and turn into extra recipients (handbook/decisions.md, "Header
    folding"). The email package passes a value with a `name` and a `fold()` through unchanged, so this header holds
    its own folded form: atoms as they are, anything else as RFC 2047 base64 encoded words, which contain no specials.
    """

    name: str
    _folded_words: tuple[str, ...]

    def __new__(cls, name: str, display_name: str, addr_spec: str) -> AddressHeader:
        if not addr_spec.isascii() or any(c in addr_spec for c in '<>",; \t\r\n') or addr_spec.count("@") != 1:
            raise ValueError("not a deliverable address")
        words = _display_words(display_name) + [f"<{addr_spec}>"]
        header = super().__new__(cls, " ".join(words))
        header.name = name
        header._folded_words = tuple(words)
        return header

    def fold(self, *, policy: Policy) -> str:
        linesep = policy.linesep
        line, lines = f"{self.name}:", []
        for word in self._folded_words:
            # Fold only between words, at 78 characters where possible.
            if len(line) + 1 + len(word) > 78 and line != f"{self.name}:":
                lines.append(line)
                line = ""
            line += " " + word
        lines.append(line)
        return linesep.join(lines) + linesep


def _display_words(display_name: str) -> list[str]:
    words = display_name.split()
    # "=?" would make a mail program read an atom as an encoded word of the sender's choosing.
    if all(_ATEXT.fullmatch(word) and "=?" not in word for word in words):
        return words
    raw = " ".join(words).encode("utf-8")
    chunks, start = [], 0
    while start < len(raw):
        end = min(start + _EW_BYTES, len(raw))
        while end < len(raw) and raw[end] & 0xC0 == 0x80:  # never split a UTF-8 character
            end -= 1
        chunks.append(raw[start:end])
        start = end
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in chunks]


def address_header(name: str, display_name: str, addr_spec: str) -> AddressHeader:
    """The header `name` (To, From) for one address; see AddressHeader for why it is built by hand."""
    return AddressHeader(name, display_name, addr_spec)
