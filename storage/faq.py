"""The FAQ's tables: the answer log (no identities) and HR's changes from the dashboard."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Text,
    case,
    func,
    insert,
    update,
)
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.features.faq.store import ChangeKind, FaqChange
from bot.model import new_id
from storage.tables import aware, utc_column


class FaqAnswerRow(SQLModel, table=True):
    """An answer the bot gave: which entry, how sure, which day; no identity, no question."""

    __tablename__ = "faq_answer"

    id: str = Field(primary_key=True, max_length=32)
    faq_id: str = Field(max_length=100, index=True)
    score: float
    day: date = Field(index=True)
    helpful: bool | None = Field(default=None)


class UnansweredRow(SQLModel, table=True):
    """A question the bot could not answer: the text and the day, nothing about who asked."""

    __tablename__ = "unanswered_question"

    id: str = Field(primary_key=True, max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    day: date = Field(index=True)


class FaqChangeRow(SQLModel, table=True):
    """HR's change to the FAQ from the dashboard: a new phrasing of an entry, or a new entry
    (its question in `text`, the rest alongside). Retired, never deleted: the history."""

    __tablename__ = "faq_change"

    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=16)
    faq_id: str = Field(max_length=100, index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    section: str = Field(default="", max_length=100)
    phrasings: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    source: str = Field(default="", max_length=100)
    author_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    retired_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    retired_by: str | None = Field(default=None, max_length=32)


_ANSWER = insert(FaqAnswerRow.__table__)  # type: ignore[attr-defined]
_UNANSWERED = insert(UnansweredRow.__table__)  # type: ignore[attr-defined]


class SqlFaqLog:
    """Answer log, feedback and unanswered questions, with no identities."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Rows written at commit (or before a read), in one statement per table.
        self._answers: list[dict[str, Any]] = []
        self._unanswered: list[dict[str, Any]] = []

    async def flush(self) -> None:
        """Write the buffered rows."""
        if self._answers:
            rows, self._answers = self._answers, []
            await self.session.exec(_ANSWER, params=rows)
        if self._unanswered:
            rows, self._unanswered = self._unanswered, []
            await self.session.exec(_UNANSWERED, params=rows)

    async def answered(self, faq_id: str, score: float, day: date) -> str:
        answer_id = new_id()
        self._answers.append(
            {"id": answer_id, "faq_id": faq_id, "score": score, "day": day, "helpful": None}
        )
        return answer_id

    async def feedback(self, answer_id: str, helpful: bool) -> bool:
        await self.flush()
        row = await self.session.get(FaqAnswerRow, answer_id[:32])
        if row is None:
            return False
        row.helpful = helpful
        self.session.add(row)
        await self.session.flush()
        return True

    async def unanswered(self, text: str, day: date) -> None:
        self._unanswered.append({"id": new_id(), "text": text, "day": day})

    async def since(self, day: date) -> tuple[list[str], dict[str, int]]:
        await self.flush()
        questions = await self.session.exec(
            select(UnansweredRow.text).where(col(UnansweredRow.day) >= day)
        )
        unhelpful = await self.session.exec(
            select(FaqAnswerRow.faq_id, func.count())
            .where(col(FaqAnswerRow.day) >= day, col(FaqAnswerRow.helpful).is_(False))
            .group_by(col(FaqAnswerRow.faq_id))
        )
        return list(questions), {faq_id: int(n) for faq_id, n in unhelpful}

    async def tallies(self, day: date) -> dict[str, tuple[int, int, int]]:
        await self.flush()
        helpful = col(FaqAnswerRow.helpful)
        rows = await self.session.exec(
            select(
                FaqAnswerRow.faq_id,
                func.count(),
                func.count(case((helpful.is_(True), 1))),
                func.count(case((helpful.is_(False), 1))),
            )
            .where(col(FaqAnswerRow.day) >= day)
            .group_by(col(FaqAnswerRow.faq_id))
        )
        return {faq_id: (int(n), int(yes), int(no)) for faq_id, n, yes, no in rows}

    async def unanswered_since(self, day: date, limit: int) -> Sequence[tuple[str, date]]:
        await self.flush()
        rows = await self.session.exec(
            select(UnansweredRow)
            .where(col(UnansweredRow.day) >= day)
            .order_by(col(UnansweredRow.day).desc(), col(UnansweredRow.id).desc())
            .limit(limit)
        )
        return [(r.text, r.day) for r in rows]


def _change(row: FaqChangeRow) -> FaqChange:
    return FaqChange(
        id=row.id,
        kind=ChangeKind(row.kind),
        faq_id=row.faq_id,
        text=row.text,
        author_id=row.author_id,
        created_at=aware(row.created_at) or row.created_at,
        answer=row.answer,
        section=row.section,
        phrasings=tuple(json.loads(row.phrasings)),
        source=row.source,
        retired_at=aware(row.retired_at),
        retired_by=row.retired_by,
    )


class SqlFaqChanges:
    """The FaqChanges port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, change: FaqChange) -> None:
        self.session.add(
            FaqChangeRow(
                id=change.id,
                kind=change.kind.value,
                faq_id=change.faq_id,
                text=change.text,
                answer=change.answer,
                section=change.section,
                phrasings=json.dumps(list(change.phrasings)),
                source=change.source,
                author_id=change.author_id,
                created_at=change.created_at,
            )
        )
        await self.session.flush()

    async def all(self) -> Sequence[FaqChange]:
        rows = await self.session.exec(
            select(FaqChangeRow).order_by(col(FaqChangeRow.created_at), col(FaqChangeRow.id))
        )
        return [_change(r) for r in rows]

    async def retire(self, change_id: str, by: str, at: datetime) -> bool:
        result = await self.session.exec(
            update(FaqChangeRow)
            .where(col(FaqChangeRow.id) == change_id, col(FaqChangeRow.retired_at).is_(None))
            .values(retired_at=at, retired_by=by)
        )
        return bool(result.rowcount)

    async def stamp(self) -> str:
        n, retired, last = (
            await self.session.exec(
                select(
                    func.count(),
                    func.count(col(FaqChangeRow.retired_at)),
                    func.max(col(FaqChangeRow.id)),
                )
            )
        ).one()
        return f"{n}:{retired}:{last or ''}"
