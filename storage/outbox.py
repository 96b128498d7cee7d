"""The messenger port backed by an outbox table: notifications wait there for delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import TypeAdapter
from sqlmodel import col, select

from bot.messages import Notification, Reply
from bot.model import new_id
from storage.tables import OutboxRow
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
