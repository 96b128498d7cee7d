"""One-time dashboard sign-in links in SQL: only keyed hashes of their tokens are stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import aware, utc_column


class SignInRow(SQLModel, table=True):
    """A one-time link to the dashboard: the keyed hash of its token, whose, until when."""

    __tablename__ = "sign_in"

    token_hash: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(max_length=32)
    expires_at: datetime = utc_column(nullable=False, index=True)  # type: ignore[assignment]


class SqlSignIns:
    """The SignIns port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token_hash: str, person_id: str, expires_at: datetime) -> None:
        self.session.add(
            SignInRow(token_hash=token_hash, person_id=person_id, expires_at=expires_at)
        )
        await self.session.flush()

    async def forget(self, before: datetime) -> int:
        result = await self.session.exec(
            delete(SignInRow).where(col(SignInRow.expires_at) < before)
        )
        return int(result.rowcount or 0)

    async def take(self, token_hash: str, now: datetime) -> str | None:
        row = await self.session.get(SignInRow, token_hash)
        if row is None:
            return None
        # The delete that removes the row is the one use: a concurrent one removes nothing.
        result = await self.session.exec(
            delete(SignInRow).where(col(SignInRow.token_hash) == token_hash)
        )
        expires = aware(row.expires_at)
        if result.rowcount != 1 or expires is None or expires <= now:
            return None
        return row.person_id
