"""Ask HR's tickets in SQL: the questions the bot could not answer, with HR's answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.features.askhr.model import Ticket, TicketStatus
from storage.tables import aware, utc_column


class TicketRow(SQLModel, table=True):
    """A question for HR."""

    __tablename__ = "ticket"

    id: str = Field(primary_key=True, max_length=32)
    ref: str = Field(max_length=16, unique=True, index=True)
    asker_id: str = Field(max_length=32, index=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=16, index=True)
    created_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    assignee_id: str | None = Field(default=None, max_length=32)
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]


def _ticket(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        ref=row.ref,
        asker_id=row.asker_id,
        question=row.question,
        status=TicketStatus(row.status),
        created_at=aware(row.created_at) or row.created_at,
        assignee_id=row.assignee_id,
        answer=row.answer,
        answered_at=aware(row.answered_at),
    )


class SqlTickets:
    """Questions for HR in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, ticket: Ticket) -> None:
        await self.save(ticket)

    async def get(self, ticket_id: str) -> Ticket | None:
        row = await self.session.get(TicketRow, ticket_id)
        return _ticket(row) if row else None

    async def by_ref(self, ref: str) -> Ticket | None:
        row = (await self.session.exec(select(TicketRow).where(TicketRow.ref == ref))).first()
        return _ticket(row) if row else None

    async def open(self) -> Sequence[Ticket]:
        rows = await self.session.exec(
            select(TicketRow)
            .where(col(TicketRow.status).in_([TicketStatus.OPEN, TicketStatus.ASSIGNED]))
            .order_by(col(TicketRow.created_at))
        )
        return [_ticket(r) for r in rows]

    async def answered(self, limit: int) -> Sequence[Ticket]:
        rows = await self.session.exec(
            select(TicketRow)
            .where(col(TicketRow.answer).is_not(None))
            .order_by(col(TicketRow.answered_at).desc())
            .limit(limit)
        )
        return [_ticket(r) for r in rows]

    async def save(self, ticket: Ticket) -> None:
        row = await self.session.get(TicketRow, ticket.id) or TicketRow(
            id=ticket.id,
            ref=ticket.ref,
            asker_id=ticket.asker_id,
            question=ticket.question,
            status=ticket.status.value,
            created_at=ticket.created_at,
        )
        row.status = ticket.status.value
        row.assignee_id = ticket.assignee_id
        row.answer = ticket.answer
        row.answered_at = ticket.answered_at
        self.session.add(row)
        await self.session.flush()
