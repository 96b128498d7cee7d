"""Working a backlash report: handlers act on it, and deadlines escalate."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.deps import Deps
from bot.features.reports import actions as reports_actions
from bot.features.reports.actions import OUTCOMES, handled, outcome_label
from bot.features.reports.forms import MAX_TEXT, deadlines
from bot.features.reports.model import Case, CaseStatus
from bot.features.reports.reports import case_buttons, context, handler_card
from bot.messages import (
    Action,
    Card,
    Choices,
    Field,
    Form,
    Notification,
    Reply,
    Submission,
    TextReply,
)
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Routes
from bot.text import shorten

log = logging.getLogger(__name__)
NOT_YOURS = "Sorry, you are not a handler of this case."


async def acknowledge(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """A handler acknowledges the report."""
    case = await reports_actions.acknowledge(deps, uow, person, a.value)
    if case is None:
        return [TextReply(NOT_YOURS)]
    return [Choices(f"Report {case.ref} acknowledged.", case_buttons(case))]


async def view(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """A handler reads the case and its conversation; every read is audited."""
    case = await handled(uow, person, a.value, deps, "read")
    if case is None:
        return [TextReply(NOT_YOURS)]
    card = await handler_card(deps, uow, case)
    lines = []
    for m in await uow.cases.messages(case.id):
        text = deps.cipher.open(m.box, context(case.id)).decode()
        who = "Reporter" if m.author == "reporter" else "Handler"
        lines.append(f"{who} ({m.at:%d %b %H:%M}): {shorten(text, 600)}")
    body = card.body + ("\n\n" + "\n".join(lines) if lines else "")
    return [Card(card.title, body, card.facts, card.buttons, card.footer)]


async def assign(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """A handler takes the case."""
    case = await reports_actions.assign(deps, uow, person, a.value)
    if case is None:
        return [TextReply(NOT_YOURS)]
    return [Choices(f"Report {case.ref} is assigned to you.", case_buttons(case))]


def _message_form(case: Case, errors: dict[str, str] | None = None) -> Form:
    return Form(
        "case_message",
        f"Message on {case.ref}",
        (Field("message", "Your message to the reporter", "textarea", max_length=MAX_TEXT),),
        submit_label="Send",
        context=case.id,
        errors=errors or {},
    )


async def message_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """The form to write to the reporter."""
    case = await handled(uow, person, a.value, deps, "opened message form")
    if case is None:
        return [TextReply(NOT_YOURS)]
    return [_message_form(case)]


async def send_message(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """A handler's message to the reporter is stored sealed and passed on."""
    try:
        case = await reports_actions.message(
            deps, uow, person, f.context, f.fields.get("message", "")
        )
    except reports_actions.Invalid as invalid:
        found = await uow.cases.get(f.context)
        assert found is not None  # it was found to be invalid, so it exists
        return [_message_form(found, {invalid.field: str(invalid)})]
    if case is None:
        return [TextReply(NOT_YOURS)]
    sent = f"Sent to the reporter of {case.ref}."
    if case.reporter_box is None:
        sent += " They are anonymous: they read it when they next follow up with their receipt."
    return [Choices(sent, case_buttons(case))]


async def resolve_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """The form to close the case with an outcome."""
    case = await handled(uow, person, a.value, deps, "opened resolve form")
    if case is None:
        return [TextReply(NOT_YOURS)]
    return [
        Form(
            "case_resolve",
            f"Resolve {case.ref}",
            (
                Field("outcome", "Outcome", "select", options=OUTCOMES),
                Field("note", "Note to the reporter", "textarea", required=False),
            ),
            submit_label="Resolve",
            context=case.id,
        )
    ]


async def resolve(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """Close the case."""
    outcome = f.fields.get("outcome", "")
    try:
        case = await reports_actions.resolve(
            deps, uow, person, f.context, outcome, f.fields.get("note", "")
        )
    except reports_actions.Invalid as invalid:
        return [TextReply(str(invalid))]
    if case is None:
        return [TextReply(NOT_YOURS)]
    return [Choices(f"Report {case.ref} resolved: {outcome_label(outcome)}.", case_buttons(case))]


async def escalate(deps: Deps, uow: UnitOfWork) -> int:
    """Re-notify and escalate cases whose acknowledgement or first feedback is overdue.

    One tier per miss; the deadline then moves by the severity's window.
    """
    now = deps.clock.now()
    tiers = deps.content.reports.escalation
    steps = 0
    for case in await uow.cases.due(now):
        access = await uow.cases.access(case.id)
        if case.escalations >= len(tiers):
            continue
        tier = tiers[case.escalations]
        people = [
            p for p in await uow.people.with_role(Role(tier)) if access.get(p.id) != "excluded"
        ]
        ack_next, feedback_next = deadlines(deps, case.severity, now)
        missed = "acknowledgement" if case.status == CaseStatus.OPEN else "feedback"
        if missed == "acknowledgement":
            taken = await uow.cases.step(case.id, case.escalations, ack_due=ack_next)
            case.ack_due = ack_next
        else:
            taken = await uow.cases.step(case.id, case.escalations, feedback_due=feedback_next)
            case.feedback_due = feedback_next
        if not taken:
            continue  # another worker took this step
        case.escalations += 1
        for p in people:
            if p.id not in access:
                await uow.cases.grant(case.id, p.id, "handler")
        await uow.cases.audit(case.id, "system", f"{missed} overdue: escalated to {tier}", now)
        card = await handler_card(deps, uow, case)
        recipients = {p.id for p in people} | {pid for pid, k in access.items() if k == "handler"}
        for pid in recipients:
            note = f"Overdue {missed}: report {case.ref}"
            await uow.outbox.add(Notification(pid, card, note, case.id))
        steps += 1
    return steps


async def purge(deps: Deps, uow: UnitOfWork) -> int:
    """Delete closed reports past the content's retention, with everything that belongs to
    them (messages, audit trail, notices)."""
    retention = timedelta(days=deps.content.reports.retention_days)
    return await uow.cases.purge(deps.clock.now() - retention)


ROUTES = Routes(
    jobs={"escalation": escalate, "report purge": purge},
    actions={
        "case_view": view,
        "case_ack": acknowledge,
        "case_assign": assign,
        "case_message": message_form,
        "case_resolve": resolve_form,
    },
    forms={
        "case_message": send_message,
        "case_resolve": resolve,
    },
)
