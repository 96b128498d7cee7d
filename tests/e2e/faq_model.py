"""The hybrid FAQ matcher on the shipped model, for end-to-end tests of "did you mean"."""

from __future__ import annotations

from pathlib import Path

from adapters.embedding import FastEmbedder, FileVectorCache
from bot.content import Content
from bot.features.faq.index import FaqIndex

VAGUE = "my account"
"""A question the shipped model is unsure about: it offers topics instead of answering."""


def hybrid_index(content: Content, cache: Path) -> FaqIndex:
    """The matcher app.load builds by default (here with its vector cache in `cache`)."""
    index = FaqIndex(
        content.faq, content.vocabulary, embedder=FastEmbedder(), cache=FileVectorCache(cache)
    )
    match = index.match(VAGUE)
    assert match.faq_id is None and match.suggestions, match  # the premise of the tests
    return index
