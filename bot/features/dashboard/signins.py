"""The port of one-time sign-in links to the web dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class SignIns(Protocol):
    """One-time links, kept only as keyed hashes of their tokens, with whose and until when."""

    async def add(self, token_hash: str, person_id: str, expires_at: datetime) -> None:
        """Keep a new link."""
        ...

    async def forget(self, before: datetime) -> int:
        """Forget links that expired before `before`; how many."""
        ...

    async def take(self, token_hash: str, now: datetime) -> str | None:
        """The person an unexpired link was made for, and the link is gone: it works once."""
        ...
