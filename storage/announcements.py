"""Announcements in SQL: the core's port, acknowledgements and figures from recipient rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Index,
    Text,
    UniqueConstraint,
    and_,
    func,
    update,
)
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.features.announcements.model import Announcement, AnnouncementStatus, BroadcastFigures
from storage.tables import PersonRow, aware, utc_column


class AnnouncementRow(SQLModel, table=True):
    """An announcement from HR, and where its broadcast stands."""

    __tablename__ = "announcement"

    id: str = Field(primary_key=True, max_length=16)
    title: str = Field(max_length=200)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    link: str = Field(default="", max_length=500)
    author_id: str = Field(max_length=32)
    created_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    policy_version: int | None = Field(default=None)
    ack_required: bool = Field(default=True)
    audience: str = Field(sa_column=Column(Text, nullable=False))  # JSON list
    status: str = Field(max_length=16, index=True)
    send_at: datetime | None = utc_column(nullable=True, index=True)  # type: ignore[assignment]
    started_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    finished_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    revision: int = Field(default=1)
    kicked_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    progress_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    problem: str = Field(default="", max_length=300)
    action: str = Field(default="", max_length=300)  # JSON: an extra button, or ""


class RecipientRow(SQLModel, table=True):
    """One recipient of one announcement: the source of truth for its delivery."""

    __tablename__ = "announcement_recipient"
    __table_args__ = (
        UniqueConstraint("announcement_id", "person_id", name="uq_recipient"),
        Index("ix_recipient_work", "announcement_id", "state"),
    )

    id: str = Field(primary_key=True, max_length=32)
    announcement_id: str = Field(max_length=16)
    person_id: str = Field(max_length=32)
    platform: str = Field(default="", max_length=16)
    address: str = Field(default="", max_length=200)
    state: str = Field(max_length=16)  # pending, claimed, delivered, failed
    attempts: int = Field(default=0)
    lease_until: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    not_before: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    in_flight: bool = Field(default=False)  # a send was started and its outcome not recorded
    reason: str = Field(default="", max_length=64)
    message_ref: str = Field(default="", max_length=400)
    revision: int = Field(default=0)
    delivered_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    reminders: int = Field(default=0)
    reminded_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]


class AcknowledgementRow(SQLModel, table=True):
    """ "I have read it": who, which announcement, which policy version, when. Once."""

    __tablename__ = "announcement_ack"

    announcement_id: str = Field(primary_key=True, max_length=16)
    person_id: str = Field(primary_key=True, max_length=32)
    policy_version: int | None = Field(default=None)
    at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


PENDING, CLAIMED, DELIVERED, FAILED = "pending", "claimed", "delivered", "failed"
STALLED_AFTER = timedelta(minutes=2)


def announcement_of(row: AnnouncementRow) -> Announcement:
    return Announcement(
        id=row.id,
        title=row.title,
        summary=row.summary,
        author_id=row.author_id,
        created_at=aware(row.created_at) or row.created_at,
        link=row.link,
        policy_version=row.policy_version,
        ack_required=row.ack_required,
        audience=tuple(json.loads(row.audience)),
        status=AnnouncementStatus(row.status),
        send_at=aware(row.send_at),
        started_at=aware(row.started_at),
        finished_at=aware(row.finished_at),
        revision=row.revision,
        action=tuple(json.loads(row.action)) if row.action else (),
    )


class SqlAnnouncements:
    """The Announcements port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, announcement: Announcement) -> None:
        self.session.add(
            AnnouncementRow(
                id=announcement.id,
                title=announcement.title,
                summary=announcement.summary,
                author_id=announcement.author_id,
                created_at=announcement.created_at,
                audience=json.dumps(list(announcement.audience)),
                status=announcement.status.value,
            )
        )
        await self.session.flush()
        await self.save(announcement)

    async def get(self, announcement_id: str) -> Announcement | None:
        row = await self.session.get(AnnouncementRow, announcement_id)
        return announcement_of(row) if row else None

    async def recent(self, limit: int = 10) -> Sequence[Announcement]:
        rows = await self.session.exec(
            select(AnnouncementRow).order_by(col(AnnouncementRow.created_at).desc()).limit(limit)
        )
        return [announcement_of(r) for r in rows]

    async def save(self, announcement: Announcement) -> None:
        row = await self.session.get(AnnouncementRow, announcement.id)
        assert row is not None
        row.title = announcement.title
        row.summary = announcement.summary
        row.link = announcement.link
        row.policy_version = announcement.policy_version
        row.ack_required = announcement.ack_required
        row.audience = json.dumps(list(announcement.audience))
        row.status = announcement.status.value
        row.send_at = announcement.send_at
        if row.revision != announcement.revision:
            row.kicked_at = None  # a correction: the broadcast engine picks it up at once
        row.revision = announcement.revision
        row.action = json.dumps(list(announcement.action)) if announcement.action else ""
        self.session.add(row)
        await self.session.flush()

    async def acknowledge(
        self, announcement_id: str, person_id: str, version: int | None, at: datetime
    ) -> bool:
        if await self.acknowledged(announcement_id, person_id):
            return False
        self.session.add(
            AcknowledgementRow(
                announcement_id=announcement_id, person_id=person_id, policy_version=version, at=at
            )
        )
        await self.session.flush()  # a concurrent double click conflicts here and runs again
        return True

    async def acknowledged(self, announcement_id: str, person_id: str) -> bool:
        return await self.session.get(AcknowledgementRow, (announcement_id, person_id)) is not None

    async def figures(self, announcement_id: str, now: datetime) -> BroadcastFigures:
        return await figures(self.session, announcement_id, now)

    async def unacknowledged(
        self, announcement_id: str
    ) -> Sequence[tuple[str, datetime, int, datetime | None]]:
        acked = select(AcknowledgementRow.person_id).where(
            AcknowledgementRow.announcement_id == announcement_id
        )
        rows = await self.session.exec(
            select(RecipientRow).where(
                RecipientRow.announcement_id == announcement_id,
                RecipientRow.state == DELIVERED,
                col(RecipientRow.person_id).not_in(acked),
                ~col(RecipientRow.person_id).startswith("#"),  # channels are not reminded
            )
        )
        return [
            (r.person_id, delivered, r.reminders, aware(r.reminded_at))
            for r in rows
            if (delivered := aware(r.delivered_at)) is not None  # always set once delivered
        ]

    async def reminded(self, announcement_id: str, person_id: str, at: datetime) -> bool:
        row = (
            await self.session.exec(
                select(RecipientRow).where(
                    RecipientRow.announcement_id == announcement_id,
                    RecipientRow.person_id == person_id,
                )
            )
        ).one()
        result = await self.session.exec(
            update(RecipientRow)
            .where(col(RecipientRow.id) == row.id, col(RecipientRow.reminders) == row.reminders)
            .values(reminders=row.reminders + 1, reminded_at=at)
        )
        return bool(result.rowcount == 1)

    async def reached(self, announcement_id: str) -> dict[str, bool]:
        rows = await self.session.exec(
            select(RecipientRow.person_id, AcknowledgementRow.person_id)
            .join(
                AcknowledgementRow,
                and_(
                    col(AcknowledgementRow.announcement_id) == col(RecipientRow.announcement_id),
                    col(AcknowledgementRow.person_id) == col(RecipientRow.person_id),
                ),
                isouter=True,
            )
            .where(RecipientRow.announcement_id == announcement_id, RecipientRow.state == DELIVERED)
            .where(~col(RecipientRow.person_id).startswith("#"))
        )
        return {person_id: acked is not None for person_id, acked in rows}

    async def recipients(self, announcement_id: str) -> Sequence[dict[str, Any]]:
        rows = await self.session.exec(
            select(RecipientRow, PersonRow, AcknowledgementRow)
            .join(PersonRow, col(PersonRow.id) == col(RecipientRow.person_id), isouter=True)
            .join(
                AcknowledgementRow,
                and_(
                    col(AcknowledgementRow.announcement_id) == col(RecipientRow.announcement_id),
                    col(AcknowledgementRow.person_id) == col(RecipientRow.person_id),
                ),
                isouter=True,
            )
            .where(RecipientRow.announcement_id == announcement_id)
            .order_by(col(PersonRow.display_name))
        )
        out = []
        for r, p, ack in rows:
            out.append(
                {
                    "name": p.display_name if p else r.address,  # a channel has no person
                    "email": (p.email or "") if p else "",
                    "department": (p.department or "") if p else "",
                    "platform": r.platform,
                    "state": r.state,
                    "reason": r.reason,
                    "delivered_at": _iso(aware(r.delivered_at)),
                    "acknowledged_at": _iso(aware(ack.at)) if ack else "",
                    "policy_version": "" if ack is None else str(ack.policy_version or ""),
                    "reminders": r.reminders,
                }
            )
        return out

    async def acknowledgement_times(self, announcement_id: str) -> Sequence[datetime]:
        rows = await self.session.exec(
            select(AcknowledgementRow)
            .join(
                RecipientRow,
                and_(
                    col(RecipientRow.announcement_id) == col(AcknowledgementRow.announcement_id),
                    col(RecipientRow.person_id) == col(AcknowledgementRow.person_id),
                ),
            )
            .where(col(AcknowledgementRow.announcement_id) == announcement_id)
        )
        return [at for ack in rows if (at := aware(ack.at)) is not None]


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


async def figures(session: AsyncSession, announcement_id: str, now: datetime) -> BroadcastFigures:
    """Counts straight from the recipient and acknowledgement rows."""
    rows = await session.exec(
        select(RecipientRow.state, RecipientRow.reason, func.count())
        .where(RecipientRow.announcement_id == announcement_id)
        .group_by(col(RecipientRow.state), col(RecipientRow.reason))
    )
    pending = delivered = total = 0
    failed: dict[str, int] = {}
    for state, reason, n in rows:
        total += n
        if state == DELIVERED:
            delivered += n
        elif state == FAILED:
            failed[reason or "unknown"] = failed.get(reason or "unknown", 0) + n
        else:
            pending += n
    acked = (
        await session.exec(
            select(func.count())
            .select_from(AcknowledgementRow)
            .where(AcknowledgementRow.announcement_id == announcement_id)
        )
    ).one()
    # Everyone the announcement was for has either acknowledged it or not, whatever became of
    # their message: acknowledged + not yet acknowledged = the people among the recipients.
    acked_recipients = (
        await session.exec(
            select(func.count())
            .select_from(RecipientRow)
            .join(
                AcknowledgementRow,
                and_(
                    col(AcknowledgementRow.announcement_id) == col(RecipientRow.announcement_id),
                    col(AcknowledgementRow.person_id) == col(RecipientRow.person_id),
                ),
            )
            .where(RecipientRow.announcement_id == announcement_id)
        )
    ).one()
    channels = (
        await session.exec(
            select(func.count())
            .select_from(RecipientRow)
            .where(
                RecipientRow.announcement_id == announcement_id,
                col(RecipientRow.person_id).startswith("#"),
            )
        )
    ).one()
    row = await session.get(AnnouncementRow, announcement_id)
    problem = ""
    if row is not None and row.status == AnnouncementStatus.SENDING.value and pending:
        moved = aware(row.progress_at) or aware(row.started_at)
        if moved is not None and now - moved > STALLED_AFTER:
            problem = f"no progress since {moved:%H:%M} UTC: is a worker running?"
        if row.problem:
            problem = f"{problem} {row.problem}".strip()
    return BroadcastFigures(
        recipients=total,
        pending=pending,
        delivered=delivered,
        failed=failed,
        acknowledged=int(acked),
        outstanding=(
            total - int(channels) - int(acked_recipients) if row and row.ack_required else 0
        ),
        channels=int(channels),
        problem=problem,
    )
