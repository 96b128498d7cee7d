"""Suggestions on the policy and the review reminder, in SQL."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import ReviewReminderRow, SuggestionRow


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
