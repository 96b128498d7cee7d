"""Clean-up of the register of platform deliveries already handled (seen_event)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col

from storage.tables import SeenEventRow
from storage.uow import SqlStore


class SeenEvents:
    """Old entries are dropped once the platforms can no longer retry them."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    async def forget_before(self, days: int = 2) -> int:
        """Drop keys older than the platforms' retry windows."""
        cutoff = datetime.now(UTC) - timedelta(days=days)
        async with self.store() as uow:
            result = await uow.session.exec(
                delete(SeenEventRow).where(col(SeenEventRow.seen_at) < cutoff)
            )
            await uow.commit()
            return int(result.rowcount or 0)
