"""Reported fake accounts in SQL: the sealed address and note, a keyed hash of the address,
the day; no reporter. Declared under `IMPOSTORS` for the unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.features.impersonation.model import Impostor, ImpostorStatus
from bot.features.impersonation.ports import IMPOSTORS


class ImpostorRow(SQLModel, table=True):
    """A reported fake account: sealed, with only the day it was reported."""

    __tablename__ = "impostor"

    id: str = Field(primary_key=True, max_length=32)
    ref: str = Field(unique=True, max_length=12)
    platform: str = Field(max_length=32)
    url_key: str = Field(index=True, max_length=64)
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    reported_on: date
    status: str = Field(default="open", index=True, max_length=16)
    handled_on: date | None = None


def _impostor(row: ImpostorRow) -> Impostor:
    return Impostor(
        id=row.id,
        ref=row.ref,
        platform=row.platform,
        url_key=row.url_key,
        box=row.box,
        reported_on=row.reported_on,
        status=ImpostorStatus(row.status),
        handled_on=row.handled_on,
    )


class SqlImpostors:
    """Reported fake accounts in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, impostor: Impostor) -> None:
        self.session.add(_row(impostor))

    async def by_ref(self, ref: str) -> Impostor | None:
        row = (await self.session.exec(select(ImpostorRow).where(ImpostorRow.ref == ref))).first()
        return _impostor(row) if row else None

    async def open(self) -> Sequence[Impostor]:
        rows = await self.session.exec(
            select(ImpostorRow)
            .where(ImpostorRow.status == ImpostorStatus.OPEN.value)
            .order_by(col(ImpostorRow.reported_on), col(ImpostorRow.ref))
        )
        return [_impostor(r) for r in rows]

    async def save(self, impostor: Impostor) -> None:
        row = await self.session.get(ImpostorRow, impostor.id)
        if row is None:
            await self.add(impostor)
            return
        row.status = impostor.status.value
        row.handled_on = impostor.handled_on
        self.session.add(row)


def _row(impostor: Impostor) -> ImpostorRow:
    return ImpostorRow(
        id=impostor.id,
        ref=impostor.ref,
        platform=impostor.platform,
        url_key=impostor.url_key,
        box=impostor.box,
        reported_on=impostor.reported_on,
        status=impostor.status.value,
        handled_on=impostor.handled_on,
    )


REPOSITORIES = {IMPOSTORS: SqlImpostors}
