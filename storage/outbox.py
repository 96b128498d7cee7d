"""The outbox: notifications written with the change that causes them, sealed until delivered.

`SqlOutbox` is the unit of work's repository (the core adds to it); `outbox_queue.OutboxQueue`
is what the delivery loops and the console use after commit. A row is deleted once
delivered; a row that can never be delivered keeps only its error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import ConversationRef, Notification, Reply
from bot.model import new_id
from bot.ports import Cipher
from storage.tables import OutboxRow

REPLY: TypeAdapter[Reply] = TypeAdapter(Reply)
REPLIES: TypeAdapter[Sequence[Reply]] = TypeAdapter(Sequence[Reply])
MAX_REPLY_ATTEMPTS = 8  # a reply taken over this often is given up on
PAGE = 200  # notification rows opened at a time when looking for a platform's
_REPLY = insert(OutboxRow.__table__)  # type: ignore[attr-defined]


def dump_reply(reply: Reply) -> str:
    """A reply as JSON."""
    return REPLY.dump_json(reply).decode()


def load_reply(payload: str) -> Reply:
    """A reply back from JSON."""
    return REPLY.validate_json(payload)


def row_context(row_id: str) -> bytes:
    return b"outbox:" + row_id.encode()


def seal(cipher: Cipher, row_id: str, person_id: str, summary: str, reply: Reply) -> bytes:
    """A notification's recipient, summary and reply, sealed for one outbox row."""
    body = {"person": person_id, "summary": summary, "reply": json.loads(dump_reply(reply))}
    return cipher.seal(json.dumps(body).encode(), row_context(row_id))


def recipient_key(cipher: Cipher, person_id: str) -> str:
    """What a notification row says of its recipient: a keyed hash of the person's id, so
    that a notice waiting for a confidential reporter does not name them in clear."""
    return cipher.keyed_hash("outbox person", person_id)[:32]


def unseal(cipher: Cipher, row: OutboxRow) -> tuple[str, str, Reply]:
    """(person id, summary, reply) of a notification row, sealed or from before sealing
    (such a row still names its person in clear until `OutboxQueue.seal_legacy` runs)."""
    if row.box is not None:
        body = json.loads(cipher.open(row.box, row_context(row.id)))
        person = str(body.get("person") or row.person_id or "")
        return person, str(body["summary"]), REPLY.validate_python(body["reply"])
    return str(row.person_id or ""), "", load_reply(row.payload or "{}")


class SqlOutbox:
    """The outbox repository of one unit of work."""

    def __init__(self, session: AsyncSession, cipher: Cipher | None) -> None:
        self.session = session
        self.cipher = cipher
        self.added: list[Notification] = []
        self._replies: list[dict[str, Any]] = []

    async def add(self, notification: Notification) -> None:
        if self.cipher is None:
            raise RuntimeError("this store has no cipher: it cannot seal notifications")
        row_id = new_id()
        person = notification.person_id
        box = seal(self.cipher, row_id, person, notification.summary[:300], notification.reply)
        self.session.add(
            OutboxRow(
                id=row_id,
                person_id=recipient_key(self.cipher, person),
                about=self.about_key(notification.about),
                box=box,
                created_at=datetime.now(UTC),
            )
        )
        self.added.append(notification)

    async def reply(
        self, conversation: ConversationRef, replies: Sequence[Reply], delivery_id: str
    ) -> None:
        if self.cipher is None:
            raise RuntimeError("this store has no cipher: it cannot seal replies")
        row_id = reply_id(delivery_id)
        where = json.dumps([conversation.platform, conversation.id, conversation.thread])
        body = b'{"conversation": %s, "replies": %s}' % (where.encode(), REPLIES.dump_json(replies))
        now = datetime.now(UTC)
        # Written at the commit, a batch's replies in one statement.
        self._replies.append(
            {
                "id": row_id,
                "person_id": None,
                "platform": conversation.platform,
                "about": "",
                "box": self.cipher.seal(body, row_context(row_id)),
                "payload": None,
                "created_at": now,
                "attempts": 0,
                # Being sent by this process from now: another takes it over only once the
                # lease runs out, and then first looks for it in the conversation.
                "sending_at": now,
                "failed_at": None,
                "error": None,
            }
        )

    async def flush(self) -> None:
        """Write the replies buffered since the last flush."""
        if self._replies:
            rows, self._replies = self._replies, []
            await self.session.exec(_REPLY, params=rows)

    def about_key(self, about: str) -> str:
        """What `about` is stored as: a keyed hash, so that a notice to a confidential
        reporter names no case in clear, and a purge can still find it."""
        if not about or self.cipher is None:
            return ""
        return self.cipher.keyed_hash("outbox about", about)[:32]


def reply_id(delivery_id: str) -> str:
    """The outbox row holding the replies to one recorded message (one per delivery)."""
    return "r" + hashlib.sha256(delivery_id.encode()).hexdigest()[:31]
