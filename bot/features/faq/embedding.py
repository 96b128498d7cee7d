"""The embedding port: vectors of texts for semantic FAQ matching, and where they are cached."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """A sentence-embedding model: one L2-normalised row per text, in order."""

    name: str
    """The model's name, as /healthz reports it."""
    fingerprint: str
    """A hash of the model's files: cached vectors of another model are never reused."""

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One model call for all `texts` (shape: len(texts) x dimensions)."""
        ...


class VectorCache(Protocol):
    """Vectors kept between starts, by key; anything unreadable is a miss, never an error."""

    def load(self, key: str) -> Vectors | None:
        """The vectors saved under `key`, or None."""
        ...

    def save(self, key: str, vectors: Vectors) -> None:
        """Keep `vectors` under `key` (best effort)."""
        ...


def corpus_key(embedder: Embedder, texts: Sequence[str]) -> str:
    """The cache key of `texts` embedded by `embedder`: a content edit or a new model is a miss."""
    digest = hashlib.sha256(embedder.fingerprint.encode())
    for text in texts:
        digest.update(b"\0" + text.encode())
    return digest.hexdigest()[:32]
