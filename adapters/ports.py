"""What channels need besides the core, as Protocols: storage implements them, app.py injects.

Each step of these runs in a short transaction of its own, opened by the implementation:
a channel never opens a unit of work.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.features.announcements.model import Announcement
from bot.messages import ConversationRef, Reply, UserRef
from bot.recipient import Job


class OutboxQueue(Protocol):
    """Delivery of committed outbox rows: notifications to people, and kept replies."""

    def reply_id(self, delivery_id: str) -> str:
        """The row holding the replies to one recorded message."""
        ...

    async def pending(self, person_id: str) -> Sequence[tuple[str, str, Reply]]:
        """Undelivered notifications for one person: (id, summary, reply), oldest first."""
        ...

    async def due_for(
        self, platform: str, limit: int = 50
    ) -> Sequence[tuple[str, int, str, str, Reply]]:
        """Due notifications for people on a platform: (id, attempts, user id, person, reply)."""
        ...

    async def claim(self, outbox_id: str, attempts: int) -> bool: ...

    async def unclaim(self, outbox_id: str, attempts: int) -> None: ...

    async def delivered(self, ids: Sequence[str]) -> None: ...

    async def failed(self, outbox_id: str, error: str) -> None: ...

    async def stale_replies(
        self, platform: str, older_than: datetime, limit: int = 100
    ) -> Sequence[tuple[str, ConversationRef, list[Reply], datetime]]:
        """Replies whose sender stopped before deleting them, leased anew to the caller."""
        ...

    async def replies_of(
        self, row_id: str, older_than: datetime | None = None
    ) -> list[Reply] | None: ...

    async def backlog(self) -> dict[str, Any]: ...


class InboxQueue(Protocol):
    """Platform events recorded before they are acknowledged, until they are answered."""

    async def record(self, key: str, platform: str, event: dict[str, Any]) -> bool: ...

    async def release(self, keys: Sequence[str]) -> None: ...

    async def abandoned(
        self, platform: str, limit: int = 100
    ) -> list[tuple[str, int, dict[str, Any]]]: ...

    async def drop(self, key: str) -> None: ...

    async def sent(self, reply_ids: Sequence[str]) -> None: ...

    async def backlog(self) -> dict[str, Any]: ...


class Addresses(Protocol):
    """Opaque references a platform needs to message a person later."""

    async def remember(self, user: UserRef, reference: str) -> None: ...

    async def of(self, person_id: str, platform: str) -> str | None: ...

    async def put(self, person_id: str, platform: str, reference: str) -> None: ...

    async def unreachable(self, person_id: str, platform: str) -> None: ...

    async def is_unreachable(self, person_id: str, platform: str) -> bool: ...

    async def latest(self, platform: str) -> str | None: ...


class Broadcasts(Protocol):
    """The broadcast engine's records: due announcements, recipient rows and their leases."""

    async def due(self, now: datetime) -> list[str]: ...

    async def sending(self) -> list[str]: ...

    async def announcement(self, announcement_id: str) -> Announcement | None: ...

    async def materialize(
        self,
        announcement_id: str,
        platforms: Sequence[str],
        now: datetime,
        addressed: Collection[str] = (),
    ) -> int: ...

    async def claim(
        self, announcement_id: str, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[Job]: ...

    async def in_flight(self, job: Job, lease_until: datetime) -> bool: ...

    async def delivered(self, job: Job, ref: str, revision: int, now: datetime) -> None: ...

    async def failed(self, job: Job, reason: str, now: datetime) -> None: ...

    async def release(self, job: Job, not_before: datetime, problem: str) -> None: ...

    async def progress(self, announcement_id: str, now: datetime) -> None: ...

    async def outdated(
        self, announcement_id: str, revision: int, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[Job]: ...

    async def unlease(self, job: Job) -> None: ...

    async def updated(self, job: Job, revision: int) -> None: ...

    async def finish_if_done(self, announcement_id: str, now: datetime) -> bool: ...

    async def kick_due(self, announcement_id: str, now: datetime, every: timedelta) -> bool: ...
