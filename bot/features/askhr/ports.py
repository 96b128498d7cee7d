"""The tickets' repository port (the unit of work in `bot.ports` holds one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.features.askhr.model import Ticket


class Tickets(Protocol):
    """Questions sent to HR."""

    async def add(self, ticket: Ticket) -> None: ...

    async def get(self, ticket_id: str) -> Ticket | None: ...

    async def by_ref(self, ref: str) -> Ticket | None: ...

    async def open(self) -> Sequence[Ticket]: ...

    async def answered(self, limit: int) -> Sequence[Ticket]:
        """The latest answered questions, newest first."""
        ...

    async def save(self, ticket: Ticket) -> None: ...
