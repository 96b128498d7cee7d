"""Announcements: HR composes, previews and sends; everyone acknowledges; the rest are reminded.

The core decides what is sent, to whom and when, and records acknowledgements. Delivering
the messages to thousands of people is the broadcast engine's job: it picks up announcements
whose status is `scheduled` and whose time has come, and keeps one row per recipient.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.deps import Deps
from bot.directory import require
from bot.features.announcements import service
from bot.features.announcements.card import ACK, message
from bot.features.announcements.form import compose_form, correction_with
from bot.features.announcements.model import Announcement, AnnouncementStatus, BroadcastFigures
from bot.messages import (
    Action,
    Button,
    Card,
    Choices,
    Form,
    Notification,
    Reply,
    Submission,
    TextReply,
)
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, MenuEntry, Routes
from bot.text import shorten

log = logging.getLogger(__name__)


async def new_form(
    deps: Deps, uow: UnitOfWork, person: Person, a: Action | None = None
) -> list[Reply]:
    """HR: the compose form."""
    require(person, Role.HR)
    return [compose_form(deps, await _departments(uow))]


async def _departments(uow: UnitOfWork) -> list[str]:
    return await service.departments(uow)


async def create(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """HR submitted the compose form: store a draft and show the preview to its author."""
    try:
        announcement = await service.draft(deps, uow, person, dict(f.fields))
    except service.Invalid as invalid:
        form = compose_form(deps, await _departments(uow), dict(f.fields))
        return [
            Form(form.form_id, form.title, form.fields, form.submit_label, errors=invalid.errors)
        ]
    return await preview(deps, uow, announcement)


async def preview(deps: Deps, uow: UnitOfWork, announcement: Announcement) -> list[Reply]:
    """The message exactly as recipients will see it, then what confirming will do."""
    audience = [p for p in await uow.people.all() if announcement.includes(p)]
    when = (
        f"at {announcement.send_at:%Y-%m-%d %H:%M} UTC"
        if announcement.send_at and announcement.send_at > deps.clock.now()
        else "now"
    )
    groups = [a for a in announcement.audience if "#" not in a]
    channels = len(announcement.channels)
    also = f" and {channels} channel{'' if channels == 1 else 's'}" if channels else ""
    confirm = Choices(
        f"*Preview* of announcement {announcement.id} above. Confirm to send it {when} to "
        f"{len(audience)} {'person' if len(audience) == 1 else 'people'} "
        f"({', '.join(groups)}){also}.",
        (
            Button(f"Send {when}", "announce_send", announcement.id, "primary"),
            Button("Discard", "announce_discard", announcement.id),
        ),
    )
    return [message(announcement, preview=True), confirm]


async def _get(uow: UnitOfWork, announcement_id: str) -> Announcement | None:
    return await uow.announcements.get(announcement_id.strip().upper()[:16])


async def send(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR confirmed a draft: schedule it (now, or at its time); the engine takes it from there."""
    try:
        announcement = await service.schedule(deps, uow, person, a.value)
    except service.Refused as refused:
        return [TextReply(str(refused))]
    later = service.later(deps, announcement)
    what = (
        f"will go out at {announcement.send_at:%Y-%m-%d %H:%M} UTC" if later else "is going out now"
    )
    buttons = [Button("Status", "announce_status", announcement.id)]
    if later:
        buttons.append(Button("Cancel it", "announce_cancel", announcement.id, "danger"))
    return [Choices(f"Announcement {announcement.id} {what}.", tuple(buttons))]


async def discard(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR discarded a draft."""
    require(person, Role.HR)
    announcement = await _get(uow, a.value)
    if announcement is None or announcement.status != AnnouncementStatus.DRAFT:
        return [TextReply("Nothing to discard: that announcement is not a draft.")]
    announcement.status = AnnouncementStatus.CANCELLED
    await uow.announcements.save(announcement)
    return [TextReply(f"Discarded draft {announcement.id}. Nothing was sent.")]


async def cancel(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR cancelled a scheduled announcement before it started."""
    try:
        return [TextReply(await service.withdraw(deps, uow, person, a.value))]
    except service.Refused as refused:
        return [TextReply(str(refused))]


async def correct_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: the form to correct a sent announcement's text."""
    try:
        return [await service.correction(deps, uow, person, a.value)]
    except service.NoSuchAnnouncement:
        return [TextReply("I cannot find that announcement.")]


async def correct(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """HR corrected the text; the engine updates delivered messages to the new revision."""
    try:
        announcement = await service.correct(deps, uow, person, f.context, dict(f.fields))
    except service.Refused as refused:
        return [TextReply(str(refused))]
    except service.Invalid as invalid:
        return [correction_with(f.context, dict(f.fields), invalid.errors)]  # what HR typed, kept
    return [TextReply(f"Corrected {announcement.id}; delivered messages are being updated.")]


async def acknowledge(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """Someone pressed "I have read it": recorded once, with the policy version and time.

    Only for an announcement that went out, to someone it went to (anyone, when it was also
    posted in channels): a forged press on a draft learns nothing, not even its title.
    """
    announcement = await _get(uow, a.value)
    went_out = announcement is not None and announcement.status in (
        AnnouncementStatus.SENDING,
        AnnouncementStatus.SENT,
    )
    if (
        announcement is None
        or not went_out
        or not (announcement.includes(person) or announcement.channels)
    ):
        return [TextReply("That announcement was not sent to you.")]
    now = deps.clock.now()
    first = await uow.announcements.acknowledge(
        announcement.id, person.id, announcement.policy_version, now
    )
    if not first:
        return [
            TextReply(f"You have already confirmed that you read \u201c{announcement.title}\u201d.")
        ]
    log.info("announcement %s acknowledged", announcement.id)
    version = (
        f" (policy version {announcement.policy_version})" if announcement.policy_version else ""
    )
    return [
        TextReply(f"Thank you: recorded that you read \u201c{announcement.title}\u201d{version}.")
    ]


async def status(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: live figures of one announcement."""
    require(person, Role.HR)
    announcement = await _get(uow, a.value)
    if announcement is None:
        return [TextReply("I cannot find that announcement.")]
    figures = await uow.announcements.figures(announcement.id, deps.clock.now())
    return [status_card(announcement, figures)]


def _recipients(figures: BroadcastFigures) -> str:
    people = figures.recipients - figures.channels
    if not figures.channels:
        return str(people)
    return f"{people} {'person' if people == 1 else 'people'} and {figures.channels} channel" + (
        "s" if figures.channels != 1 else ""
    )


def status_card(announcement: Announcement, figures: BroadcastFigures) -> Card:
    """Figures of one announcement, with what HR can do next."""
    facts = [
        ("Status", str(announcement.status)),
        ("Recipients", _recipients(figures)),
        ("Delivered", str(figures.delivered)),
        ("Waiting to be sent", str(figures.pending)),
    ]
    for reason, count in sorted(figures.failed.items()):
        facts.append((f"Failed: {reason}", str(count)))
    if announcement.ack_required:
        facts += [
            ("Acknowledged", str(figures.acknowledged)),
            ("Not yet acknowledged", str(figures.outstanding)),
        ]
    if announcement.send_at is not None:
        facts.append(("Send at", f"{announcement.send_at:%Y-%m-%d %H:%M} UTC"))
    if figures.problem:
        facts.append(("Problem", figures.problem))
    buttons = [Button("Refresh", "announce_status", announcement.id)]
    if announcement.status in (AnnouncementStatus.SCHEDULED, AnnouncementStatus.DRAFT):
        buttons.append(Button("Cancel", "announce_cancel", announcement.id, "danger"))
    if announcement.status in (AnnouncementStatus.SENDING, AnnouncementStatus.SENT):
        buttons.append(Button("Correct the text", "announce_correct", announcement.id))
    return Card(
        f"{announcement.id}: {shorten(announcement.title, 80)}",
        "Live figures from the delivery records.",
        tuple(facts),
        tuple(buttons),
        f"CSV: policybot announce status {announcement.id} --csv",
    )


async def overview(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """HR: recent announcements and a button to compose one."""
    require(person, Role.HR)
    recent = await uow.announcements.recent(8)
    facts = tuple(
        (f"{a.id} {shorten(a.title, 40)}", f"{a.status}, {a.created_at:%d %b}") for a in recent
    )
    buttons = [Button("New announcement", "announce_new", style="primary")]
    buttons += [Button(f"Status {a.id}", "announce_status", a.id) for a in recent[:4]]
    return [Card("Announcements", "Newest first.", facts, tuple(buttons))]


async def to_read(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """Announcements this person was sent and has not acknowledged yet, with the buttons."""
    waiting = []
    for announcement in await uow.announcements.recent(20):
        if not announcement.ack_required or announcement.status not in (
            AnnouncementStatus.SENDING,
            AnnouncementStatus.SENT,
        ):
            continue
        if not announcement.includes(person):
            continue
        if not await uow.announcements.acknowledged(announcement.id, person.id):
            waiting.append(announcement)
    if not waiting:
        return [TextReply("You have read every announcement that asks for it. Thank you!")]
    buttons = tuple(
        Button(f"I have read: {shorten(a.title, 40)}", ACK, a.id, "primary") for a in waiting[:5]
    )
    lines = "\n".join(f"\u2022 {a.title} ({a.created_at:%d %b})" for a in waiting[:5])
    return [Choices(f"Announcements waiting for you to confirm you read them:\n{lines}", buttons)]


async def remind(deps: Deps, uow: UnitOfWork, days: tuple[int, ...]) -> int:
    """Remind people who have not acknowledged, on the cadence, at most once a day.

    `days` are days after delivery (e.g. 3 and 7); after the last one reminders stop.
    Returns how many reminders were queued.
    """
    now = deps.clock.now()
    sent = 0
    for announcement in await uow.announcements.recent(50):
        if not announcement.ack_required or announcement.status not in (
            AnnouncementStatus.SENDING,
            AnnouncementStatus.SENT,
        ):
            continue
        for person_id, delivered_at, count, last in await uow.announcements.unacknowledged(
            announcement.id
        ):
            if count >= len(days) or now < delivered_at + timedelta(days=days[count]):
                continue
            if last is not None and now - last < service.REMIND_GAP:
                continue
            if not await uow.announcements.reminded(announcement.id, person_id, now):
                continue  # another worker reminded them first
            card = message(announcement, reminder=True)
            await uow.outbox.add(Notification(person_id, card, f"Reminder: {announcement.title}"))
            sent += 1
    return sent


async def _overview(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await overview(deps, uow, person)


async def _to_read(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await to_read(deps, uow, person)


async def _remind(deps: Deps, uow: UnitOfWork) -> int:
    return await remind(deps, uow, deps.reminder_days)


ROUTES = Routes(
    jobs={"announcement reminders": _remind},
    actions={
        "announce_new": new_form,
        "announce_overview": _overview,
        "announce_send": send,
        "announce_discard": discard,
        "announce_cancel": cancel,
        "announce_status": status,
        "announce_correct": correct_form,
        ACK: acknowledge,
        "announce_to_read": _to_read,
    },
    forms={"announce_new": create, "announce_correct": correct},
    typed={
        "announce_new": ("announce", "new announcement", "announce something"),
        "announce_to_read": ("to read", "unread", "my announcements", "acknowledgements"),
        "announce_overview": ("announcements", "announce status", "announcement status"),
    },
    slash={"announce": "announce", "announcements": "announcements", "to-read": "to read"},
    menu=(MenuEntry("Announcements", "announce_overview", 120, (Role.HR,)),),
    hints=(Hint("*announce*", (Role.HR,), 70),),
)
