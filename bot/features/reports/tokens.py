"""The port of single-use links to the anonymous web intake."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class IntakeTokens(Protocol):
    """Single-use intake links, kept only as keyed hashes of their tokens and an expiry:
    nothing says whom a link was given to."""

    async def add(self, token_hash: str, expires_at: datetime) -> None:
        """Keep a new link."""
        ...

    async def forget(self, before: datetime) -> int:
        """Forget links that expired before `before`; how many."""
        ...

    async def usable(self, token_hash: str, now: datetime) -> bool:
        """True when the link exists and has not expired (nothing is spent)."""
        ...

    async def take(self, token_hash: str, now: datetime) -> bool:
        """True when an unexpired link was there, and it is gone: it works once."""
        ...
