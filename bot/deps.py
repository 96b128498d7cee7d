"""The dependencies every handler receives, injected once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.content import Content
from bot.directory import PLATFORMS
from bot.features.faq.index import FaqIndex
from bot.ports import Cipher, Clock, Store


def no_channel(text: str) -> str | None:
    """No channel id is known (no chat platform is set up to parse them)."""
    return None


@dataclass(frozen=True, slots=True)
class Deps:
    """Content, matcher and ports."""

    content: Content
    faq: FaqIndex
    store: Store
    clock: Clock
    cipher: Cipher
    site_url: str = "http://127.0.0.1:3978"
    """Where people reach the server: the base of links the bot hands out (PUBLIC_URL)."""
    platforms: tuple[str, ...] = PLATFORMS
    """The chat platforms the bot has channels for: a user of any other is refused."""
    reminder_days: tuple[int, ...] = (3, 7)
    """Days after an announcement went out when those who have not acknowledged it are
    reminded (ANNOUNCE_REMINDER_DAYS)."""
    channel_id: Callable[[str], str | None] = no_channel
    """A channel id typed by HR as an announcement's target ("slack#C0123ABCD"), or None:
    each chat platform parses its own."""
    intake_links: bool = False
    """The report invitation hands out a single-use link to the web intake (PUBLIC_URL is
    set, so people can reach the server)."""
