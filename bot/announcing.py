"""Announcements as typed changes and figures: shared by the chat, the CLI and the dashboard.

`draft`, `schedule` and `withdraw` make their change in the caller's unit of work (none
commits) and raise `Invalid` or `Refused` instead of answering; `board` and `detail` are the
dashboard's figures. Only HR may do or see any of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.dashboard import Missing
from bot.deps import Deps
from bot.directory import require
from bot.messages import Form
from bot.model import Announcement, AnnouncementStatus, BroadcastFigures, Person, Role, new_ref
from bot.ports import UnitOfWork

log = logging.getLogger(__name__)
RECIPIENT_COLUMNS = (
    "name", "email", "department", "platform", "state", "reason",
    "delivered_at", "acknowledged_at", "policy_version", "reminders",
)  # fmt: skip
CANCELLABLE = (AnnouncementStatus.DRAFT, AnnouncementStatus.SCHEDULED)


class Invalid(ValueError):
    """The compose form has problems: `errors` by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


class Refused(Exception):
    """The change cannot be made to this announcement (its status); the message says why."""


class NoSuchAnnouncement(Missing):
    """No announcement has that id."""


async def departments(uow: UnitOfWork) -> list[str]:
    """The directory's departments, sorted."""
    return sorted({p.department for p in await uow.people.all() if p.department})


async def find(uow: UnitOfWork, announcement_id: str) -> Announcement | None:
    """The announcement with that id, typed in any case."""
    return await uow.announcements.get(announcement_id.strip().upper()[:16])


async def compose(
    deps: Deps, uow: UnitOfWork, person: Person, values: dict[str, str] | None = None
) -> Form:
    """HR: the compose form (filled in with `values`), as the chat shows it."""
    from bot.announcements import compose_form

    require(person, Role.HR)
    return compose_form(deps, await departments(uow), values)


async def head_count(uow: UnitOfWork, announcement: Announcement) -> int:
    """How many people of the directory are in its audience (channels not counted)."""
    return sum(announcement.includes(p) for p in await uow.people.all())


async def draft(
    deps: Deps, uow: UnitOfWork, person: Person, fields: dict[str, str]
) -> Announcement:
    """A new draft from the compose form's fields; raises Invalid with the problems."""
    from bot.announcements import validate  # the form's rules live with the form

    require(person, Role.HR)
    errors, v = validate(deps, fields, await departments(uow), person.timezone)
    if errors:
        raise Invalid(errors)
    announcement = Announcement(
        id=new_ref("A"),
        title=str(v["title"]),
        summary=str(v["summary"]),
        author_id=person.id,
        created_at=deps.clock.now(),
        link=str(v["link"]),
        policy_version=v["version"] if isinstance(v["version"], int) else None,
        ack_required=bool(v["ack"]),
        audience=tuple(v["audience"]),  # type: ignore[arg-type]
        send_at=v["when"] if isinstance(v["when"], datetime) else None,
    )
    await uow.announcements.add(announcement)
    log.info("announcement %s drafted", announcement.id)
    return announcement


async def schedule(
    deps: Deps, uow: UnitOfWork, person: Person, announcement_id: str
) -> Announcement:
    """Confirm a draft: it goes out now, or at its time; the engine takes it from there."""
    require(person, Role.HR)
    announcement = await find(uow, announcement_id)
    if announcement is None:
        raise Refused("I cannot find that announcement.")
    if announcement.status != AnnouncementStatus.DRAFT:
        raise Refused(f"Announcement {announcement.id} is already {announcement.status}.")
    now = deps.clock.now()
    if announcement.send_at is None or announcement.send_at < now:
        announcement.send_at = now
    announcement.status = AnnouncementStatus.SCHEDULED
    await uow.announcements.save(announcement)
    log.info("announcement %s scheduled", announcement.id)
    return announcement


def later(deps: Deps, announcement: Announcement) -> bool:
    """True when a scheduled announcement goes out later rather than now."""
    send_at = announcement.send_at
    return send_at is not None and send_at > deps.clock.now() + timedelta(minutes=1)


async def withdraw(deps: Deps, uow: UnitOfWork, person: Person, announcement_id: str) -> str:
    """Cancel a draft or a scheduled announcement before it starts; what to tell HR."""
    from bot.announcements import cancel_now

    require(person, Role.HR)
    announcement = await find(uow, announcement_id)
    if announcement is None:
        raise Refused("I cannot find that announcement.")
    ok, why = cancel_now(announcement, deps.clock.now())
    if not ok:
        raise Refused(why)
    await uow.announcements.save(announcement)
    log.info("announcement %s cancelled", announcement.id)
    return why


async def recipient_rows(uow: UnitOfWork, announcement_id: str) -> list[dict[str, Any]]:
    """One row per recipient (RECIPIENT_COLUMNS): the CSV of an announcement."""
    return [dict(r) for r in await uow.announcements.recipients(announcement_id)]


@dataclass(frozen=True, slots=True)
class Listed:
    """One announcement in the list, with its delivery figures."""

    announcement: Announcement
    figures: BroadcastFigures


@dataclass(frozen=True, slots=True)
class Board:
    """Recent announcements, newest first."""

    viewer: str
    at: datetime
    items: tuple[Listed, ...]


@dataclass(frozen=True, slots=True)
class Unread:
    """Someone it was delivered to who has not acknowledged it yet."""

    name: str
    department: str
    delivered_at: datetime
    reminders: int


@dataclass(frozen=True, slots=True)
class Detail:
    """One announcement: figures, head count, who has not acknowledged, what can be done."""

    viewer: str
    at: datetime
    announcement: Announcement
    figures: BroadcastFigures
    head_count: int
    unread: tuple[Unread, ...]

    @property
    def cancellable(self) -> bool:
        """True until it has started."""
        return self.announcement.status in CANCELLABLE


async def board(deps: Deps, uow: UnitOfWork, viewer: Person, limit: int = 30) -> Board:
    """HR: the recent announcements with their figures."""
    require(viewer, Role.HR)
    now = deps.clock.now()
    items = [
        Listed(a, await uow.announcements.figures(a.id, now))
        for a in await uow.announcements.recent(limit)
    ]
    return Board(viewer.display_name, now, tuple(items))


async def detail(deps: Deps, uow: UnitOfWork, viewer: Person, announcement_id: str) -> Detail:
    """HR: one announcement in full."""
    require(viewer, Role.HR)
    announcement = await find(uow, announcement_id)
    if announcement is None:
        raise NoSuchAnnouncement(announcement_id)
    now = deps.clock.now()
    unread = []
    for person_id, delivered_at, reminders, _ in await uow.announcements.unacknowledged(
        announcement.id
    ):
        person = await uow.people.get(person_id)
        if person is not None:
            unread.append(
                Unread(person.display_name, person.department or "", delivered_at, reminders)
            )
    if not announcement.ack_required:
        unread = []
    unread.sort(key=lambda u: (u.department, u.name))
    return Detail(
        viewer.display_name,
        now,
        announcement,
        await uow.announcements.figures(announcement.id, now),
        await head_count(uow, announcement),
        tuple(unread),
    )
