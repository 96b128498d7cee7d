"""The inbox as the channels use it (`InboxQueue`, the port adapters.ports names): events
recorded in group commits before they are acknowledged, taken over when their lease runs
out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from storage.inbox import INBOX, event_context
from storage.tables import InboxRow, OutboxRow, SeenEventRow
from storage.uow import SqlStore

T = TypeVar("T")


class Group:
    """Group commit: what callers hand in at about the same time is written in one
    transaction, with one statement per kind: the events to record (one lookup of those
    answered already, one insert that reports which rows are new) and the sent replies to
    delete. Each caller returns once that transaction is committed."""

    def __init__(self, store: SqlStore, insert: Any) -> None:
        self.store = store
        # Run with the rows as parameters (one statement, compiled once and cached, that the
        # driver sends as multi-row inserts), not with the rows in the statement, which would
        # be compiled anew for every group.
        self._insert = insert.on_conflict_do_nothing().returning(INBOX.c.key)
        self._rows: list[tuple[dict[str, Any], asyncio.Future[bool]]] = []
        self._sent: list[tuple[list[str], asyncio.Future[bool]]] = []
        self._task: asyncio.Task[None] | None = None

    def _wake(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(), name="group-commit")

    async def record(self, row: dict[str, Any]) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._rows.append((row, future))
        self._wake()
        return await future

    async def sent(self, ids: list[str]) -> None:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._sent.append((ids, future))
        self._wake()
        await future

    async def _drain(self) -> None:
        while self._rows or self._sent:
            rows, self._rows = self._rows, []
            sent, self._sent = self._sent, []
            try:
                fresh = await self._write([r for r, _ in rows], [i for ids, _ in sent for i in ids])
            except Exception as exc:
                for _, future in (*rows, *sent):
                    if not future.done():
                        future.set_exception(exc)
                continue
            for row, future in rows:
                if not future.done():
                    # A key handed in twice at once is new for its first caller only.
                    future.set_result(row["key"] in fresh)
                    fresh.discard(row["key"])
            for _, future in sent:
                if not future.done():
                    future.set_result(True)

    async def _write(self, rows: list[dict[str, Any]], sent: list[str]) -> set[str]:
        async with self.store() as uow:
            fresh: set[str] = set()
            if rows:
                keys = list({r["key"] for r in rows})
                answered = {
                    seen.key
                    for seen in await uow.session.exec(
                        select(SeenEventRow).where(col(SeenEventRow.key).in_(keys))
                    )
                }
                unique = {r["key"]: r for r in rows if r["key"] not in answered}
                if unique:
                    inserted = await uow.session.exec(self._insert, params=list(unique.values()))
                    fresh = {str(k) for (k,) in inserted}
            if sent:
                await uow.session.exec(delete(OutboxRow).where(col(OutboxRow.id).in_(sent)))
            await uow.commit()
            return fresh


class InboxQueue:
    """Recording events, taking over abandoned ones, and the backlog figures."""

    def __init__(self, store: SqlStore, lease_seconds: float = 30.0) -> None:
        self.store = store
        self.lease = timedelta(seconds=lease_seconds)
        dialect = store.engine.dialect.name
        self._group = Group(
            store, (postgresql if dialect == "postgresql" else sqlite).insert(INBOX)
        )

    async def record(self, key: str, platform: str, event: dict[str, Any]) -> bool:
        """Record one event durably (sealed); False when it is a repeat of one already
        recorded or answered. Returns only once the record is committed."""
        cipher = self.store.cipher
        assert cipher is not None, "the inbox needs a store with a cipher"
        key = key[:200]
        box = cipher.seal(json.dumps(event).encode(), event_context(key))
        now = datetime.now(UTC)
        row = {
            "key": key,
            "platform": platform,
            "box": box,
            "received_at": now,
            "attempts": 0,
            "lease_until": now + self.lease,
        }
        return await self._group.record(row)

    async def release(self, keys: Sequence[str]) -> None:
        """Give these back at once (a graceful stop): any process may take them now."""
        if keys:
            async with self.store() as uow:
                await uow.session.exec(
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
                await uow.session.exec(
                    select(InboxRow)
                    .where(col(InboxRow.platform) == platform, expired)
                    .order_by(col(InboxRow.received_at))
                    .limit(limit)
                )
            )
            for key, attempts, lease, box in (
                (r.key, r.attempts, r.lease_until, r.box) for r in rows
            ):
                lease_is = (
                    col(InboxRow.lease_until).is_(None)
                    if lease is None
                    else col(InboxRow.lease_until) == lease
                )
                result = await uow.session.exec(
                    update(InboxRow)
                    .where(col(InboxRow.key) == key, lease_is)
                    .values(lease_until=now + self.lease, attempts=attempts + 1)
                )
                if result.rowcount == 1:
                    taken.append(
                        (key, attempts + 1, json.loads(cipher.open(box, event_context(key))))
                    )
            await uow.commit()
        return taken

    async def drop(self, key: str) -> None:
        """Give up on an event that failed too often (it is never answered)."""
        async with self.store() as uow:
            await uow.session.exec(delete(InboxRow).where(col(InboxRow.key) == key[:200]))
            await uow.commit()

    async def sent(self, reply_ids: Sequence[str]) -> None:
        """Replies posted: their outbox rows are deleted (together with others sent now)."""
        ids = list(reply_ids)
        if ids:
            await self._group.sent(ids)

    async def backlog(self) -> dict[str, Any]:
        """Events waiting to be answered, and the oldest one's age in seconds."""
        async with self.store() as uow:
            count, oldest = (
                await uow.session.exec(select(func.count(), func.min(col(InboxRow.received_at))))
            ).one()
        age = 0.0
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
        return {"waiting": int(count), "oldest_seconds": round(age, 1)}
