"""Training for HR and managers: reminders to those outstanding, and completion figures."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.deps import Deps
from bot.directory import NotAllowed, require
from bot.features.training import status
from bot.features.training.status import DUE_DAYS, assigned_at
from bot.features.training.training import outstanding, pick, required_now
from bot.messages import (
    Action,
    Button,
    Card,
    Choices,
    Field,
    Form,
    Notification,
    Reply,
    Submission,
    TextReply,
    ticked,
)
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, MenuEntry, Routes

log = logging.getLogger(__name__)
CADENCE = (0, 3, 7)  # days after assignment; then weekly
WORKING_HOURS = range(9, 17)


def reminders_due(since: timedelta) -> int:
    """How many reminders should have gone out `since` after assignment."""
    days = since.days
    early = sum(1 for d in CADENCE if d <= days)
    weekly = max(0, (days - CADENCE[-1]) // 7)
    return early + weekly


def _local(person: Person, now: datetime) -> datetime:
    try:
        return now.astimezone(ZoneInfo(person.timezone)) if person.timezone else now
    except (ZoneInfoNotFoundError, ValueError):
        return now


async def nudge(deps: Deps, uow: UnitOfWork) -> int:
    """Remind people with training outstanding: on cadence, at most once a day, in working
    hours where their time zone is known, and never after completion."""
    now = deps.clock.now()
    version = deps.content.current.version
    attested = await uow.training.attestations(version)
    done = await uow.training.everyone_completed()
    since = now - assigned_at(deps)
    required = await required_now(deps, uow)
    sent = 0
    for person in await uow.people.all():
        if person.id in attested:
            continue
        count, last = await uow.training.reminders(person.id, version)
        local = _local(person, now)
        if count >= reminders_due(since) or local.weekday() >= 5 or local.hour not in WORKING_HOURS:
            continue
        if last is not None and _local(person, last).date() == local.date():
            continue
        if not await uow.training.reminded(person.id, version, now, count):
            continue  # another worker sent it
        left = outstanding(deps.content, done.get(person.id, {}), required)
        modules = ", ".join(m.title for m in left) or "the attestation"
        nudge_text = (
            f"Your social media training for policy version {version} is waiting: {modules}. "
            "It takes a few minutes, in short quizzes."
        )
        note = Choices(nudge_text, (Button("Take a quiz", "quiz_start", style="primary"),))
        await uow.outbox.add(Notification(person.id, note, "Training reminder"))
        sent += 1
    return sent


async def report(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """Completion figures: everyone for HR, their direct reports for a manager."""

    try:
        f = await status.figures(deps, uow, person)
    except NotAllowed:
        return [
            TextReply("Sorry, only people with the hr or manager role can see training figures.")
        ]
    title = "Training: your team" if f.team_only else "Training: everyone"
    facts = [("Completed", f"{f.done} of {f.total} ({f.done / max(f.total, 1):.0%})")]
    if not f.team_only:  # the breakdowns are HR's
        for g in f.by_department:
            facts.append((f"Department {g.name}", f"{g.ratio:.0%} of {g.total}"))
        for g in f.by_manager:
            label = f"{g.name} ({g.detail})" if g.detail else g.name
            facts.append((f"Manager {label}", f"{g.ratio:.0%} of {g.total}"))
        for m in f.missed[:3]:
            facts.append((f"Often missed: {m.question_id}", f"{m.ratio:.0%}"))
    body = f"Policy version {f.version}; due {DUE_DAYS} days after publication."
    if f.overdue:
        body += "\nOverdue: " + ", ".join(sorted(p.name for p in f.overdue))
    return [Card(title, body, tuple(facts))]


async def required_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: which modules the current version requires (one tick box per module)."""
    require(person, Role.HR)
    required = await required_now(deps, uow)
    version = deps.content.current.version
    fields = tuple(
        Field(m.id, m.title, "checkbox", required=False, initial="yes" if m.id in required else "")
        for m in deps.content.quizzes.modules
    )
    return [
        Form(
            "training_required",
            f"Required for version {version}",
            fields,
            submit_label="Save",
            intro=(
                f"Tick the modules everyone must complete for policy version {version}. "
                "Modules teaching a section this version changed must be redone."
            ),
        )
    ]


async def set_required(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """HR saved the required modules of the current version."""

    modules = deps.content.quizzes.modules
    chosen = {m.id for m in modules if ticked(f.fields.get(m.id))}
    try:
        titles = await status.set_required(deps, uow, person, chosen)
    except status.Invalid as invalid:
        form = (await required_form(deps, uow, person, Action(f.user, f.conversation, "")))[0]
        assert isinstance(form, Form)
        errors = {modules[0].id: str(invalid)}
        return [Form(form.form_id, form.title, form.fields, form.submit_label, errors=errors)]
    version = deps.content.current.version
    return [TextReply(f"Saved. Version {version} requires: {', '.join(titles)}.")]


async def daily_offer(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """Offer (or stop) the question of the day."""
    if await uow.training.daily(person.id):
        return [
            Choices(
                "You get a question of the day on working days.",
                (Button("Stop the question of the day", "quiz_daily", "off"),),
            )
        ]
    return [
        Choices(
            "Want one short question a day, on working days during working hours? "
            "Questions you missed come back sooner.",
            (
                Button("Yes, one a day", "quiz_daily", "on", "primary"),
                Button("No thanks", "quiz_daily", "no"),
            ),
        )
    ]


async def daily_choose(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """The answer to the question-of-the-day offer."""
    if a.value == "on":
        await uow.training.set_daily(person.id, True)
        return [
            TextReply(
                "Done: one question on working days, during working hours. "
                "Type *daily question* to stop."
            )
        ]
    if a.value == "off":
        await uow.training.set_daily(person.id, False)
        return [TextReply("Stopped. Type *daily question* to start again.")]
    return [TextReply("No problem. Type *quiz* whenever you want to practise.")]


async def daily(deps: Deps, uow: UnitOfWork) -> int:
    """Send today's question to those who opted in (working days and hours, once a day)."""
    now = deps.clock.now()
    sent = 0
    for person_id in await uow.training.daily_due(now.date()):
        person = await uow.people.get(person_id)
        if person is None:
            continue
        local = _local(person, now)
        if local.weekday() >= 5 or local.hour not in WORKING_HOURS:
            continue
        cards = list(await uow.training.cards(person.id))
        done = await uow.training.completed(person.id)
        picked = pick(
            deps.content, cards, done, now, size=1, required=await required_now(deps, uow)
        )
        found = deps.content.quizzes.question(picked[0]) if picked else None
        if found is None:
            continue
        if not await uow.training.daily_sent(person.id, local.date()):
            continue  # another worker sent it
        question = found[1]
        note = Choices(
            f"Question of the day: {question.prompt}",
            (Button("Answer it", "quiz_today", question.id, "primary"),),
        )
        await uow.outbox.add(Notification(person.id, note, "Question of the day"))
        sent += 1
    return sent


async def digest(deps: Deps, uow: UnitOfWork) -> int:
    """Once training is overdue, list each manager's overdue reports to them, weekly."""
    now = deps.clock.now()
    if now <= assigned_at(deps) + timedelta(days=DUE_DAYS):
        return 0
    version = deps.content.current.version
    attested = await uow.training.attestations(version)
    people = list(await uow.people.all())
    late: dict[str, list[Person]] = {}
    for p in people:
        if p.manager_id and p.id not in attested:
            late.setdefault(p.manager_id, []).append(p)
    sent = 0
    for manager_id, reports in sorted(late.items()):
        last = await uow.training.digest(manager_id, version)
        if last is not None and now - last < timedelta(days=7):
            continue
        if not await uow.training.digested(manager_id, version, now, last):
            continue
        names = "\n".join(
            f"\u2022 {p.display_name}" for p in sorted(reports, key=lambda p: p.display_name)
        )
        card = Card(
            f"Training overdue in your team (policy version {version})",
            f"These people have not completed the required training:\n{names}",
            (("Overdue", str(len(reports))),),
            footer="Type *training report* for your team's figures.",
        )
        await uow.outbox.add(Notification(manager_id, card, "Team training overdue"))
        sent += 1
    return sent


async def _daily_offer(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await daily_offer(deps, uow, person)


async def _report(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await report(deps, uow, person)


ROUTES = Routes(
    jobs={"training reminders": nudge, "question of the day": daily, "manager digests": digest},
    actions={
        "training_required": required_form,
        "quiz_daily": daily_choose,
        "quiz_daily_offer": _daily_offer,
        "training_report": _report,
    },
    forms={"training_required": set_required},
    typed={
        "quiz_daily_offer": ("question of the day", "daily question", "daily quiz"),
        "training_required": ("required training", "training modules", "required modules"),
        "training_report": ("training report", "training figures"),
    },
    slash={"daily": "daily question"},
    menu=(
        MenuEntry("Question of the day", "quiz_daily_offer", 40),
        MenuEntry("Required training", "training_required", 130, (Role.HR,)),
    ),
    hints=(Hint("*training report*", (Role.HR, Role.MANAGER), 40),),
)
