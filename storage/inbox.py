"""The inbox: platform events recorded (sealed) before they are acknowledged.

A request is acknowledged only once its event is in the inbox; the transaction that answers
the event removes it from the inbox (and records the delivery as seen) with its effects and
its replies. Rows left behind by a crash are taken over once their lease runs out, by this
process after a restart or by any replica. Requests that arrive together are recorded in one
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import InboxRow

INBOX = InboxRow.__table__  # type: ignore[attr-defined]


def event_context(key: str) -> bytes:
    return b"inbox:" + key.encode()


class SqlInbox:
    """The inbox repository of one unit of work."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def done(self, delivery_ids: Sequence[str]) -> None:
        if delivery_ids:
            keys = [d[:200] for d in delivery_ids]
            await self.session.exec(delete(InboxRow).where(col(InboxRow.key).in_(keys)))
