"""Backlash reports in SQL: cases, access lists, sealed messages and the audit trail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime

from sqlalchemy import Column, LargeBinary, delete, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.features.reports.model import Case, CaseMessage, CaseStatus
from bot.model import new_id
from storage.tables import OutboxRow, utc_column


class CaseRow(SQLModel, table=True):
    """A backlash report. Content and reporter are sealed; anonymous cases have no reporter."""

    __tablename__ = "report_case"

    id: str = Field(primary_key=True, max_length=32)
    ref: str = Field(max_length=16, unique=True, index=True)
    category: str = Field(max_length=40, index=True)
    severity: str = Field(max_length=20)
    anonymous: bool
    status: str = Field(max_length=16, index=True)
    created_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    ack_due: datetime = utc_column(nullable=False, index=True)  # type: ignore[assignment]
    feedback_due: datetime = utc_column(nullable=False)  # type: ignore[assignment]
    content_box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    reporter_box: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    reporter_key: str | None = Field(default=None, max_length=64, index=True)
    receipt_id: str | None = Field(default=None, max_length=64, unique=True, index=True)
    passphrase_hash: str | None = Field(default=None, max_length=200)
    acknowledged_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    first_feedback_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]
    resolved_at: datetime | None = utc_column(nullable=True, index=True)  # type: ignore[assignment]
    outcome: str | None = Field(default=None, max_length=40)
    assignee_id: str | None = Field(default=None, max_length=32)
    escalations: int = Field(default=0)
    failed_attempts: int = Field(default=0)
    locked_until: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]


class CaseAccessRow(SQLModel, table=True):
    """Who handles a case, and who must never see it."""

    __tablename__ = "case_access"

    case_id: str = Field(primary_key=True, max_length=32)
    person_id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=16)


class CaseMessageRow(SQLModel, table=True):
    """A sealed message on a case."""

    __tablename__ = "case_message"

    id: str = Field(primary_key=True, max_length=32)
    case_id: str = Field(max_length=32, index=True)
    author: str = Field(max_length=16)
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


class CaseAuditRow(SQLModel, table=True):
    """Append-only: every read and action on a case, by whom and when."""

    __tablename__ = "case_audit"

    id: str = Field(primary_key=True, max_length=32)
    case_id: str = Field(max_length=32, index=True)
    actor: str = Field(max_length=32)
    action: str = Field(max_length=60)
    at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


_CASE_FIELDS = [f.name for f in fields(Case)]


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything here is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _case(row: CaseRow) -> Case:
    data = {name: getattr(row, name) for name in _CASE_FIELDS}
    for name, value in data.items():
        if isinstance(value, datetime):
            data[name] = _utc(value)
    data["status"] = CaseStatus(row.status)
    data["content_box"] = bytes(row.content_box)
    data["reporter_box"] = bytes(row.reporter_box) if row.reporter_box is not None else None
    return Case(**data)


class SqlCases:
    """The Cases port on one session."""

    def __init__(
        self, session: AsyncSession, about: Callable[[str], str] = lambda case_id: case_id
    ) -> None:
        self.session = session
        self._about = about  # how the outbox stores the case a notice is about

    async def add(self, case: Case) -> None:
        data = asdict(case)
        data["status"] = case.status.value
        self.session.add(CaseRow(**data))

    async def get(self, case_id: str) -> Case | None:
        row = await self.session.get(CaseRow, case_id)
        return _case(row) if row is not None else None

    async def by_receipt(self, receipt_id: str) -> Case | None:
        rows = await self.session.exec(select(CaseRow).where(col(CaseRow.receipt_id) == receipt_id))
        row = rows.first()
        return _case(row) if row is not None else None

    async def by_ref(self, ref: str) -> Case | None:
        rows = await self.session.exec(select(CaseRow).where(col(CaseRow.ref) == ref))
        row = rows.first()
        return _case(row) if row is not None else None

    async def handled_by(self, person_id: str | None) -> Sequence[Case]:
        query = select(CaseRow).where(col(CaseRow.status) != CaseStatus.RESOLVED.value)
        if person_id is not None:
            query = query.join(CaseAccessRow, col(CaseAccessRow.case_id) == col(CaseRow.id)).where(
                col(CaseAccessRow.person_id) == person_id, col(CaseAccessRow.kind) == "handler"
            )
        rows = await self.session.exec(query.order_by(col(CaseRow.ack_due)))
        return [_case(r) for r in rows]

    async def of_reporter(self, reporter_key: str) -> Sequence[Case]:
        rows = await self.session.exec(
            select(CaseRow)
            .where(col(CaseRow.reporter_key) == reporter_key)
            .order_by(col(CaseRow.created_at))
        )
        return [_case(r) for r in rows]

    async def save(self, case: Case) -> None:
        row = await self.session.get(CaseRow, case.id)
        if row is None:
            await self.add(case)
            return
        for name, value in asdict(case).items():
            setattr(row, name, value.value if isinstance(value, CaseStatus) else value)
        self.session.add(row)

    async def grant(self, case_id: str, person_id: str, kind: str) -> None:
        row = await self.session.get(CaseAccessRow, (case_id, person_id))
        if row is None:
            self.session.add(CaseAccessRow(case_id=case_id, person_id=person_id, kind=kind))
        elif row.kind != "excluded":  # an exclusion is never lifted
            row.kind = kind
            self.session.add(row)

    async def access(self, case_id: str) -> dict[str, str]:
        rows = await self.session.exec(
            select(CaseAccessRow).where(col(CaseAccessRow.case_id) == case_id)
        )
        return {r.person_id: r.kind for r in rows}

    async def add_message(self, message: CaseMessage) -> None:
        self.session.add(
            CaseMessageRow(
                id=message.id,
                case_id=message.case_id,
                author=message.author,
                box=message.box,
                at=message.at,
            )
        )

    async def messages(self, case_id: str) -> Sequence[CaseMessage]:
        rows = await self.session.exec(
            select(CaseMessageRow)
            .where(col(CaseMessageRow.case_id) == case_id)
            .order_by(col(CaseMessageRow.at))
        )
        return [
            CaseMessage(r.id, r.case_id, r.author, bytes(r.box), _utc(r.at) or r.at) for r in rows
        ]

    async def audit(self, case_id: str, actor: str, action: str, at: datetime) -> None:
        self.session.add(
            CaseAuditRow(id=new_id(), case_id=case_id, actor=actor[:32], action=action[:60], at=at)
        )

    async def trail(self, case_id: str) -> Sequence[tuple[datetime, str, str]]:
        rows = await self.session.exec(
            select(CaseAuditRow)
            .where(col(CaseAuditRow.case_id) == case_id)
            .order_by(col(CaseAuditRow.at), col(CaseAuditRow.id))
        )
        return [(_utc(r.at) or r.at, r.actor, r.action) for r in rows]

    async def due(self, now: datetime) -> Sequence[Case]:
        unacknowledged = (col(CaseRow.status) == CaseStatus.OPEN.value) & (
            col(CaseRow.ack_due) < now
        )
        unanswered = (
            (col(CaseRow.status) == CaseStatus.ACKNOWLEDGED.value)
            & col(CaseRow.first_feedback_at).is_(None)
            & (col(CaseRow.feedback_due) < now)
        )
        rows = await self.session.exec(select(CaseRow).where(unacknowledged | unanswered))
        return [_case(r) for r in rows]

    async def purge(self, before: datetime) -> int:
        """Delete cases resolved before `before`, with everything attached to them."""
        rows = await self.session.exec(
            select(CaseRow.id).where(
                col(CaseRow.status) == CaseStatus.RESOLVED.value, col(CaseRow.resolved_at) < before
            )
        )
        ids = list(rows)
        if ids:
            for table in (CaseMessageRow, CaseAccessRow, CaseAuditRow):
                await self.session.exec(delete(table).where(col(table.case_id).in_(ids)))
            await self.session.exec(delete(CaseRow).where(col(CaseRow.id).in_(ids)))
            # Notifications about these cases (sealed, but theirs): deleted with them.
            keys = [self._about(i) for i in ids]
            await self.session.exec(delete(OutboxRow).where(col(OutboxRow.about).in_(keys)))
        return len(ids)

    async def step(
        self,
        case_id: str,
        escalations: int,
        ack_due: datetime | None = None,
        feedback_due: datetime | None = None,
    ) -> bool:
        """Take escalation step `escalations` + 1, unless someone already took it."""
        values: dict[str, object] = {"escalations": escalations + 1}
        if ack_due is not None:
            values["ack_due"] = ack_due
        if feedback_due is not None:
            values["feedback_due"] = feedback_due
        result = await self.session.exec(
            update(CaseRow)
            .where(col(CaseRow.id) == case_id, col(CaseRow.escalations) == escalations)
            .values(**values)
        )
        return bool(result.rowcount == 1)

    async def all(self) -> Sequence[Case]:
        """Every case, oldest first (for statistics: callers must not open the boxes)."""
        rows = await self.session.exec(select(CaseRow).order_by(col(CaseRow.created_at)))
        return [_case(r) for r in rows]
