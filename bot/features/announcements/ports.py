"""The announcements' repository port (the unit of work in `bot.ports` holds one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.features.announcements.model import Announcement, BroadcastFigures


class Announcements(Protocol):
    """Announcements, their acknowledgements and reminders (deliveries are the engine's)."""

    async def add(self, announcement: Announcement) -> None: ...

    async def get(self, announcement_id: str) -> Announcement | None: ...

    async def recent(self, limit: int = 10) -> Sequence[Announcement]: ...

    async def save(self, announcement: Announcement) -> None: ...

    async def acknowledge(
        self, announcement_id: str, person_id: str, version: int | None, at: datetime
    ) -> bool: ...

    async def acknowledged(self, announcement_id: str, person_id: str) -> bool: ...

    async def figures(self, announcement_id: str, now: datetime) -> BroadcastFigures: ...

    async def unacknowledged(
        self, announcement_id: str
    ) -> Sequence[tuple[str, datetime, int, datetime | None]]: ...

    async def reminded(self, announcement_id: str, person_id: str, at: datetime) -> bool: ...

    async def recipients(self, announcement_id: str) -> Sequence[dict[str, Any]]: ...

    async def acknowledgement_times(self, announcement_id: str) -> Sequence[datetime]:
        """When each recipient who acknowledged it did."""
        ...

    async def reached(self, announcement_id: str) -> dict[str, bool]:
        """The people it was delivered to (not channels), and whether each acknowledged it."""
        ...
