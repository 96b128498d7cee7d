"""The outbox as the delivery loops and the console use it after commit (`OutboxQueue`, the
port adapters.ports names): each step in its own short transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import col, select

from bot.messages import ConversationRef, Reply
from bot.ports import Cipher
from storage.outbox import (
    MAX_REPLY_ATTEMPTS,
    PAGE,
    REPLY,
    recipient_key,
    reply_id,
    row_context,
    seal,
    unseal,
)
from storage.tables import IdentityRow, OutboxRow, PersonRow
from storage.uow import SqlStore


class OutboxQueue:
    """Delivery of committed outbox rows, one short transaction per step."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    @property
    def cipher(self) -> Cipher:
        assert self.store.cipher is not None, "the outbox needs a store with a cipher"
        return self.store.cipher

    @staticmethod
    def reply_id(delivery_id: str) -> str:
        """The row holding the replies to one recorded message."""
        return reply_id(delivery_id)

    async def pending(self, person_id: str) -> Sequence[tuple[str, str, Reply]]:
        """Undelivered notifications for one person: (id, summary, reply), oldest first."""
        async with self.store() as uow:
            rows = await uow.session.exec(
                select(OutboxRow)
                .where(
                    OutboxRow.person_id == recipient_key(self.cipher, person_id),
                    col(OutboxRow.failed_at).is_(None),
                )
                .order_by(col(OutboxRow.created_at))
            )
            return [(r.id, *unseal(self.cipher, r)[1:]) for r in rows]

    async def delivered(self, ids: Sequence[str]) -> None:
        """Delivered: the rows, and what they said, are deleted."""
        if not ids:
            return
        async with self.store() as uow:
            await uow.session.exec(delete(OutboxRow).where(col(OutboxRow.id).in_(list(ids))))
            await uow.commit()

    async def due_for(
        self, platform: str, limit: int = 50
    ) -> Sequence[tuple[str, int, str, str, Reply]]:
        """Undelivered, unfailed notifications for people on a platform, oldest first.

        Each row: (id, attempts, the person's platform user id, person id, reply). Who a row
        is for is sealed, so rows are opened a page at a time until `limit` are found.
        """
        found: list[tuple[str, int, str, str, Reply]] = []
        async with self.store() as uow:
            waiting = (
                select(OutboxRow)
                .where(col(OutboxRow.failed_at).is_(None), col(OutboxRow.person_id).is_not(None))
                .order_by(col(OutboxRow.created_at), col(OutboxRow.id))
            )
            offset = 0
            while len(found) < limit:
                rows = list(await uow.session.exec(waiting.offset(offset).limit(PAGE)))
                if not rows:
                    break
                offset += len(rows)
                opened = [(r, *unseal(self.cipher, r)) for r in rows]
                people = {p for _, p, _, _ in opened if p}
                users = dict(
                    (
                        await uow.session.exec(
                            select(IdentityRow.person_id, IdentityRow.user_id).where(
                                col(IdentityRow.person_id).in_(people),
                                col(IdentityRow.platform) == platform,
                            )
                        )
                    ).all()
                )
                for r, person, _, reply in opened:
                    if person in users and len(found) < limit:
                        found.append((r.id, r.attempts, str(users[person]), person, reply))
        return found

    async def claim(self, outbox_id: str, attempts: int) -> bool:
        """Take one notification for delivery; False if another worker took it first."""
        async with self.store() as uow:
            result = await uow.session.exec(
                update(OutboxRow)
                .where(col(OutboxRow.id) == outbox_id, col(OutboxRow.attempts) == attempts)
                .values(attempts=attempts + 1, sending_at=datetime.now(UTC))
            )
            await uow.commit()
            return bool(result.rowcount == 1)

    async def failed(self, outbox_id: str, error: str) -> None:
        """It can never be delivered: keep the error code (never the content), drop the rest."""
        async with self.store() as uow:
            await uow.session.exec(
                update(OutboxRow)
                .where(col(OutboxRow.id) == outbox_id)
                .values(failed_at=datetime.now(UTC), error=error[:200], box=None, payload=None)
            )
            await uow.commit()

    async def unclaim(self, outbox_id: str, attempts: int) -> None:
        """Give back a claim that was not a real attempt (the person is not reachable yet)."""
        async with self.store() as uow:
            await uow.session.exec(
                update(OutboxRow)
                .where(col(OutboxRow.id) == outbox_id, col(OutboxRow.attempts) == attempts)
                .values(attempts=attempts - 1)
            )
            await uow.commit()

    async def stale_replies(
        self, platform: str, older_than: datetime, limit: int = 100
    ) -> Sequence[tuple[str, ConversationRef, list[Reply], datetime]]:
        """Replies whose sender stopped before deleting them (it died, or is slow): each
        (id, conversation, replies, when written); they are leased anew to the caller."""
        async with self.store() as uow:
            rows = list(
                await uow.session.exec(
                    select(OutboxRow)
                    .where(
                        OutboxRow.platform == platform,
                        col(OutboxRow.person_id).is_(None),
                        col(OutboxRow.failed_at).is_(None),
                        col(OutboxRow.sending_at) < older_than,
                    )
                    .order_by(col(OutboxRow.created_at))
                    .limit(limit)
                )
            )
            taken: list[tuple[str, ConversationRef, list[Reply], datetime]] = []
            now = datetime.now(UTC)
            for row in rows:
                gave_up = row.attempts + 1 >= MAX_REPLY_ATTEMPTS
                values: dict[str, Any] = {"sending_at": now, "attempts": row.attempts + 1}
                if gave_up:  # the platform keeps refusing it: keep the error, not the text
                    values.update(failed_at=now, error="too many attempts", box=None)
                result = await uow.session.exec(
                    update(OutboxRow)
                    .where(col(OutboxRow.id) == row.id, col(OutboxRow.sending_at) == row.sending_at)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount != 1 or row.box is None or gave_up:
                    continue  # another replica took it
                body = json.loads(self.cipher.open(row.box, row_context(row.id)))
                platform_, channel, thread = body["conversation"]
                replies = [REPLY.validate_python(r) for r in body["replies"]]
                created = (
                    row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
                )
                taken.append(
                    (row.id, ConversationRef(platform_, channel, thread), replies, created)
                )
            await uow.commit()
            return taken

    async def replies_of(
        self, row_id: str, older_than: datetime | None = None
    ) -> list[Reply] | None:
        """The replies kept in one reply row; None when there is none (they were sent), or
        when `older_than` is given and someone started sending them since (it is theirs).
        With `older_than`, the row is leased to the caller."""
        async with self.store() as uow:
            row = await uow.session.get(OutboxRow, row_id)
            if row is None or row.box is None or row.person_id is not None:
                return None
            if older_than is not None:
                result = await uow.session.exec(
                    update(OutboxRow)
                    .where(col(OutboxRow.id) == row_id, col(OutboxRow.sending_at) < older_than)
                    .values(sending_at=datetime.now(UTC))
                    .execution_options(synchronize_session=False)
                )
                await uow.commit()
                if result.rowcount != 1:
                    return None
            body = json.loads(self.cipher.open(row.box, row_context(row.id)))
            return [REPLY.validate_python(r) for r in body["replies"]]

    async def seal_legacy(self) -> int:
        """Seal rows written before outbox content and recipients were sealed (content in
        clear, or a person id in clear); how many there were."""
        async with self.store() as uow:
            # A row from before names a person of the directory; a keyed hash names none.
            rows = list(
                await uow.session.exec(
                    select(OutboxRow).where(
                        col(OutboxRow.payload).is_not(None)
                        | col(OutboxRow.person_id).in_(select(PersonRow.id))
                    )
                )
            )
            for row in rows:
                person = str(row.person_id or "")
                if row.box is not None or row.payload is not None:
                    _, summary, reply = unseal(self.cipher, row)
                    row.box = seal(self.cipher, row.id, person, summary, reply)
                row.person_id = recipient_key(self.cipher, person) if person else None
                row.payload = None
                uow.session.add(row)
            await uow.commit()
            return len(rows)

    async def backlog(self) -> dict[str, Any]:
        """How many notifications wait, how many failed, and the oldest waiting one's age."""
        async with self.store() as uow:
            waiting = col(OutboxRow.failed_at).is_(None) & col(OutboxRow.person_id).is_not(None)
            count, oldest = (
                await uow.session.exec(
                    select(func.count(), func.min(OutboxRow.created_at)).where(waiting)
                )
            ).one()
            failed = (
                await uow.session.exec(
                    select(func.count()).where(col(OutboxRow.failed_at).is_not(None))
                )
            ).one()
        age = 0.0
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            age = max(0.0, (datetime.now(UTC) - oldest).total_seconds())
        return {"waiting": int(count), "failed": int(failed), "oldest_seconds": round(age, 1)}

    async def forget_failed(self, before: datetime) -> None:
        """Delete failure records older than `before`."""
        async with self.store() as uow:
            await uow.session.exec(delete(OutboxRow).where(col(OutboxRow.failed_at) < before))
            await uow.commit()
