"""Quiz progress in SQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Column, Text, func, update
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.features.training.model import QuizCard
from storage.tables import utc_column


class QuizCardRow(SQLModel, table=True):
    """Spaced-repetition state of one question for one person."""

    __tablename__ = "quiz_card"

    person_id: str = Field(primary_key=True, max_length=32)
    question_id: str = Field(primary_key=True, max_length=64)
    box: int
    due_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


class QuizAnswerRow(SQLModel, table=True):
    """One answer in one session: the key makes a double click count once."""

    __tablename__ = "quiz_answer"

    session_id: str = Field(primary_key=True, max_length=32)
    question_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(max_length=32, index=True)
    correct: bool
    at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


class ModuleDoneRow(SQLModel, table=True):
    """A training module completed under a policy version."""

    __tablename__ = "module_done"

    person_id: str = Field(primary_key=True, max_length=32)
    module_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


class AttestationRow(SQLModel, table=True):
    """ "I have read and understood version N", with who and when."""

    __tablename__ = "attestation"

    person_id: str = Field(primary_key=True, max_length=32)
    version: int = Field(primary_key=True)
    at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


class TrainingReminderRow(SQLModel, table=True):
    """How many training reminders a person got for a policy version, and the last one."""

    __tablename__ = "training_reminder"

    person_id: str = Field(primary_key=True, max_length=32)
    version: int = Field(primary_key=True)
    count: int = Field(default=0)
    last_at: datetime | None = utc_column(nullable=True)  # type: ignore[assignment]


class TrainingRequiredRow(SQLModel, table=True):
    """The modules HR made required for a policy version."""

    __tablename__ = "training_required"

    version: int = Field(primary_key=True)
    modules: str = Field(sa_column=Column(Text, nullable=False))  # comma-separated ids
    set_by: str = Field(max_length=32)
    set_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


class DailyQuestionRow(SQLModel, table=True):
    """Who asked for a question of the day, and the last day one was sent."""

    __tablename__ = "daily_question"

    person_id: str = Field(primary_key=True, max_length=32)
    opted_in: bool = Field(default=True)
    last_day: date | None = Field(default=None)


class ManagerDigestRow(SQLModel, table=True):
    """The last list of overdue reports sent to a manager, per policy version."""

    __tablename__ = "manager_digest"

    manager_id: str = Field(primary_key=True, max_length=32)
    version: int = Field(primary_key=True)
    last_at: datetime = utc_column(nullable=False)  # type: ignore[assignment]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class SqlTraining:
    """The Training port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cards(self, person_id: str) -> Sequence[QuizCard]:
        rows = await self.session.exec(
            select(QuizCardRow).where(col(QuizCardRow.person_id) == person_id)
        )
        return [QuizCard(r.person_id, r.question_id, r.box, _utc(r.due_at)) for r in rows]

    async def save_card(self, card: QuizCard) -> None:
        row = await self.session.get(QuizCardRow, (card.person_id, card.question_id))
        row = row or QuizCardRow(
            person_id=card.person_id, question_id=card.question_id, box=1, due_at=card.due_at
        )
        row.box, row.due_at = card.box, card.due_at
        self.session.add(row)

    async def answer(
        self, session_id: str, question_id: str, person_id: str, correct: bool, at: datetime
    ) -> bool:
        if await self.session.get(QuizAnswerRow, (session_id, question_id)) is not None:
            return False
        self.session.add(
            QuizAnswerRow(
                session_id=session_id,
                question_id=question_id,
                person_id=person_id,
                correct=correct,
                at=at,
            )
        )
        return True

    async def completed(self, person_id: str) -> dict[str, set[int]]:
        rows = await self.session.exec(
            select(ModuleDoneRow).where(col(ModuleDoneRow.person_id) == person_id)
        )
        done: dict[str, set[int]] = {}
        for r in rows:
            done.setdefault(r.module_id, set()).add(r.version)
        return done

    async def complete(self, person_id: str, module_id: str, version: int, at: datetime) -> None:
        if await self.session.get(ModuleDoneRow, (person_id, module_id, version)) is None:
            self.session.add(
                ModuleDoneRow(person_id=person_id, module_id=module_id, version=version, at=at)
            )

    async def attested(self, person_id: str, version: int) -> bool:
        return await self.session.get(AttestationRow, (person_id, version)) is not None

    async def attest(self, person_id: str, version: int, at: datetime) -> None:
        self.session.add(AttestationRow(person_id=person_id, version=version, at=at))

    async def attestations(self, version: int) -> dict[str, datetime]:
        rows = await self.session.exec(
            select(AttestationRow).where(col(AttestationRow.version) == version)
        )
        return {r.person_id: _utc(r.at) for r in rows}

    async def everyone_completed(self) -> dict[str, dict[str, set[int]]]:
        done: dict[str, dict[str, set[int]]] = {}
        for r in await self.session.exec(select(ModuleDoneRow)):
            done.setdefault(r.person_id, {}).setdefault(r.module_id, set()).add(r.version)
        return done

    async def miss_rates(self, people: Collection[str] | None = None) -> dict[str, tuple[int, int]]:
        query = select(QuizAnswerRow.question_id, QuizAnswerRow.correct, func.count())
        if people is not None:
            query = query.where(col(QuizAnswerRow.person_id).in_(sorted(people)))
        rows = await self.session.exec(
            query.group_by(col(QuizAnswerRow.question_id), col(QuizAnswerRow.correct))
        )
        rates: dict[str, tuple[int, int]] = {}
        for question, correct, n in rows:
            total, missed = rates.get(question, (0, 0))
            rates[question] = (total + int(n), missed + (0 if correct else int(n)))
        return rates

    async def reminders(self, person_id: str, version: int) -> tuple[int, datetime | None]:
        row = await self.session.get(TrainingReminderRow, (person_id, version))
        if row is None:
            return 0, None
        return row.count, _utc(row.last_at) if row.last_at else None

    async def reminded(self, person_id: str, version: int, at: datetime, seen: int) -> bool:
        """Count one more reminder, unless another worker already did (count moved on)."""
        if seen == 0 and await self.session.get(TrainingReminderRow, (person_id, version)) is None:
            self.session.add(
                TrainingReminderRow(person_id=person_id, version=version, count=1, last_at=at)
            )
            return True  # a concurrent insert of the same key fails at commit
        result = await self.session.exec(
            update(TrainingReminderRow)
            .where(
                col(TrainingReminderRow.person_id) == person_id,
                col(TrainingReminderRow.version) == version,
                col(TrainingReminderRow.count) == seen,
            )
            .values(count=seen + 1, last_at=at)
        )
        return bool(result.rowcount == 1)

    async def required_sets(self) -> dict[int, frozenset[str]]:
        rows = await self.session.exec(select(TrainingRequiredRow))
        return {r.version: frozenset(m for m in r.modules.split(",") if m) for r in rows}

    async def set_required(
        self, version: int, modules: frozenset[str], by: str, at: datetime
    ) -> None:
        row = await self.session.get(TrainingRequiredRow, version) or TrainingRequiredRow(
            version=version, modules="", set_by=by, set_at=at
        )
        row.modules, row.set_by, row.set_at = ",".join(sorted(modules)), by, at
        self.session.add(row)
        await self.session.flush()

    async def daily(self, person_id: str) -> bool:
        row = await self.session.get(DailyQuestionRow, person_id)
        return bool(row and row.opted_in)

    async def set_daily(self, person_id: str, on: bool) -> None:
        row = await self.session.get(DailyQuestionRow, person_id) or DailyQuestionRow(
            person_id=person_id
        )
        row.opted_in = on
        self.session.add(row)
        await self.session.flush()

    async def daily_due(self, today: date) -> Sequence[str]:
        rows = await self.session.exec(
            select(DailyQuestionRow.person_id).where(
                col(DailyQuestionRow.opted_in).is_(True),
                (col(DailyQuestionRow.last_day).is_(None))
                | (col(DailyQuestionRow.last_day) < today),
            )
        )
        return list(rows)

    async def daily_sent(self, person_id: str, today: date) -> bool:
        """Record today's question, unless another worker already sent it."""
        result = await self.session.exec(
            update(DailyQuestionRow)
            .where(
                col(DailyQuestionRow.person_id) == person_id,
                (col(DailyQuestionRow.last_day).is_(None))
                | (col(DailyQuestionRow.last_day) < today),
            )
            .values(last_day=today)
        )
        return bool(result.rowcount == 1)

    async def digest(self, manager_id: str, version: int) -> datetime | None:
        row = await self.session.get(ManagerDigestRow, (manager_id, version))
        return _utc(row.last_at) if row else None

    async def digested(
        self, manager_id: str, version: int, at: datetime, seen: datetime | None
    ) -> bool:
        """Record a digest, unless another worker sent one since `seen`."""
        if seen is None:
            self.session.add(ManagerDigestRow(manager_id=manager_id, version=version, last_at=at))
            return True  # a concurrent insert of the same key fails at commit
        result = await self.session.exec(
            update(ManagerDigestRow)
            .where(
                col(ManagerDigestRow.manager_id) == manager_id,
                col(ManagerDigestRow.version) == version,
                col(ManagerDigestRow.last_at) == seen,
            )
            .values(last_at=at)
        )
        return bool(result.rowcount == 1)
