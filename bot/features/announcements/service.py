"""Announcements as typed changes and figures: shared by the chat, the CLI and the dashboard.

`draft`, `schedule`, `withdraw`, `correct` and `remind_now` make their change in the caller's
unit of work (none commits) and raise `Invalid` or `Refused` instead of answering; `board`
and `detail` are the dashboard's figures. Only HR may do or see any of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot import errors
from bot.deps import Deps
from bot.directory import require
from bot.features.announcements.card import message
from bot.features.announcements.form import check_text, compose_form, correction_form, validate
from bot.features.announcements.model import Announcement, AnnouncementStatus, BroadcastFigures
from bot.features.dashboard.dashboard import Missing
from bot.messages import Card, Form, Notification
from bot.model import Person, Role, new_ref
from bot.ports import UnitOfWork

log = logging.getLogger(__name__)
RECIPIENT_COLUMNS = (
    "name", "email", "department", "platform", "state", "reason",
    "delivered_at", "acknowledged_at", "policy_version", "reminders",
)  # fmt: skip
CANCELLABLE = (AnnouncementStatus.DRAFT, AnnouncementStatus.SCHEDULED)


class Invalid(errors.Invalid):
    """The compose form has problems: `errors` by field."""


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
    require(person, Role.HR)
    return compose_form(deps, await departments(uow), values)


async def head_count(uow: UnitOfWork, announcement: Announcement) -> int:
    """How many people of the directory are in its audience (channels not counted)."""
    return sum(announcement.includes(p) for p in await uow.people.all())


async def draft(
    deps: Deps, uow: UnitOfWork, person: Person, fields: dict[str, str]
) -> Announcement:
    """A new draft from the compose form's fields; raises Invalid with the problems."""
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


async def correction(deps: Deps, uow: UnitOfWork, person: Person, announcement_id: str) -> Form:
    """HR: the form to correct a sent (or scheduled) announcement's text, filled with it."""
    require(person, Role.HR)
    announcement = await find(uow, announcement_id)
    if announcement is None:
        raise NoSuchAnnouncement(announcement_id)
    return correction_form(announcement)


async def correct(
    deps: Deps, uow: UnitOfWork, person: Person, announcement_id: str, fields: dict[str, str]
) -> Announcement:
    """New title, summary and link: delivered messages are updated in place to the new
    revision by the engine. Raises Invalid with the problems, Refused once cancelled."""
    require(person, Role.HR)
    announcement = await find(uow, announcement_id)
    if announcement is None or announcement.status == AnnouncementStatus.CANCELLED:
        raise Refused("That announcement cannot be corrected.")
    errors, title, summary, link = check_text(fields)
    if errors:
        raise Invalid(errors)
    announcement.title, announcement.summary, announcement.link = title, summary, link
    announcement.revision += 1
    await uow.announcements.save(announcement)
    log.info("announcement %s corrected (revision %d)", announcement.id, announcement.revision)
    return announcement


REMIND_GAP = timedelta(hours=23)  # nobody is reminded twice within this


async def remind_now(deps: Deps, uow: UnitOfWork, person: Person, announcement_id: str) -> int:
    """Remind, now, everyone it reached who has not acknowledged it (not anyone reminded in
    the last 23 hours); how many reminders were queued, in this unit of work's outbox."""

    require(person, Role.HR)
    announcement = await find(uow, announcement_id)
    if announcement is None:
        raise NoSuchAnnouncement(announcement_id)
    went_out = announcement.status in (AnnouncementStatus.SENDING, AnnouncementStatus.SENT)
    if not (went_out and announcement.ack_required):
        raise Refused("Only an announcement that went out and asks to be acknowledged has "
                      "people to remind.")  # fmt: skip
    now = deps.clock.now()
    sent = 0
    for person_id, _, _, last in await uow.announcements.unacknowledged(announcement.id):
        if last is not None and now - last < REMIND_GAP:
            continue
        if not await uow.announcements.reminded(announcement.id, person_id, now):
            continue  # reminded by another at the same moment
        card = message(announcement, reminder=True)
        await uow.outbox.add(Notification(person_id, card, f"Reminder: {announcement.title}"))
        sent += 1
    log.info("announcement %s: %d reminder(s) sent by HR", announcement.id, sent)
    return sent


async def sample(
    deps: Deps, uow: UnitOfWork, person: Person, fields: dict[str, str]
) -> tuple[Card, int, dict[str, str]]:
    """The compose form's fields as recipients would see them, without storing anything: the
    card, the audience's head count, and the problems so far."""

    require(person, Role.HR)
    errors, v = validate(deps, fields, await departments(uow), person.timezone)
    audience = v.get("audience") or ("everyone",)
    shown = Announcement(
        id="A-PREVIEW",
        title=str(v.get("title") or fields.get("title", "")) or "(no title yet)",
        summary=str(v.get("summary") or fields.get("summary", "")),
        author_id=person.id,
        created_at=deps.clock.now(),
        link="" if "link" in errors else str(v["link"]),
        policy_version=version if isinstance(version := v.get("version"), int) else None,
        ack_required=bool(v.get("ack", True)),
        audience=tuple(audience),  # type: ignore[arg-type]
    )
    card = message(shown, preview=True)
    card = replace(card, footer="An announcement from HR \u00b7 preview: only you can see this")
    return card, await head_count(uow, shown), errors


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
    acknowledged: tuple[tuple[date, int], ...] = ()
    """Acknowledgements by day (UTC), in order, from its first."""

    @property
    def cancellable(self) -> bool:
        """True until it has started."""
        return self.announcement.status in CANCELLABLE

    @property
    def went_out(self) -> bool:
        """True once it has started going out."""
        return self.announcement.status in (AnnouncementStatus.SENDING, AnnouncementStatus.SENT)

    @property
    def moving(self) -> bool:
        """True while its figures change on their own (scheduled, or going out)."""
        return self.announcement.status in (
            AnnouncementStatus.SCHEDULED,
            AnnouncementStatus.SENDING,
        )


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
    by_day: dict[date, int] = {}
    for at in await uow.announcements.acknowledgement_times(announcement.id):
        day = at.astimezone(UTC).date()
        by_day[day] = by_day.get(day, 0) + 1
    return Detail(
        viewer.display_name,
        now,
        announcement,
        await uow.announcements.figures(announcement.id, now),
        await head_count(uow, announcement),
        tuple(unread),
        tuple(sorted(by_day.items())),
    )


def cancel_now(announcement: Announcement, now: datetime) -> tuple[bool, str]:
    """Cancel unless it has started; (done, what to tell the person)."""
    if announcement.status in (AnnouncementStatus.DRAFT, AnnouncementStatus.SCHEDULED):
        announcement.status = AnnouncementStatus.CANCELLED
        return True, f"Cancelled announcement {announcement.id}. Nothing was sent."
    return False, (
        f"Announcement {announcement.id} is {announcement.status}: it can no longer be "
        "cancelled. You can correct it instead."
    )
