"""The messenger port backed by an outbox table: notifications wait there for delivery."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pydantic import TypeAdapter
from sqlalchemy import update
from sqlmodel import col, select

from bot.messages import Notification, Reply
from bot.model import new_id
from storage.tables import OutboxRow, PersonRow
from storage.uow import SqlStore

_REPLY: TypeAdapter[Reply] = TypeAdapter(Reply)


def dump_reply(reply: Reply) -> str:
    """A reply as JSON."""
    return _REPLY.dump_json(reply).decode()


def load_reply(payload: str) -> Reply:
    """A reply back from JSON."""
    return _REPLY.validate_json(payload)


class OutboxMessenger:
    """Stores each notification; a platform adapter or the console delivers it."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.listeners: list[Callable[[], None]] = []

    async def send(self, notification: Notification) -> None:
        async with self.store() as uow:
            uow.session.add(
                OutboxRow(
                    id=new_id(),
                    person_id=notification.person_id,
                    summary=notification.summary[:300],
                    payload=dump_reply(notification.reply),
                    created_at=datetime.now(UTC),
                )
            )
            await uow.commit()
        for listener in self.listeners:
            listener()  # e.g. wake a delivery loop

    async def pending(self, person_id: str) -> Sequence[tuple[str, str, Reply]]:
        """Undelivered notifications for one person: (id, summary, reply), oldest first."""
        async with self.store() as uow:
            rows = await uow.session.exec(
                select(OutboxRow)
                .where(OutboxRow.person_id == person_id, col(OutboxRow.delivered_at).is_(None))
                .order_by(OutboxRow.created_at)
            )
            return [(r.id, r.summary, load_reply(r.payload)) for r in rows]

    async def delivered(self, ids: Sequence[str]) -> None:
        """Mark notifications as delivered."""
        if not ids:
            return
        async with self.store() as uow:
            rows = await uow.session.exec(select(OutboxRow).where(col(OutboxRow.id).in_(ids)))
            for row in rows:
                row.delivered_at = datetime.now(UTC)
                uow.session.add(row)
            await uow.commit()

    async def due(self, platform: str, limit: int = 50) -> Sequence[tuple[str, int, str, Reply]]:
        """Undelivered, unfailed notifications for people on a platform.

        Each row: (id, attempts, the person's platform user id, reply), oldest first.
        """
        return [(i, a, u, r) for i, a, u, _, r in await self.due_for(platform, limit)]

    async def due_for(
        self, platform: str, limit: int = 50
    ) -> Sequence[tuple[str, int, str, str, Reply]]:
        """Like `due`, with the person id: (id, attempts, platform user id, person id, reply)."""
        column = PersonRow.slack_user_id if platform == "slack" else PersonRow.teams_user_id
        async with self.store() as uow:
            rows = await uow.session.exec(
                select(OutboxRow, column)
                .join(PersonRow, col(PersonRow.id) == col(OutboxRow.person_id))
                .where(
                    col(OutboxRow.delivered_at).is_(None),
                    col(OutboxRow.failed_at).is_(None),
                    col(column).is_not(None),
                )
                .order_by(OutboxRow.created_at)
                .limit(limit)
            )
            return [
                (r.id, r.attempts, str(uid), r.person_id, load_reply(r.payload)) for r, uid in rows
            ]

    async def claim(self, outbox_id: str, attempts: int) -> bool:
        """Take one notification for delivery; False if another worker took it first."""
        async with self.store() as uow:
            result = await uow.session.exec(  # type: ignore[call-overload]
                update(OutboxRow)
                .where(
                    col(OutboxRow.id) == outbox_id,
                    col(OutboxRow.attempts) == attempts,
                    col(OutboxRow.delivered_at).is_(None),
                )
                .values(attempts=attempts + 1)
            )
            await uow.commit()
            return bool(result.rowcount == 1)

    async def failed(self, outbox_id: str, error: str) -> None:
        """Record that a notification cannot be delivered (the error code, never the content)."""
        async with self.store() as uow:
            row = await uow.session.get(OutboxRow, outbox_id)
            if row is not None:
                row.failed_at = datetime.now(UTC)
                row.error = error[:200]
                uow.session.add(row)
                await uow.commit()

    async def unclaim(self, outbox_id: str, attempts: int) -> None:
        """Give back a claim that was not a real attempt (the person is not reachable yet)."""
        async with self.store() as uow:
            await uow.session.exec(  # type: ignore[call-overload]
                update(OutboxRow)
                .where(col(OutboxRow.id) == outbox_id, col(OutboxRow.attempts) == attempts)
                .values(attempts=attempts - 1)
            )
            await uow.commit()
