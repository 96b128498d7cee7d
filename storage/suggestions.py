"""Suggestions on the policy and the review reminder, in SQL."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import utc_column


class SuggestionRow(SQLModel, table=True):
    """A suggestion on the policy. Anonymous ones have no person and only a day, like survey
    comments; the text is encrypted."""

    __tablename__ = "suggestion"

    id: str = Field(primary_key=True, max_length=32)
    section_id: str = Field(max_length=100, index=True)
    kind: str = Field(max_length=16)  # change, unclear
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    person_id: str | None = Field(default=None, max_length=32)
    day: date = Field(index=True)
    version: int


class ReviewReminderRow(SQLModel, table=True):
    """The review reminder of a policy version, sent once."""

    __tablename__ = "review_reminder"

    version: int = Field(primary_key=True)
    at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


class SqlSuggestions:
    """The Suggestions port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        section_id: str,
        kind: str,
        box: bytes,
        person_id: str | None,
        day: date,
        version: int,
    ) -> None:
        # A random id: unlike a time-ordered one it says nothing about when it arrived.
        self.session.add(
            SuggestionRow(
                id=secrets.token_hex(16),
                section_id=section_id,
                kind=kind,
                box=box,
                person_id=person_id,
                day=day,
                version=version,
            )
        )
        await self.session.flush()

    async def since(self, day: date) -> Sequence[tuple[str, str, bytes, str | None]]:
        rows = await self.session.exec(
            select(SuggestionRow)
            .where(col(SuggestionRow.day) >= day)
            .order_by(col(SuggestionRow.section_id), col(SuggestionRow.id))
        )
        return [(r.section_id, r.kind, r.box, r.person_id) for r in rows]

    async def review_reminded(self, version: int, at: datetime) -> bool:
        if await self.session.get(ReviewReminderRow, version) is not None:
            return False
        self.session.add(ReviewReminderRow(version=version, at=at))
        await self.session.flush()  # a concurrent reminder conflicts here
        return True
