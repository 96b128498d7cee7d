"""Success stories, recognition rounds and votes in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Column, Text, func
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.features.stories.model import Round, Story, StoryStatus
from storage.tables import aware, utc_column


class StoryRow(SQLModel, table=True):
    """A success story; its text is shown only once HR approved it."""

    __tablename__ = "story"

    id: str = Field(primary_key=True, max_length=16)
    author_id: str = Field(max_length=32, index=True)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    link: str = Field(default="", max_length=500)
    share_ok: bool = Field(default=True)
    status: str = Field(max_length=16, index=True)
    reason: str = Field(default="", max_length=500)
    created_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    decided_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]


class RoundRow(SQLModel, table=True):
    """A recognition round."""

    __tablename__ = "recognition_round"

    id: str = Field(primary_key=True, max_length=16)
    title: str = Field(max_length=200)
    entries: str = Field(sa_column=Column(Text, nullable=False))  # comma-separated story ids
    opened_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    closes_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    closed: bool = Field(default=False)
    winner_id: str | None = Field(default=None, max_length=16)


class VoteRow(SQLModel, table=True):
    """One person's vote in one round (changeable until the round closes)."""

    __tablename__ = "vote"

    round_id: str = Field(primary_key=True, max_length=16)
    person_id: str = Field(primary_key=True, max_length=32)
    story_id: str = Field(max_length=16)
    at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


def _story(row: StoryRow) -> Story:
    return Story(
        id=row.id,
        author_id=row.author_id,
        title=row.title,
        body=row.body,
        created_at=aware(row.created_at) or row.created_at,
        link=row.link,
        share_ok=row.share_ok,
        status=StoryStatus(row.status),
        reason=row.reason,
        decided_at=aware(row.decided_at),
    )


def _round(row: RoundRow) -> Round:
    return Round(
        id=row.id,
        title=row.title,
        entries=tuple(e for e in row.entries.split(",") if e),
        opened_at=aware(row.opened_at) or row.opened_at,
        closes_at=aware(row.closes_at) or row.closes_at,
        closed=row.closed,
        winner_id=row.winner_id,
    )


class SqlStories:
    """The Stories port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, story: Story) -> None:
        self.session.add(
            StoryRow(
                id=story.id,
                author_id=story.author_id,
                title=story.title,
                body=story.body,
                created_at=story.created_at,
                status=story.status.value,
            )
        )
        await self.session.flush()
        await self.save(story)

    async def get(self, story_id: str) -> Story | None:
        row = await self.session.get(StoryRow, story_id)
        return _story(row) if row else None

    async def save(self, story: Story) -> None:
        row = await self.session.get(StoryRow, story.id)
        assert row is not None
        row.title, row.body, row.link = story.title, story.body, story.link
        row.share_ok, row.status, row.reason = story.share_ok, story.status.value, story.reason
        row.decided_at = story.decided_at
        self.session.add(row)
        await self.session.flush()

    async def with_status(self, status: str) -> Sequence[Story]:
        rows = await self.session.exec(
            select(StoryRow).where(StoryRow.status == status).order_by(col(StoryRow.created_at))
        )
        return [_story(r) for r in rows]

    async def all(self) -> Sequence[Story]:
        rows = await self.session.exec(select(StoryRow).order_by(col(StoryRow.created_at)))
        return [_story(r) for r in rows]

    async def add_round(self, round_: Round) -> None:
        self.session.add(
            RoundRow(
                id=round_.id,
                title=round_.title,
                entries=",".join(round_.entries),
                opened_at=round_.opened_at,
                closes_at=round_.closes_at,
            )
        )
        await self.session.flush()

    async def round(self, round_id: str) -> Round | None:
        row = await self.session.get(RoundRow, round_id)
        return _round(row) if row else None

    async def rounds(self) -> Sequence[Round]:
        rows = await self.session.exec(select(RoundRow).order_by(col(RoundRow.opened_at)))
        return [_round(r) for r in rows]

    async def save_round(self, round_: Round) -> None:
        row = await self.session.get(RoundRow, round_.id)
        assert row is not None
        row.closed, row.winner_id = round_.closed, round_.winner_id
        self.session.add(row)
        await self.session.flush()

    async def vote(self, round_id: str, person_id: str, story_id: str, at: datetime) -> bool:
        row = await self.session.get(VoteRow, (round_id, person_id))
        changed = row is not None and row.story_id != story_id
        row = row or VoteRow(round_id=round_id, person_id=person_id, story_id=story_id, at=at)
        row.story_id, row.at = story_id, at
        self.session.add(row)
        await self.session.flush()  # a concurrent first vote conflicts here and runs again
        return changed

    async def votes(self, round_id: str) -> dict[str, int]:
        rows = await self.session.exec(
            select(VoteRow.story_id, func.count())
            .where(VoteRow.round_id == round_id)
            .group_by(col(VoteRow.story_id))
        )
        return {story_id: int(n) for story_id, n in rows}
