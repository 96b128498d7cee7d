"""Training as typed figures, and HR's choice of required modules: shared by chat and dashboard.

HR sees everyone; a manager sees their direct reports only (completion, the breakdowns, who is
overdue, the questions their reports miss). Only HR may choose the required modules. Nothing
here commits: the caller's unit of work does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.deps import Deps
from bot.directory import require
from bot.features.training.training import outstanding, required_now
from bot.model import Person, Role
from bot.ports import UnitOfWork

log = logging.getLogger(__name__)
MISSED_MIN_ANSWERS = 5  # a question's miss rate counts from this many answers
MISSED_SHOWN = 5
NONE = "(none)"


class Invalid(ValueError):
    """The choice cannot be saved; the message says why."""


@dataclass(frozen=True, slots=True)
class Group:
    """Completion in one department or under one manager."""

    name: str
    detail: str  # the manager's email; empty for a department
    done: int
    total: int

    @property
    def ratio(self) -> float:
        """The share completed (a group is never empty)."""
        return self.done / self.total


@dataclass(frozen=True, slots=True)
class Late:
    """Someone whose training is overdue."""

    name: str
    department: str
    manager: str


@dataclass(frozen=True, slots=True)
class Missed:
    """A question often answered wrongly."""

    question_id: str
    prompt: str
    module: str
    answers: int
    missed: int

    @property
    def ratio(self) -> float:
        """The share of answers that missed it."""
        return self.missed / self.answers


@dataclass(frozen=True, slots=True)
class Module:
    """A quiz module and whether the current version requires it."""

    id: str
    title: str
    required: bool


@dataclass(frozen=True, slots=True)
class TrainingFigures:
    """Training for the current version, as one viewer may see it."""

    viewer: str
    at: datetime
    version: int
    due: date
    team_only: bool  # the viewer's direct reports only
    done: int
    total: int
    by_department: tuple[Group, ...]
    by_manager: tuple[Group, ...]
    overdue: tuple[Late, ...]  # empty until the due date has passed
    missed: tuple[Missed, ...]  # most missed first
    modules: tuple[Module, ...]
    may_choose: bool  # HR: may set the required modules

    @property
    def ratio(self) -> float | None:
        """The share completed, or None with nobody in scope."""
        return self.done / self.total if self.total else None


def _groups(
    scope: list[Person], attested: set[str], key: Callable[[Person], tuple[str, str]]
) -> tuple[Group, ...]:
    members: dict[tuple[str, str], list[Person]] = {}
    for p in scope:
        members.setdefault(key(p), []).append(p)
    return tuple(
        Group(name, detail, sum(m.id in attested for m in group), len(group))
        for (name, detail), group in sorted(members.items())
    )


async def figures(deps: Deps, uow: UnitOfWork, viewer: Person) -> TrainingFigures:
    """Completion, breakdowns, who is overdue and the most missed questions, scoped."""
    require(viewer, Role.HR, Role.MANAGER)
    people = list(await uow.people.all())
    hr = viewer.has(Role.HR)
    scope = people if hr else [p for p in people if p.manager_id == viewer.id]
    by_id = {p.id: p for p in people}
    version = deps.content.current.version
    attested = set(await uow.training.attestations(version))
    now = deps.clock.now()
    due = due_at(deps)

    def manager(p: Person) -> tuple[str, str]:
        boss = by_id.get(p.manager_id or "")
        return (boss.display_name, boss.email or "") if boss else (NONE, "")

    late = [
        Late(p.display_name, p.department or NONE, manager(p)[0])
        for p in scope
        if p.id not in attested and now > due
    ]
    late.sort(key=lambda x: (x.department, x.name))
    rates = await uow.training.miss_rates(None if hr else {p.id for p in scope})
    missed = []
    for qid, (answers, wrong) in rates.items():
        found = deps.content.quizzes.question(qid)
        if found is not None and answers >= MISSED_MIN_ANSWERS and wrong:
            missed.append(Missed(qid, found[1].prompt, found[0].title, answers, wrong))
    missed.sort(key=lambda m: (-m.ratio, -m.answers, m.question_id))
    required = await required_now(deps, uow)
    return TrainingFigures(
        viewer=viewer.display_name,
        at=now,
        version=version,
        due=due.date(),
        team_only=not hr,
        done=sum(p.id in attested for p in scope),
        total=len(scope),
        by_department=_groups(scope, attested, lambda p: (p.department or NONE, "")),
        by_manager=_groups(scope, attested, manager),
        overdue=tuple(late),
        missed=tuple(missed[:MISSED_SHOWN]),
        modules=tuple(
            Module(m.id, m.title, m.id in required) for m in deps.content.quizzes.modules
        ),
        may_choose=hr,
    )


async def set_required(
    deps: Deps, uow: UnitOfWork, person: Person, chosen: set[str]
) -> tuple[str, ...]:
    """HR: the modules everyone must complete for the current version; their titles."""
    require(person, Role.HR)
    modules = deps.content.quizzes.modules
    picked = frozenset(m.id for m in modules if m.id in chosen)
    if not picked:
        raise Invalid("Tick at least one module.")
    version = deps.content.current.version
    await uow.training.set_required(version, picked, person.id, deps.clock.now())
    log.info("required modules for version %d set", version)
    return tuple(m.title for m in modules if m.id in picked)


DUE_DAYS = 30  # the policy: complete the training within 30 days


def assigned_at(deps: Deps) -> datetime:
    """When the current version's training was assigned: the day it was published."""
    published = deps.content.current.meta.published
    return datetime(published.year, published.month, published.day, tzinfo=UTC)


def due_at(deps: Deps) -> datetime:
    """When the current version's training is due: someone who has not attested by then is
    overdue."""
    return assigned_at(deps) + timedelta(days=DUE_DAYS)


@dataclass(frozen=True, slots=True)
class Standing:
    """One person's training for the current version: what HR exports, one row each."""

    person: Person
    manager: Person | None
    version: int
    modules_open: tuple[str, ...]
    attested_at: datetime | None
    overdue: bool


async def roster(deps: Deps, uow: UnitOfWork, viewer: Person) -> tuple[Standing, ...]:
    """Everyone's training, by name: the modules they still have to do, when they attested,
    and whether they are overdue. Only HR sees everyone."""
    require(viewer, Role.HR)
    people = list(await uow.people.all())
    version = deps.content.current.version
    attested = await uow.training.attestations(version)
    done = await uow.training.everyone_completed()
    required = await required_now(deps, uow)
    late = deps.clock.now() > due_at(deps)
    by_id = {p.id: p for p in people}
    return tuple(
        Standing(
            person=p,
            manager=by_id.get(p.manager_id or ""),
            version=version,
            modules_open=tuple(
                m.id for m in outstanding(deps.content, done.get(p.id, {}), required)
            ),
            attested_at=attested.get(p.id),
            overdue=p.id not in attested and late,
        )
        for p in sorted(people, key=lambda p: p.display_name)
    )
