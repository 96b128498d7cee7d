"""What a handler does to a case, as typed changes shared by the chat buttons and the dashboard.

Each function checks that the person handles the case (refusals are audited too), makes its
change in the caller's unit of work, and puts the reporter's notice in the outbox; none
commits. Callers present the result: a chat reply, or a web page.
"""

from __future__ import annotations

import logging

from bot.deps import Deps
from bot.features.reports.forms import MAX_TEXT
from bot.features.reports.model import Case, CaseMessage, CaseStatus
from bot.features.reports.reports import context
from bot.messages import Notification, Option, TextReply
from bot.model import Person, Role, new_id
from bot.ports import UnitOfWork
from bot.text import clean, shorten

log = logging.getLogger(__name__)
OUTCOMES = (
    Option("Action taken", "action-taken"),
    Option("Referred elsewhere", "referred"),
    Option("No action needed", "no-action"),
    Option("Withdrawn by the reporter", "withdrawn"),
)


class Invalid(ValueError):
    """A field of a handler's change is missing or wrong: `field` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


async def handled(
    uow: UnitOfWork, person: Person, case_id: str, deps: Deps, action: str
) -> Case | None:
    """The case if `person` may handle it; refusals are audited."""
    case = await uow.cases.get(case_id)
    if case is None:
        return None
    kind = (await uow.cases.access(case.id)).get(person.id)
    if kind == "handler" or (kind is None and person.has(Role.ADMIN)):
        await uow.cases.audit(case.id, person.id, action, deps.clock.now())
        return case
    await uow.cases.audit(case.id, person.id, f"refused {action}", deps.clock.now())
    log.info("refused %s on a case", action)
    return None


async def tell_reporter(deps: Deps, uow: UnitOfWork, case: Case, text: str) -> None:
    """Confidential reporters hear back in chat; anonymous ones only through follow-up."""
    if case.reporter_box is None:
        return
    reporter = deps.cipher.open(case.reporter_box, context(case.id)).decode()
    await uow.outbox.add(Notification(reporter, TextReply(text), f"Report {case.ref}", case.id))


async def acknowledge(deps: Deps, uow: UnitOfWork, person: Person, case_id: str) -> Case | None:
    """The handler acknowledges the report (None: not theirs to handle)."""
    case = await handled(uow, person, case_id, deps, "acknowledged")
    if case is None:
        return None
    if case.status == CaseStatus.OPEN:
        case.status = CaseStatus.ACKNOWLEDGED
        case.acknowledged_at = deps.clock.now()
        await uow.cases.save(case)
    await tell_reporter(deps, uow, case, f"Your report {case.ref} was received by a handler.")
    return case


async def assign(
    deps: Deps, uow: UnitOfWork, person: Person, case_id: str, to: str | None = None
) -> Case | None:
    """The case goes to `to` (another of its handlers; by default the person); an assignment
    also acknowledges an open case. Raises Invalid when `to` does not handle the case."""
    action = "assigned to self" if to in (None, person.id) else "assigned"
    case = await handled(uow, person, case_id, deps, action)
    if case is None:
        return None
    assignee = to or person.id
    if assignee != person.id and (await uow.cases.access(case.id)).get(assignee) != "handler":
        raise Invalid("assignee", "Choose one of this case's handlers.")
    case.assignee_id = assignee
    if case.status == CaseStatus.OPEN:
        case.status, case.acknowledged_at = CaseStatus.ACKNOWLEDGED, deps.clock.now()
    await uow.cases.save(case)
    if assignee != person.id:
        note = TextReply(f"{person.display_name} assigned report {case.ref} to you.")
        await uow.outbox.add(Notification(assignee, note, f"Report {case.ref}", case.id))
    return case


async def message(
    deps: Deps, uow: UnitOfWork, person: Person, case_id: str, raw: str
) -> Case | None:
    """The handler's message to the reporter, stored sealed and passed on. Raises Invalid
    for an empty message."""
    case = await handled(uow, person, case_id, deps, "messaged reporter")
    if case is None:
        return None
    text = clean(raw)
    if not text:
        raise Invalid("message", "Please write a message.")
    now = deps.clock.now()
    box = deps.cipher.seal(shorten(text, MAX_TEXT).encode(), context(case.id))
    await uow.cases.add_message(CaseMessage(new_id(), case.id, "handler", box, now))
    case.first_feedback_at = case.first_feedback_at or now
    await uow.cases.save(case)
    await tell_reporter(deps, uow, case, f"New message on your report {case.ref}:\n{text}")
    return case


async def resolve(
    deps: Deps, uow: UnitOfWork, person: Person, case_id: str, outcome: str, raw_note: str = ""
) -> Case | None:
    """Close the case with an outcome and an optional note to the reporter. Raises Invalid
    for an outcome that is not one of OUTCOMES."""
    case = await handled(uow, person, case_id, deps, "resolved")
    if case is None:
        return None
    if outcome not in {o.value for o in OUTCOMES}:
        raise Invalid("outcome", "Choose an outcome.")
    case.status, case.outcome, case.resolved_at = CaseStatus.RESOLVED, outcome, deps.clock.now()
    await uow.cases.save(case)
    note = clean(raw_note)
    if note:
        box = deps.cipher.seal(note.encode(), context(case.id))
        await uow.cases.add_message(
            CaseMessage(new_id(), case.id, "handler", box, deps.clock.now())
        )
    await tell_reporter(deps, uow, case, f"Your report {case.ref} was closed. {note}".strip())
    return case


def outcome_label(outcome: str | None) -> str:
    """How an outcome reads."""
    return next((o.label for o in OUTCOMES if o.value == outcome), outcome or "")
