"""Single-use intake links in SQL: a keyed hash of each token and its expiry, nothing else."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import aware, utc_column


class IntakeTokenRow(SQLModel, table=True):
    """A single-use link to the anonymous web intake: the keyed hash of its token and until
    when it works; no person, no time it was made."""

    __tablename__ = "intake_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = utc_column(nullable=False, index=True)  # type: ignore[assignment]


class SqlIntakeTokens:
    """The IntakeTokens port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token_hash: str, expires_at: datetime) -> None:
        self.session.add(IntakeTokenRow(token_hash=token_hash, expires_at=expires_at))
        await self.session.flush()

    async def forget(self, before: datetime) -> int:
        result = await self.session.exec(
            delete(IntakeTokenRow).where(col(IntakeTokenRow.expires_at) < before)
        )
        return int(result.rowcount or 0)

    async def usable(self, token_hash: str, now: datetime) -> bool:
        row = await self.session.get(IntakeTokenRow, token_hash)
        expires = aware(row.expires_at) if row is not None else None
        return expires is not None and expires > now

    async def take(self, token_hash: str, now: datetime) -> bool:
        row = await self.session.get(IntakeTokenRow, token_hash)
        if row is None:
            return False
        # The delete that removes the row is the one use: a concurrent one removes nothing.
        result = await self.session.exec(
            delete(IntakeTokenRow).where(col(IntakeTokenRow.token_hash) == token_hash)
        )
        expires = aware(row.expires_at)
        return result.rowcount == 1 and expires is not None and expires > now
