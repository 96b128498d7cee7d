"""Training for HR and managers: reminders to those outstanding, and completion figures."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.deps import Deps
from bot.messages import Button, Card, Choices, Notification, Reply, TextReply
from bot.model import Person, Role
from bot.ports import Conflict, UnitOfWork
from bot.training import _outstanding

log = logging.getLogger(__name__)
DUE_DAYS = 30  # the policy: complete the training within 30 days
CADENCE = (0, 3, 7)  # days after assignment; then weekly
WORKING_HOURS = range(9, 17)


def assigned_at(deps: Deps) -> datetime:
    """When the current version's training was assigned: the day it was published."""
    published = deps.content.current.meta.published
    return datetime(published.year, published.month, published.day, tzinfo=UTC)


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
        try:
            if not await uow.training.reminded(person.id, version, now, count):
                continue  # another worker sent it
            await uow.commit()
        except Conflict:
            continue
        left = _outstanding(deps.content, done.get(person.id, {}))
        modules = ", ".join(m.title for m in left) or "the attestation"
        nudge_text = (
            f"Your social media training for policy version {version} is waiting: {modules}. "
            "It takes a few minutes, in short quizzes."
        )
        note = Choices(nudge_text, (Button("Take a quiz", "quiz_start", style="primary"),))
        await deps.messenger.send(Notification(person.id, note, "Training reminder"))
        sent += 1
    return sent


async def report(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """Completion figures: everyone for HR, their direct reports for a manager."""
    people = list(await uow.people.all())
    if person.has(Role.HR):
        scope, title = people, "Training: everyone"
    elif person.has(Role.MANAGER):
        scope = [p for p in people if p.manager_id == person.id]
        title = "Training: your team"
    else:
        return [
            TextReply("Sorry, only people with the hr or manager role can see training figures.")
        ]
    version = deps.content.current.version
    attested = await uow.training.attestations(version)
    overdue = deps.clock.now() > assigned_at(deps) + timedelta(days=DUE_DAYS)
    done = [p for p in scope if p.id in attested]
    late = [p for p in scope if p.id not in attested and overdue]
    facts = [("Completed", f"{len(done)} of {len(scope)} ({len(done) / max(len(scope), 1):.0%})")]
    if person.has(Role.HR):
        for label, key in (("Department", "department"), ("Manager", "manager_id")):
            groups: dict[str, list[Person]] = {}
            for p in scope:
                groups.setdefault(str(getattr(p, key) or "(none)"), []).append(p)
            for name, members in sorted(groups.items()):
                rate = sum(m.id in attested for m in members) / len(members)
                facts.append((f"{label} {name}", f"{rate:.0%} of {len(members)}"))
        rates = await uow.training.miss_rates()
        worst = sorted(((m / n, q) for q, (n, m) in rates.items() if n >= 5), reverse=True)[:3]
        for share, qid in worst:
            facts.append((f"Often missed: {qid}", f"{share:.0%}"))
    body = f"Policy version {version}; due {DUE_DAYS} days after publication."
    if late:
        body += "\nOverdue: " + ", ".join(sorted(p.display_name for p in late))
    return [Card(title, body, tuple(facts))]
