"""Who an announcement goes to, and how: one recipient row per person in its audience (on the
first configured platform they can be reached on) and per channel it is posted in."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from bot.model import Person, new_id
from storage.announcements import FAILED, PENDING, AnnouncementRow, RecipientRow, announcement_of
from storage.tables import AddressRow, IdentityRow, PersonRow
from storage.uow import SqlUnitOfWork


async def materialize(
    uow: SqlUnitOfWork,
    postgres: bool,
    announcement_id: str,
    platforms: Sequence[str],
    now: datetime,
    addressed: Collection[str] = (),
) -> int:
    """One row per person in the audience (idempotent, in the caller's transaction); how
    many rows exist.

    A person is reached on the first configured platform they have an account on (on an
    `addressed` platform, one they have used: it left an address); someone with none is
    recorded as failed ("not installed") straight away.
    """
    existing = (
        await uow.session.exec(
            select(func.count())
            .select_from(RecipientRow)
            .where(RecipientRow.announcement_id == announcement_id)
        )
    ).one()
    if existing:
        return int(existing)  # rows are inserted in one transaction: all or none
    row = await uow.session.get(AnnouncementRow, announcement_id)
    if row is None:
        return 0
    announcement = announcement_of(row)
    people = await uow.session.exec(select(PersonRow))
    used = set(
        await uow.session.exec(
            select(AddressRow.person_id, AddressRow.platform).where(
                col(AddressRow.platform).in_(list(addressed))
            )
        )
    )
    accounts = {
        (person_id, name): user_id
        for person_id, name, user_id in await uow.session.exec(
            select(IdentityRow.person_id, IdentityRow.platform, IdentityRow.user_id)
        )
    }
    values = []
    for p in people:
        if not announcement.includes(Person(p.id, p.display_name, department=p.department)):
            continue
        platform, address = "", ""
        for name in platforms:
            if name in addressed:
                account = p.id if (p.id, name) in used else None
            else:
                account = accounts.get((p.id, name))
            if account:
                platform, address = name, account
                break
        values.append(_row(announcement_id, p.id, platform, address, bool(platform)))
    for platform, channel in announcement.channels:
        # A channel, not a person: its row is keyed by the channel.
        person_id = f"#{channel}"[:32]
        values.append(_row(announcement_id, person_id, platform, channel, platform in platforms))
    insert = pg_insert if postgres else sqlite_insert
    for start in range(0, len(values), 500):
        statement = insert(RecipientRow).values(values[start : start + 500])
        await uow.session.exec(
            statement.on_conflict_do_nothing(index_elements=["announcement_id", "person_id"])
        )
    row.progress_at = now
    uow.session.add(row)
    count = await uow.session.exec(
        select(func.count())
        .select_from(RecipientRow)
        .where(RecipientRow.announcement_id == announcement_id)
    )
    return int(count.one())


def _row(
    announcement_id: str, person_id: str, platform: str, address: str, reachable: bool
) -> dict[str, object]:
    """A recipient row, waiting to be sent, or failed at once where it cannot be reached."""
    return {
        "id": new_id(),
        "announcement_id": announcement_id,
        "person_id": person_id,
        "platform": platform,
        "address": address,
        "state": PENDING if reachable else FAILED,
        "attempts": 0,
        "in_flight": False,
        "reason": "" if reachable else "not installed",
        "message_ref": "",
        "revision": 0,
        "reminders": 0,
    }
