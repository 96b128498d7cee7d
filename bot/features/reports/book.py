"""The dashboard's cases: a handler's queue with its clocks, and one case opened in full.

The queue shows no content (category, severity, status, deadlines, who has it). Opening a
case is a read written to its audit, and only its handlers (and admins it does not exclude)
may: anyone else is refused, and the refusal is audited too. Changes go through
`bot.features.reports.actions`, as the chat's buttons do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.deps import Deps
from bot.directory import require
from bot.features.dashboard.dashboard import Forbidden, Missing
from bot.features.dashboard.overview import CaseClocks, case_clocks
from bot.features.reports import actions
from bot.features.reports.model import Case, CaseStatus
from bot.features.reports.reports import content_of, context, reporter_label
from bot.model import Person, Role
from bot.ports import UnitOfWork

ROLES = (Role.HR, Role.HANDLER)


class NotYours(Forbidden):
    """The person may not open or act on this case (they do not handle it, or are excluded)."""

    def __init__(self, ref: str) -> None:
        super().__init__(
            f"Report {ref} is open only to its handlers. Nothing about it is shown, and the "
            "attempt is written to the case's audit."
        )


class NoSuchCase(Missing):
    """No case has that reference."""


@dataclass(frozen=True, slots=True)
class Queued:
    """One unresolved case in a handler's queue."""

    ref: str
    category: str
    severity: str
    assignee: str | None
    tier: str  # who it has been escalated to ("none": still with its first handlers)
    clocks: CaseClocks


@dataclass(frozen=True, slots=True)
class Queue:
    """The unresolved cases the viewer handles, soonest deadline first."""

    viewer: str
    at: datetime
    cases: tuple[Queued, ...]


@dataclass(frozen=True, slots=True)
class Message:
    """One message of the conversation with the reporter."""

    author: str  # "reporter" or "handler"
    at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the audit trail."""

    at: datetime
    actor: str  # a person's name, "reporter" or "system"
    action: str


@dataclass(frozen=True, slots=True)
class Handler:
    """Someone the case may be assigned to."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case as its handler sees it: content, reporter, clocks, messages, audit trail."""

    viewer: str
    at: datetime
    id: str
    ref: str
    category: str
    severity: str
    status: str
    anonymous: bool
    reporter: str  # "anonymous", or the confidential reporter's name and email
    danger: bool
    what: str
    where: str
    when: str
    assignee: str | None
    outcome: str | None
    tier: str
    clocks: CaseClocks
    handlers: tuple[Handler, ...]
    messages: tuple[Message, ...]
    trail: tuple[Entry, ...]

    @property
    def open(self) -> bool:
        """True until the case is resolved."""
        return self.status != CaseStatus.RESOLVED.value


def tier(deps: Deps, case: Case) -> str:
    """The escalation tier a case has reached."""
    tiers = deps.content.reports.escalation
    if case.escalations == 0:
        return "none"
    return tiers[min(case.escalations, len(tiers)) - 1]


async def _name(uow: UnitOfWork, person_id: str | None) -> str | None:
    person = await uow.people.get(person_id) if person_id else None
    return person.display_name if person else None


async def queue(deps: Deps, uow: UnitOfWork, viewer: Person) -> Queue:
    """The unresolved cases `viewer` handles (every one for an admin, bar exclusions)."""
    require(viewer, *ROLES)
    now = deps.clock.now()
    everyone = viewer.has(Role.ADMIN)
    rules = deps.content.reports
    found = []
    for case in await uow.cases.handled_by(None if everyone else viewer.id):
        if everyone and (await uow.cases.access(case.id)).get(viewer.id) == "excluded":
            continue
        found.append(
            Queued(
                case.ref,
                rules.category_label(case.category),
                rules.severity_label(case.severity),
                await _name(uow, case.assignee_id),
                tier(deps, case),
                case_clocks(case, now),
            )
        )
    found.sort(key=lambda q: q.clocks.soonest)
    return Queue(viewer.display_name, now, tuple(found))


async def case_id(uow: UnitOfWork, ref: str) -> str:
    """The id of the case with reference `ref`; NoSuchCase otherwise."""
    case = await uow.cases.by_ref(ref.strip().upper())
    if case is None:
        raise NoSuchCase(ref)
    return case.id


async def open_case(deps: Deps, uow: UnitOfWork, viewer: Person, ref: str) -> CaseView:
    """The case, for its handlers only; the read (or the refusal) is audited."""
    require(viewer, *ROLES)
    case = await actions.handled(uow, viewer, await case_id(uow, ref), deps, "read")
    if case is None:
        raise NotYours(ref)
    return await _view(deps, uow, viewer, case)


async def _view(deps: Deps, uow: UnitOfWork, viewer: Person, case: Case) -> CaseView:
    rules = deps.content.reports
    data = content_of(deps, case)
    reporter = await reporter_label(deps, uow, case)
    access = await uow.cases.access(case.id)
    handlers = []
    for pid, kind in access.items():
        name = await _name(uow, pid) if kind == "handler" else None
        if name is not None:
            handlers.append(Handler(pid, name))
    messages = tuple(
        Message(m.author, m.at, deps.cipher.open(m.box, context(case.id)).decode())
        for m in await uow.cases.messages(case.id)
    )
    names: dict[str, str] = {}
    trail = []
    for at, actor, action in await uow.cases.trail(case.id):
        if actor not in names:
            known = actor if actor in ("reporter", "system") else await _name(uow, actor)
            names[actor] = known or "someone no longer in the directory"
        trail.append(Entry(at, names[actor], action))
    return CaseView(
        viewer=viewer.display_name,
        at=deps.clock.now(),
        id=case.id,
        ref=case.ref,
        category=rules.category_label(case.category),
        severity=rules.severity_label(case.severity),
        status=case.status.value,
        anonymous=case.anonymous,
        reporter=reporter,
        danger=data.get("danger") == "yes",
        what=data.get("what", ""),
        where=data.get("where", ""),
        when=data.get("when", ""),
        assignee=await _name(uow, case.assignee_id),
        outcome=actions.outcome_label(case.outcome) if case.outcome else None,
        tier=tier(deps, case),
        clocks=case_clocks(case, deps.clock.now()),
        handlers=tuple(sorted(handlers, key=lambda h: h.name)),
        messages=messages,
        trail=tuple(trail),
    )
