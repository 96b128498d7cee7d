"""Survey campaigns in SQL: the register of who took part, tallies and sealed comments."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Column, LargeBinary, Text, func, text, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.features.surveys.model import Campaign
from bot.model import new_id


class CampaignRow(SQLModel, table=True):
    """A survey sent to an audience between two days."""

    __tablename__ = "survey_campaign"

    id: str = Field(primary_key=True, max_length=32)
    survey_id: str = Field(max_length=64)
    audience: str = Field(max_length=200)
    opens_on: date
    closes_on: date
    closed: bool = Field(default=False)
    invited: bool = Field(default=False)
    reminded: bool = Field(default=False)
    definition: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ParticipantRow(SQLModel, table=True):
    """Who took part: a keyed hash of campaign and person only. No answers, no time."""

    __tablename__ = "survey_participant"

    key: str = Field(primary_key=True, max_length=64)
    campaign_id: str = Field(max_length=32, index=True)


class TallyRow(SQLModel, table=True):
    """How many chose a value: answers are only ever counts, never one person's row."""

    __tablename__ = "survey_tally"

    campaign_id: str = Field(primary_key=True, max_length=32)
    question_id: str = Field(primary_key=True, max_length=64)
    department: str = Field(primary_key=True, max_length=200)
    value: str = Field(primary_key=True, max_length=200)
    count: int = Field(default=0)


class CommentRow(SQLModel, table=True):
    """A sealed free-text answer: a random id, and the campaign's closing day as its date."""

    __tablename__ = "survey_comment"

    id: str = Field(primary_key=True, max_length=32)
    campaign_id: str = Field(max_length=32, index=True)
    question_id: str = Field(max_length=64)
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    day: date


def _campaign(row: CampaignRow) -> Campaign:
    return Campaign(
        row.id,
        row.survey_id,
        row.audience,
        row.opens_on,
        row.closes_on,
        row.closed,
        row.invited,
        row.reminded,
        json.loads(row.definition) if row.definition else None,
    )


class SqlCampaigns:
    """The Campaigns port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, campaign: Campaign) -> None:
        self.session.add(
            CampaignRow(
                id=campaign.id,
                survey_id=campaign.survey_id,
                audience=campaign.audience,
                opens_on=campaign.opens_on,
                closes_on=campaign.closes_on,
                closed=campaign.closed,
                invited=campaign.invited,
                reminded=campaign.reminded,
                definition=json.dumps(campaign.definition) if campaign.definition else None,
            )
        )

    async def get(self, campaign_id: str) -> Campaign | None:
        row = await self.session.get(CampaignRow, campaign_id)
        return _campaign(row) if row is not None else None

    async def all(self) -> Sequence[Campaign]:
        rows = await self.session.exec(
            select(CampaignRow).order_by(col(CampaignRow.opens_on), col(CampaignRow.id))
        )
        return [_campaign(r) for r in rows]

    async def save(self, campaign: Campaign) -> None:
        row = await self.session.get(CampaignRow, campaign.id)
        if row is None:
            await self.add(campaign)
            return
        row.closed, row.closes_on = campaign.closed, campaign.closes_on
        self.session.add(row)

    async def flag(self, campaign_id: str, name: str) -> bool:
        """Set `invited` or `reminded` once; False if it was already set (by any replica)."""
        column = {"invited": CampaignRow.invited, "reminded": CampaignRow.reminded}[name]
        result = await self.session.exec(
            update(CampaignRow)
            .where(col(CampaignRow.id) == campaign_id, col(column).is_(False))
            .values({name: True})
        )
        return bool(result.rowcount == 1)

    async def took_part(self, key: str) -> bool:
        return await self.session.get(ParticipantRow, key) is not None

    async def register(self, campaign_id: str, key: str) -> None:
        self.session.add(ParticipantRow(key=key, campaign_id=campaign_id))
        await self.session.flush()
        await self._shuffle("survey_participant")

    async def participants(self, campaign_id: str) -> int:
        rows = await self.session.exec(
            select(func.count())
            .select_from(ParticipantRow)
            .where(col(ParticipantRow.campaign_id) == campaign_id)
        )
        return int(rows.one())

    async def count(self, campaign_id: str, question: str, department: str, value: str) -> None:
        result = await self.session.exec(
            update(TallyRow)
            .where(
                col(TallyRow.campaign_id) == campaign_id,
                col(TallyRow.question_id) == question,
                col(TallyRow.department) == department,
                col(TallyRow.value) == value,
            )
            .values(count=TallyRow.count + 1)
        )
        if result.rowcount == 0:  # a concurrent first insert conflicts, and the turn re-runs
            self.session.add(
                TallyRow(
                    campaign_id=campaign_id,
                    question_id=question,
                    department=department,
                    value=value,
                    count=1,
                )
            )

    async def comment(self, campaign_id: str, question: str, box: bytes, day: date) -> None:
        self.session.add(
            CommentRow(id=new_id(), campaign_id=campaign_id, question_id=question, box=box, day=day)
        )
        await self.session.flush()
        await self._shuffle("survey_comment")

    async def tallies(self, campaign_id: str) -> Sequence[tuple[str, str, str, int]]:
        rows = await self.session.exec(
            select(TallyRow).where(col(TallyRow.campaign_id) == campaign_id)
        )
        return [(r.question_id, r.department, r.value, r.count) for r in rows]

    async def comments(self, campaign_id: str) -> Sequence[tuple[str, bytes]]:
        rows = await self.session.exec(
            select(CommentRow).where(col(CommentRow.campaign_id) == campaign_id)
        )
        return [(r.question_id, bytes(r.box)) for r in rows]

    async def _shuffle(self, table: str) -> None:
        # PostgreSQL stores new rows after the old ones: rewrite the table in the order of its
        # random keys, so that row order does not tell who answered after whom. (SQLite keeps
        # these tables WITHOUT ROWID, already in key order.)
        bind = self.session.bind
        if bind is not None and bind.dialect.name == "postgresql":
            await self.session.exec(text(f"CLUSTER {table} USING {table}_pkey"))  # type: ignore[call-overload]
