"""Ask HR in chat: the question and answer forms, HR's cards, and the handlers that call the
service (bot/features/askhr/service.py) and turn its results and refusals into replies."""

from __future__ import annotations

from bot.deps import Deps
from bot.features.askhr import service
from bot.features.askhr.card import hr_card
from bot.features.askhr.model import Ticket
from bot.features.askhr.service import MAX_ANSWER, MAX_QUESTION
from bot.messages import (
    Action,
    Field,
    Form,
    Reply,
    Submission,
    TextReply,
    UserRef,
)
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, MenuEntry, Routes
from bot.text import clean, shorten


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
    return await create(deps, uow, person, form.user, form.fields.get("question", ""))


async def create(
    deps: Deps, uow: UnitOfWork, person: Person, user: UserRef, question: str
) -> list[Reply]:
    """Send a question to HR (the offer to ask is settled); the form again if it has problems."""
    try:
        ticket = await service.ask(deps, uow, person, question)
    except service.Invalid as invalid:
        return [question_form(shorten(clean(question), MAX_QUESTION), invalid.errors)]
    await uow.conversations.set_flow(user, None)
    return [TextReply(deps.content.chat.ask_hr_sent.format(ref=ticket.ref))]


async def list_open(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """Open tickets, for HR."""
    queue = await service.open_tickets(deps, uow, person)
    if not queue.items:
        return [TextReply("There are no open questions for HR.")]
    replies: list[Reply] = [hr_card(w.ticket, w.asker, w.assignee) for w in queue.items]
    if queue.more:
        replies.append(TextReply(f"\u2026and {queue.more} more."))
    return replies


async def assign(deps: Deps, uow: UnitOfWork, person: Person, action: Action) -> list[Reply]:
    """An HR member takes a ticket."""
    try:
        ticket = await service.assign(deps, uow, person, action.value)
    except service.Refused as refused:
        return [TextReply(str(refused))]
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
    try:
        ticket = await service.answerable(deps, uow, person, action.value)
    except service.Refused as refused:
        return [TextReply(str(refused))]
    return [answer_form(ticket)]


async def submit_answer(
    deps: Deps, uow: UnitOfWork, person: Person, form: Submission
) -> list[Reply]:
    """Deliver HR's answer to the person who asked."""
    try:
        ticket = await service.answer(
            deps, uow, person, form.context, form.fields.get("answer", "")
        )
    except service.Refused as refused:
        return [TextReply(str(refused))]
    except service.Invalid as invalid:
        again = await service.answerable(deps, uow, person, form.context)
        return [answer_form(again, invalid.errors)]
    return [TextReply(f"Your answer to {ticket.ref} was sent.")]


async def close(deps: Deps, uow: UnitOfWork, person: Person, action: Action) -> list[Reply]:
    """The asker confirms the answer settles it."""
    try:
        ticket = await service.close(deps, uow, person, action.value)
    except service.Refused as refused:
        return [TextReply(str(refused))]
    return [TextReply(f"Glad that helped. {ticket.ref} is closed.")]


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
