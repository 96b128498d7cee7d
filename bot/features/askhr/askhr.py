"""Ask HR: questions the bot could not answer become tickets HR answers in chat."""

from __future__ import annotations

import logging

from bot.deps import Deps
from bot.directory import require
from bot.features.askhr.card import answer_card, hr_card
from bot.features.askhr.model import Ticket, TicketStatus
from bot.messages import (
    Action,
    Field,
    Form,
    Notification,
    Reply,
    Submission,
    TextReply,
    UserRef,
)
from bot.model import Person, Role, new_id, new_ref
from bot.ports import UnitOfWork
from bot.routing import Hint, MenuEntry, Routes
from bot.text import clean, shorten

log = logging.getLogger(__name__)
MAX_QUESTION = 2000
MAX_ANSWER = 3000


def question_form(initial: str = "", errors: dict[str, str] | None = None) -> Form:
    """The form to write (or edit) a question for HR."""
    return Form(
        form_id="ask_hr",
        title="Ask HR",
        intro="HR will see your name with this question and reply to you here.",
        fields=(
            Field(
                "question",
                "Your question",
                kind="textarea",
                initial=initial,
                max_length=MAX_QUESTION,
            ),
        ),
        submit_label="Send to HR",
        errors=errors or {},
    )


async def open_form(deps: Deps, uow: UnitOfWork, action: Action) -> list[Reply]:
    """Show the question form, pre-filled with the question the bot could not answer."""
    flow = await uow.conversations.flow(action.user)
    initial = str(flow.data.get("question", "")) if flow and flow.name == "ask_hr" else ""
    return [question_form(initial)]


async def send_offered(deps: Deps, uow: UnitOfWork, person: Person, action: Action) -> list[Reply]:
    """Send the question held in the conversation to HR."""
    flow = await uow.conversations.flow(action.user)
    if flow is None or flow.name != "ask_hr" or not flow.data.get("question"):
        return [question_form()]
    return await create(deps, uow, person, action.user, str(flow.data["question"]))


async def discard(deps: Deps, uow: UnitOfWork, action: Action) -> list[Reply]:
    """Drop the offer to ask HR."""
    await uow.conversations.set_flow(action.user, None)
    return [TextReply("No problem. Ask me anything else any time.")]


async def submit_question(
    deps: Deps, uow: UnitOfWork, person: Person, form: Submission
) -> list[Reply]:
    """The question form was submitted."""
    question = clean(form.fields.get("question", ""))
    if not question:
        return [question_form(errors={"question": "Please write your question."})]
    if len(question) > MAX_QUESTION:
        return [
            question_form(
                shorten(question, MAX_QUESTION),
                {"question": f"Please keep it under {MAX_QUESTION} characters."},
            )
        ]
    return await create(deps, uow, person, form.user, question)


async def create(
    deps: Deps, uow: UnitOfWork, person: Person, user: UserRef, question: str
) -> list[Reply]:
    """Store a ticket and queue a card for every HR member."""
    ticket = Ticket(
        id=new_id(),
        ref=new_ref("Q"),
        asker_id=person.id,
        question=question,
        status=TicketStatus.OPEN,
        created_at=deps.clock.now(),
    )
    await uow.tickets.add(ticket)
    await uow.conversations.set_flow(user, None)
    hr = await uow.people.with_role(Role.HR)
    uow_notes = [
        Notification(p.id, hr_card(ticket, person), f"Question for HR {ticket.ref}") for p in hr
    ]
    await _send_all(uow, uow_notes)
    if not hr:
        log.warning("ticket %s stored but nobody has the hr role to notify", ticket.ref)
    return [TextReply(deps.content.chat.ask_hr_sent.format(ref=ticket.ref))]


async def list_open(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """Open tickets, for HR."""
    require(person, Role.HR)
    tickets = await uow.tickets.open()
    if not tickets:
        return [TextReply("There are no open questions for HR.")]
    replies: list[Reply] = []
    for t in tickets[:20]:
        asker = await uow.people.get(t.asker_id)
        assignee = await uow.people.get(t.assignee_id) if t.assignee_id else None
        replies.append(
            hr_card(t, asker or Person(id=t.asker_id, display_name="(unknown)"), assignee)
        )
    if len(tickets) > 20:
        replies.append(TextReply(f"\u2026and {len(tickets) - 20} more."))
    return replies


async def _ticket(uow: UnitOfWork, ticket_id: str) -> Ticket | None:
    ticket = await uow.tickets.get(ticket_id)
    return (
        ticket if ticket and ticket.status in (TicketStatus.OPEN, TicketStatus.ASSIGNED) else None
    )


async def assign(deps: Deps, uow: UnitOfWork, person: Person, action: Action) -> list[Reply]:
    """An HR member takes a ticket."""
    require(person, Role.HR)
    ticket = await _ticket(uow, action.value)
    if ticket is None:
        return [TextReply("That question has already been answered or closed.")]
    ticket.status, ticket.assignee_id = TicketStatus.ASSIGNED, person.id
    await uow.tickets.save(ticket)
    return [TextReply(f"{ticket.ref} is assigned to you.")]


def answer_form(ticket: Ticket, errors: dict[str, str] | None = None) -> Form:
    """The form HR uses to answer a ticket."""
    return Form(
        form_id="ticket_answer",
        title=f"Answer {ticket.ref}",
        intro=shorten(ticket.question, 1500),
        fields=(Field("answer", "Your answer", kind="textarea", max_length=MAX_ANSWER),),
        submit_label="Send answer",
        context=ticket.id,
        errors=errors or {},
    )


async def open_answer(deps: Deps, uow: UnitOfWork, person: Person, action: Action) -> list[Reply]:
    """Show the answer form for a ticket."""
    require(person, Role.HR)
    ticket = await _ticket(uow, action.value)
    if ticket is None:
        return [TextReply("That question has already been answered or closed.")]
    return [answer_form(ticket)]


async def submit_answer(
    deps: Deps, uow: UnitOfWork, person: Person, form: Submission
) -> list[Reply]:
    """Deliver HR's answer to the person who asked."""
    require(person, Role.HR)
    ticket = await _ticket(uow, form.context)
    if ticket is None:
        return [TextReply("That question has already been answered or closed.")]
    text = clean(form.fields.get("answer", ""))
    if not text or len(text) > MAX_ANSWER:
        error = "Please write an answer." if not text else f"Keep it under {MAX_ANSWER} characters."
        return [answer_form(ticket, {"answer": error})]
    ticket.answer, ticket.status = text, TicketStatus.ANSWERED
    ticket.assignee_id = ticket.assignee_id or person.id
    ticket.answered_at = deps.clock.now()
    await uow.tickets.save(ticket)
    card = answer_card(ticket, person)
    await _send_all(uow, [Notification(ticket.asker_id, card, f"HR answered {ticket.ref}")])
    return [TextReply(f"Your answer to {ticket.ref} was sent.")]


async def close(deps: Deps, uow: UnitOfWork, person: Person, action: Action) -> list[Reply]:
    """The asker confirms the answer settles it."""
    ticket = await uow.tickets.get(action.value)
    if ticket is None or ticket.asker_id != person.id:
        return [TextReply("I could not find that question.")]
    if ticket.status != TicketStatus.CLOSED:
        ticket.status = TicketStatus.CLOSED
        await uow.tickets.save(ticket)
    return [TextReply(f"Glad that helped. {ticket.ref} is closed.")]


async def _send_all(uow: UnitOfWork, notes: list[Notification]) -> None:
    # In the same unit of work as the ticket: both are committed, or neither.
    for note in notes:
        await uow.outbox.add(note)


async def _form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await open_form(deps, uow, a)


async def _discard(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await discard(deps, uow, a)


async def _open(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await list_open(deps, uow, person)


HR = (Role.HR,)
ROUTES = Routes(
    actions={
        "ask_hr_form": _form,
        "ask_hr_send": send_offered,
        "ask_hr_discard": _discard,
        "tickets_open": _open,
        "ticket_assign": assign,
        "ticket_answer": open_answer,
        "ticket_close": close,
    },
    forms={"ask_hr": submit_question, "ticket_answer": submit_answer},
    typed={
        "ask_hr_form": ("ask hr", "ask hr directly", "talk to hr", "ask a human"),
        "tickets_open": ("tickets", "open questions", "hr queue"),
    },
    slash={"tickets": "tickets"},
    menu=(
        MenuEntry("Ask HR directly", "ask_hr_form", 20),
        MenuEntry("Open questions for HR", "tickets_open", 110, HR),
    ),
    hints=(Hint("*tickets*", HR, 50),),
)
