"""The dependencies every handler receives, injected once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content import Content
from bot.faq import FaqIndex
from bot.ports import Cipher, Clock, Store


@dataclass(frozen=True, slots=True)
class Deps:
    """Content, matcher and ports."""

    content: Content
    faq: FaqIndex
    store: Store
    clock: Clock
    cipher: Cipher
