"""A handler's way back to a case: their queue with its deadline clocks, and a case opened by
its reference."""

from __future__ import annotations

import re
from datetime import datetime

from bot.deps import Deps
from bot.features.reports import casework, followup
from bot.features.reports.model import Case, CaseStatus
from bot.messages import Action, Button, Card, Reply, Text, TextReply
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, MenuEntry, Routes

REF = re.compile(r"^R-[A-Z0-9]{6}$")
SHOWN = 10


def is_ref(text: str) -> bool:
    """True for a report's reference such as R-7KX3PD, typed in any case."""
    return bool(REF.match(text.strip().upper()))


def clock(due: datetime, now: datetime) -> str:
    """How long until `due`, or how long it is overdue, in words."""
    seconds = (due - now).total_seconds()
    hours = abs(seconds) / 3600
    span = f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"
    if hours < 1:
        span = f"{abs(seconds) / 60:.0f} min"
    return f"overdue by {span}" if seconds < 0 else f"in {span}"


def _next_deadline(case: Case, now: datetime) -> str:
    if case.status == CaseStatus.OPEN:
        return f"acknowledge by {case.ack_due:%d %b %H:%M} UTC ({clock(case.ack_due, now)})"
    if case.first_feedback_at is None:
        due = case.feedback_due
        return f"first feedback by {due:%d %b %H:%M} UTC ({clock(due, now)})"
    return f"feedback given; feedback due by {case.feedback_due:%d %b %H:%M} UTC"


async def queue(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """`my cases`: the unresolved cases this person handles (all of them for an admin)."""
    everyone = person.has(Role.ADMIN)
    cases = list(await uow.cases.handled_by(None if everyone else person.id))
    if not cases:
        return [TextReply("No open reports are waiting for you. Type *cases* for the figures.")]
    now = deps.clock.now()
    rules = deps.content.reports
    facts = []
    for case in cases[:SHOWN]:
        assignee = await uow.people.get(case.assignee_id) if case.assignee_id else None
        who = f"assigned to {assignee.display_name}" if assignee else "not assigned"
        label = rules.categories.get(case.category, case.category)
        facts.append((f"{case.ref} ({label})", f"{case.status.value}, {who}; "
                      f"{_next_deadline(case, now)}"))  # fmt: skip
    more = f" The {SHOWN} due soonest are shown." if len(cases) > SHOWN else ""
    return [
        Card(
            f"Your cases: {len(cases)} open",
            "Oldest deadline first. Type a case's reference (such as "
            f"{cases[0].ref}) to open it.{more}",
            tuple(facts),
            tuple(Button(f"Open {c.ref}", "case_view", c.id) for c in cases[:SHOWN]),
        )
    ]


async def open_ref(deps: Deps, uow: UnitOfWork, person: Person, message: Text) -> list[Reply]:
    """A typed reference: the case for its handlers, its status for its confidential reporter."""
    ref = message.text
    case = await uow.cases.by_ref(ref.strip().upper())
    if case is None:
        return [TextReply(f"There is no report {ref.strip().upper()}. Type *my cases* for yours.")]
    if case.reporter_key and case.reporter_key == deps.cipher.keyed_hash("reporter", person.id):
        return [await followup.status_card(deps, uow, case)]
    press = Action(message.user, message.conversation, "case_view", case.id)
    return await casework.view(deps, uow, person, press)


async def _mine(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await queue(deps, uow, person)


STAFF = (Role.HR, Role.HANDLER, Role.MANAGER)
ROUTES = Routes(
    actions={"cases_mine": _mine},
    typed={"cases_mine": ("my cases", "case queue", "my case queue", "my queue", "open cases")},
    menu=(MenuEntry("My cases", "cases_mine", 100, STAFF),),
    hints=(
        Hint("*my cases* (your reports to handle)", STAFF, 10),
        Hint("a report's reference such as *R-7KX3PD* to open it", STAFF, 20),
    ),
)
