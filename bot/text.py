"""Cleaning what users type before anything else sees it."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Any, TypeVar

from bot.messages import Incoming, Submission

MAX_MESSAGE_CHARS = 4000
_HTTPS_URL = re.compile(r"^https://[^\s<>\"'`]{3,500}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\u200b-\u200f\u202a-\u202e]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
T = TypeVar("T", bound=Incoming)


def valid(text: str) -> str:
    """`text` with each lone UTF-16 surrogate (which JSON can carry but no database can
    store) replaced by U+FFFD."""
    return text if text.isascii() else _SURROGATE_RE.sub("\ufffd", text)


def valid_message(incoming: T) -> T:
    """A message with every string in it (text, ids, form fields) valid Unicode."""
    changes: dict[str, Any] = {
        f.name: valid(v)
        for f in dataclasses.fields(incoming)
        if isinstance(v := getattr(incoming, f.name), str) and not v.isascii()
    }
    if isinstance(incoming, Submission) and not all(
        k.isascii() and v.isascii() for k, v in incoming.fields.items()
    ):
        changes["fields"] = {valid(k): valid(v) for k, v in incoming.fields.items()}
    user = incoming.user
    if not user.id.isascii():
        changes["user"] = dataclasses.replace(user, id=valid(user.id))
    where = incoming.conversation
    if not (where.id.isascii() and (where.thread or "").isascii()):
        thread = valid(where.thread) if where.thread is not None else None
        changes["conversation"] = dataclasses.replace(where, id=valid(where.id), thread=thread)
    return dataclasses.replace(incoming, **changes) if changes else incoming


def clean(text: str) -> str:
    """NFC-normalised text without control characters or lone surrogates, surrounding blanks
    trimmed."""
    return _CONTROL_RE.sub("", unicodedata.normalize("NFC", valid(text))).strip()


def words(text: str) -> list[str]:
    """Lowercase words, for command and small-talk matching."""
    return re.findall(r"[a-z0-9']+", text.lower())


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def is_https_url(text: str) -> bool:
    """A plain https address with nothing that could break out of the text it is shown in."""
    return bool(_HTTPS_URL.match(text))
