"""The broadcast engine's storage: due announcements, recipient rows and their leases.

Each recipient row is the source of truth for one delivery. Workers claim rows with a
lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer at a time), mark a
row in flight just before the platform call and record the outcome right after, so a
worker that dies leaves rows whose lease runs out and whose outcome can be checked.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlmodel import col, select

from bot.features.announcements.model import Announcement, AnnouncementStatus
from bot.recipient import Job
from storage import recipients
from storage.announcements import (
    CLAIMED,
    DELIVERED,
    FAILED,
    PENDING,
    AnnouncementRow,
    RecipientRow,
    announcement_of,
)
from storage.uow import SqlStore

# What a worker needs of a row it took, in the order `_job` reads them.
_JOB_COLUMNS = (
    col(RecipientRow.id),
    col(RecipientRow.person_id),
    col(RecipientRow.platform),
    col(RecipientRow.address),
    col(RecipientRow.attempts),
    col(RecipientRow.in_flight),
    col(RecipientRow.message_ref),
)


def _job(announcement_id: str, r: Any) -> Job:
    return Job(r[0], announcement_id, r[1], r[2], r[3], r[4], bool(r[5]), r[6])


class Broadcasts:
    """The broadcast engine's storage: due announcements, recipient rows, leases."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.postgres = store.engine.dialect.name == "postgresql"

    async def due(self, now: datetime) -> list[str]:
        """Scheduled announcements whose time has come: marked sending, returned."""
        started = []
        async with self.store() as uow:
            rows = await uow.session.exec(
                select(AnnouncementRow.id).where(
                    AnnouncementRow.status == AnnouncementStatus.SCHEDULED.value,
                    col(AnnouncementRow.send_at) <= now,
                )
            )
            for announcement_id in list(rows):
                result = await uow.session.exec(
                    update(AnnouncementRow)
                    .where(
                        col(AnnouncementRow.id) == announcement_id,
                        col(AnnouncementRow.status) == AnnouncementStatus.SCHEDULED.value,
                    )
                    .values(status=AnnouncementStatus.SENDING.value, started_at=now)
                )
                if result.rowcount == 1:
                    started.append(announcement_id)
            await uow.commit()
        return started

    async def sending(self) -> list[str]:
        """Announcements being sent, or sent and corrected since (work may remain)."""
        async with self.store() as uow:
            outdated = (
                select(RecipientRow.id)
                .where(
                    col(RecipientRow.announcement_id) == col(AnnouncementRow.id),
                    col(RecipientRow.state) == DELIVERED,
                    col(RecipientRow.revision) < col(AnnouncementRow.revision),
                )
                .exists()
            )
            rows = await uow.session.exec(
                select(AnnouncementRow.id).where(
                    or_(
                        col(AnnouncementRow.status) == AnnouncementStatus.SENDING.value,
                        and_(
                            col(AnnouncementRow.status) == AnnouncementStatus.SENT.value,
                            col(AnnouncementRow.revision) > 1,
                            outdated,
                        ),
                    )
                )
            )
            return list(rows)

    async def announcement(self, announcement_id: str) -> Announcement | None:
        async with self.store() as uow:
            row = await uow.session.get(AnnouncementRow, announcement_id)
            return announcement_of(row) if row else None

    async def materialize(
        self,
        announcement_id: str,
        platforms: Sequence[str],
        now: datetime,
        addressed: Collection[str] = (),
    ) -> int:
        """One row per person in the audience (idempotent); returns how many rows exist
        (`recipients.materialize`)."""
        async with self.store() as uow:
            count = await recipients.materialize(
                uow, self.postgres, announcement_id, platforms, now, addressed
            )
            await uow.commit()
            return count

    async def claim(
        self, announcement_id: str, now: datetime, lease: timedelta, limit: int
    ) -> list[Job]:
        """Take up to `limit` rows due for sending, leased until `now + lease`."""
        async with self.store() as uow:
            due = (
                select(RecipientRow.id)
                .where(
                    RecipientRow.announcement_id == announcement_id,
                    or_(
                        and_(
                            col(RecipientRow.state) == PENDING,
                            or_(
                                col(RecipientRow.not_before).is_(None),
                                col(RecipientRow.not_before) <= now,
                            ),
                        ),
                        and_(
                            col(RecipientRow.state) == CLAIMED, col(RecipientRow.lease_until) < now
                        ),
                    ),
                )
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            result = await uow.session.exec(
                update(RecipientRow)
                .where(col(RecipientRow.id).in_(due.scalar_subquery()))
                .values(
                    state=CLAIMED,
                    lease_until=now + lease,
                    attempts=RecipientRow.attempts + 1,
                )
                .returning(*_JOB_COLUMNS)
            )
            jobs = [_job(announcement_id, r) for r in result.all()]
            await uow.commit()
            return jobs

    async def in_flight(self, job: Job, lease_until: datetime) -> bool:
        """About to call the platform: if this worker dies now, the outcome is unknown.

        False when the claim was lost (the lease ran out and another worker took the row):
        then this worker must not send.
        """
        async with self.store() as uow:
            result = await uow.session.exec(
                update(RecipientRow)
                .where(*self._mine(job))
                .values(in_flight=True, lease_until=lease_until)
            )
            await uow.commit()
            return bool(result.rowcount == 1)

    @staticmethod
    def _mine(job: Job) -> tuple[Any, ...]:
        return (
            col(RecipientRow.id) == job.id,
            col(RecipientRow.state) == CLAIMED,
            col(RecipientRow.attempts) == job.attempts,
        )

    async def delivered(self, job: Job, ref: str, revision: int, now: datetime) -> None:
        """The platform accepted the message."""
        await self._finish(
            job,
            now,
            state=DELIVERED,
            message_ref=ref[:400],
            revision=revision,
            delivered_at=now,
            in_flight=False,
            lease_until=None,
        )

    async def failed(self, job: Job, reason: str, now: datetime) -> None:
        """The platform will never accept it (user left, bot blocked, not installed)."""
        await self._finish(
            job, now, state=FAILED, reason=reason[:64], in_flight=False, lease_until=None
        )

    async def release(self, job: Job, not_before: datetime, problem: str) -> None:
        """Give a row back after a transient failure; it is retried after `not_before`."""
        async with self.store() as uow:
            await uow.session.exec(
                update(RecipientRow)
                .where(*self._mine(job))
                .values(state=PENDING, lease_until=None, not_before=not_before)
            )
            await uow.session.exec(
                update(AnnouncementRow)
                .where(col(AnnouncementRow.id) == job.announcement_id)
                .values(problem=problem[:300])
            )
            await uow.commit()

    async def _finish(self, job: Job, now: datetime, **values: Any) -> None:
        async with self.store() as uow:
            await uow.session.exec(update(RecipientRow).where(*self._mine(job)).values(**values))
            await uow.commit()

    async def progress(self, announcement_id: str, now: datetime) -> None:
        """A worker moved this broadcast forward (kept coarse: once per batch)."""
        async with self.store() as uow:
            await uow.session.exec(
                update(AnnouncementRow)
                .where(col(AnnouncementRow.id) == announcement_id)
                .values(progress_at=now, problem="")
            )
            await uow.commit()

    async def outdated(
        self, announcement_id: str, revision: int, now: datetime, lease: timedelta, limit: int
    ) -> list[Job]:
        """Take delivered rows still showing an older revision, leased until `now + lease`.

        The lease keeps two workers (or two tasks) from updating the same message at once;
        a worker that dies mid-update leaves the row to be taken again when it runs out.
        """
        async with self.store() as uow:
            stale = (
                select(RecipientRow.id)
                .where(
                    RecipientRow.announcement_id == announcement_id,
                    RecipientRow.state == DELIVERED,
                    col(RecipientRow.revision) < revision,
                    or_(
                        col(RecipientRow.lease_until).is_(None),
                        col(RecipientRow.lease_until) < now,
                    ),
                )
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            result = await uow.session.exec(
                update(RecipientRow)
                .where(
                    col(RecipientRow.id).in_(stale.scalar_subquery()),
                    or_(
                        col(RecipientRow.lease_until).is_(None),
                        col(RecipientRow.lease_until) < now,
                    ),
                )
                .values(lease_until=now + lease)
                .returning(*_JOB_COLUMNS)
            )
            jobs = [_job(announcement_id, r) for r in result.all()]
            await uow.commit()
            return jobs

    async def unlease(self, job: Job) -> None:
        """An update that did not go through: the row can be taken again at once."""
        async with self.store() as uow:
            await uow.session.exec(
                update(RecipientRow)
                .where(col(RecipientRow.id) == job.id, col(RecipientRow.state) == DELIVERED)
                .values(lease_until=None)
            )
            await uow.commit()

    async def updated(self, job: Job, revision: int) -> None:
        """A delivered message now shows `revision`."""
        async with self.store() as uow:
            await uow.session.exec(
                update(RecipientRow)
                .where(col(RecipientRow.id) == job.id, col(RecipientRow.revision) < revision)
                .values(revision=revision, lease_until=None)
            )
            await uow.commit()

    async def finish_if_done(self, announcement_id: str, now: datetime) -> bool:
        """Mark the announcement sent once no row is waiting; True when it is done."""
        async with self.store() as uow:
            waiting = (
                await uow.session.exec(
                    select(func.count())
                    .select_from(RecipientRow)
                    .where(
                        RecipientRow.announcement_id == announcement_id,
                        col(RecipientRow.state).in_([PENDING, CLAIMED]),
                    )
                )
            ).one()
            if waiting:
                return False
            await uow.session.exec(
                update(AnnouncementRow)
                .where(
                    col(AnnouncementRow.id) == announcement_id,
                    col(AnnouncementRow.status) == AnnouncementStatus.SENDING.value,
                )
                .values(status=AnnouncementStatus.SENT.value, finished_at=now, problem="")
            )
            await uow.commit()
            return True

    async def kick_due(self, announcement_id: str, now: datetime, every: timedelta) -> bool:
        """True (and recorded) when no one has enqueued work for it within `every`."""
        async with self.store() as uow:
            result = await uow.session.exec(
                update(AnnouncementRow)
                .where(
                    col(AnnouncementRow.id) == announcement_id,
                    or_(
                        col(AnnouncementRow.kicked_at).is_(None),
                        col(AnnouncementRow.kicked_at) < now - every,
                    ),
                )
                .values(kicked_at=now)
            )
            await uow.commit()
            return bool(result.rowcount == 1)
