"""Platform events already processed, so retries and duplicate deliveries run once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col

from bot.ports import Conflict
from storage.tables import SeenEventRow
from storage.uow import SqlStore


class SeenEvents:
    """A shared register of event keys: holds across restarts and across replicas."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def first(self, key: str) -> bool:
        """Record `key`; False when it was already recorded (by this or another replica)."""
        async with self.store() as uow:
            uow.session.add(SeenEventRow(key=key[:200], seen_at=datetime.now(UTC)))
            try:
                await uow.commit()
            except Conflict:
                return False
        return True

    async def forget_before(self, days: int = 2) -> int:
        """Drop keys older than the platforms' retry windows."""
        cutoff = datetime.now(UTC) - timedelta(days=days)
        async with self.store() as uow:
            result = await uow.session.exec(  # type: ignore[call-overload]
                delete(SeenEventRow).where(col(SeenEventRow.seen_at) < cutoff)
            )
            await uow.commit()
            return int(result.rowcount or 0)
