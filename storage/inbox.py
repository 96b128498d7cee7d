"""The inbox: platform events recorded (sealed) before they are acknowledged.

A request is acknowledged only once its event is in the inbox; the transaction that answers
the event removes it from the inbox (and records the delivery as seen) with its effects and
its replies. Rows left behind by a crash are taken over once their lease runs out, by this
process after a restart or by any replica. Requests that arrive together are recorded in one
transaction.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import InboxRow, OutboxRow, SeenEventRow

if TYPE_CHECKING:
    from storage.uow import SqlStore, SqlUnitOfWork

T = TypeVar("T")
_INBOX = InboxRow.__table__  # type: ignore[attr-defined]


def _context(key: str) -> bytes:
    return b"inbox:" + key.encode()


class SqlInbox:
    """The inbox repository of one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def done(self, delivery_ids: Sequence[str]) -> None:
        if delivery_ids:
            keys = [d[:200] for d in delivery_ids]
            await self.session.exec(  # type: ignore[call-overload]
                delete(InboxRow).where(col(InboxRow.key).in_(keys))
            )


class Group:
    """Runs the steps that callers hand in at about the same time in one transaction."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self._waiting: list[tuple[Callable[[SqlUnitOfWork], Awaitable[Any]], asyncio.Future[Any]]]
        self._waiting = []
        self._running = False
        self._task: asyncio.Task[None] | None = None

    async def run(self, step: Callable[[SqlUnitOfWork], Awaitable[T]]) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiting.append((step, future))
        if not self._running:
            self._running = True
            self._task = asyncio.create_task(self._drain(), name="group-commit")
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    results = []
                    async with self.store() as uow:
                        for step, _ in batch:
                            results.append(await step(uow))
                        await uow.commit()
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._running = False


class InboxQueue:
    """Recording events, taking over abandoned ones, and the backlog figures."""

    def __init__(self, store: SqlStore, lease_seconds: float = 30.0) -> None:
        self.store = store
        self.lease = timedelta(seconds=lease_seconds)
        self._group = Group(store)
        dialect = store.engine.dialect.name
        self._insert = (postgresql if dialect == "postgresql" else sqlite).insert(_INBOX)

    async def record(self, key: str, platform: str, event: dict[str, Any]) -> bool:
        """Record one event durably (sealed); False when it is a repeat of one already
        recorded or answered. Returns only once the record is committed."""
        cipher = self.store.cipher
        assert cipher is not None, "the inbox needs a store with a cipher"
        key = key[:200]
        box = cipher.seal(json.dumps(event).encode(), _context(key))
        now = datetime.now(UTC)

        async def step(uow: SqlUnitOfWork) -> bool:
            seen = await uow.session.get(SeenEventRow, key)
            if seen is not None:
                return False
            row = {
                "key": key,
                "platform": platform,
                "box": box,
                "received_at": now,
                "attempts": 0,
                "lease_until": now + self.lease,
            }
            result = await uow.session.exec(  # type: ignore[call-overload]
                self._insert.values(row).on_conflict_do_nothing()
            )
            return bool(result.rowcount == 1)

        return await self._group.run(step)

    async def release(self, keys: Sequence[str]) -> None:
        """Give these back at once (a graceful stop): any process may take them now."""
        if keys:
            async with self.store() as uow:
                await uow.session.exec(  # type: ignore[call-overload]
                    update(InboxRow)
                    .where(col(InboxRow.key).in_([k[:200] for k in keys]))
                    .values(lease_until=None)
                )
                await uow.commit()

    async def abandoned(
        self, platform: str, limit: int = 100
    ) -> list[tuple[str, int, dict[str, Any]]]:
        """Events whose lease ran out, leased anew to the caller: (key, attempts, event)."""
        cipher = self.store.cipher
        assert cipher is not None
        now = datetime.now(UTC)
        taken: list[tuple[str, int, dict[str, Any]]] = []
        async with self.store() as uow:
            expired = col(InboxRow.lease_until).is_(None) | (col(InboxRow.lease_until) < now)
            rows = list(
                await uow.session.exec(  # type: ignore[call-overload]
                    select(InboxRow.key, InboxRow.attempts, InboxRow.lease_until, InboxRow.box)
                    .where(InboxRow.platform == platform, expired)
                    .order_by(col(InboxRow.received_at))
                    .limit(limit)
                )
            )
            for key, attempts, lease, box in rows:
                lease_is = (
                    col(InboxRow.lease_until).is_(None)
                    if lease is None
                    else col(InboxRow.lease_until) == lease
                )
                result = await uow.session.exec(  # type: ignore[call-overload]
                    update(InboxRow)
                    .where(col(InboxRow.key) == key, lease_is)
                    .values(lease_until=now + self.lease, attempts=attempts + 1)
                )
                if result.rowcount == 1:
                    taken.append((key, attempts + 1, json.loads(cipher.open(box, _context(key)))))
            await uow.commit()
        return taken

    async def drop(self, key: str) -> None:
        """Give up on an event that failed too often (it is never answered)."""
        async with self.store() as uow:
            await uow.session.exec(  # type: ignore[call-overload]
                delete(InboxRow).where(col(InboxRow.key) == key[:200])
            )
            await uow.commit()

    async def sent(self, reply_ids: Sequence[str]) -> None:
        """Replies posted: their outbox rows are deleted (together with others sent now)."""
        ids = list(reply_ids)

        async def step(uow: SqlUnitOfWork) -> None:
            await uow.session.exec(  # type: ignore[call-overload]
                delete(OutboxRow).where(col(OutboxRow.id).in_(ids))
            )

        if ids:
            await self._group.run(step)

    async def backlog(self) -> dict[str, Any]:
        """Events waiting to be answered, and the oldest one's age in seconds."""
        async with self.store() as uow:
            count, oldest = (
                await uow.session.exec(  # type: ignore[call-overload]
                    select(func.count(), func.min(InboxRow.received_at))
                )
            ).one()
        age = 0.0
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
        return {"waiting": int(count), "oldest_seconds": round(age, 1)}
