"""Cleaning what users type before anything else sees it."""

from __future__ import annotations

import re
import unicodedata

MAX_MESSAGE_CHARS = 4000
_HTTPS_URL = re.compile(r"^https://[^\s<>\"'`]{3,500}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\u200b-\u200f\u202a-\u202e]")


def clean(text: str) -> str:
    """NFC-normalised text without control characters, surrounding blanks trimmed."""
    return _CONTROL_RE.sub("", unicodedata.normalize("NFC", text)).strip()


def words(text: str) -> list[str]:
    """Lowercase words, for command and small-talk matching."""
    return re.findall(r"[a-z0-9']+", text.lower())


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def is_https_url(text: str) -> bool:
    """A plain https address with nothing that could break out of the text it is shown in."""
    return bool(_HTTPS_URL.match(text))
