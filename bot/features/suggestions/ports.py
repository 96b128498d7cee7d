"""The suggestions' repository port (the unit of work in `bot.ports` holds one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol


class Suggestions(Protocol):
    """Suggestions on the policy (anonymous ones with no person), and the review reminder."""

    async def add(
        self,
        section_id: str,
        kind: str,
        box: bytes,
        person_id: str | None,
        day: date,
        version: int,
    ) -> None: ...

    async def since(self, day: date) -> Sequence[tuple[str, str, bytes, str | None]]: ...

    async def review_reminded(self, version: int, at: datetime) -> bool:
        """True the first time only: the review reminder of `version` goes out once."""
        ...
