"""Ask HR as typed changes and queries: a question becomes a ticket, HR takes and answers it,
the asker closes it.

Every change is made in the caller's unit of work (none commits), the people it concerns are
told through its outbox, and problems are raised (`Invalid`, `Refused`, `NotAllowed`) instead
of answered. Only HR may list, take or answer tickets; only the asker may close one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot import errors
from bot.deps import Deps
from bot.directory import require
from bot.features.askhr.card import answer_card, hr_card
from bot.features.askhr.model import Ticket, TicketStatus
from bot.messages import Notification
from bot.model import Person, Role, new_id, new_ref
from bot.ports import UnitOfWork
from bot.text import clean

log = logging.getLogger(__name__)
MAX_QUESTION = 2000
MAX_ANSWER = 3000
LIVE = (TicketStatus.OPEN, TicketStatus.ASSIGNED)
GONE = "That question has already been answered or closed."
UNKNOWN = "I could not find that question."


class Invalid(errors.Invalid):
    """The question or the answer has a problem: `errors` by field."""


class Refused(Exception):
    """The ticket cannot be acted on (answered, closed, not theirs); the message says why."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """An open ticket with the person who asked and the member of HR who took it."""

    ticket: Ticket
    asker: Person
    assignee: Person | None


@dataclass(frozen=True, slots=True)
class Queue:
    """The first open tickets, oldest first, and how many there are in all."""

    items: tuple[Waiting, ...]
    total: int

    @property
    def more(self) -> int:
        """How many open tickets are not among the items."""
        return self.total - len(self.items)


async def ask(deps: Deps, uow: UnitOfWork, person: Person, text: str) -> Ticket:
    """Store a question as a ticket and tell every member of HR; raises Invalid."""
    question = clean(text)
    if not question:
        raise Invalid({"question": "Please write your question."})
    if len(question) > MAX_QUESTION:
        raise Invalid({"question": f"Please keep it under {MAX_QUESTION} characters."})
    ticket = Ticket(
        id=new_id(),
        ref=new_ref("Q"),
        asker_id=person.id,
        question=question,
        status=TicketStatus.OPEN,
        created_at=deps.clock.now(),
    )
    await uow.tickets.add(ticket)
    hr = await uow.people.with_role(Role.HR)
    # In the same unit of work as the ticket: both are committed, or neither.
    card = hr_card(ticket, person)
    for member in hr:
        await uow.outbox.add(Notification(member.id, card, f"Question for HR {ticket.ref}"))
    if not hr:
        log.warning("ticket %s stored but nobody has the hr role to notify", ticket.ref)
    return ticket


async def open_tickets(deps: Deps, uow: UnitOfWork, viewer: Person, limit: int = 20) -> Queue:
    """HR: the open tickets (the first `limit`, with their people)."""
    require(viewer, Role.HR)
    tickets = await uow.tickets.open()
    items = []
    for t in tickets[:limit]:
        asker = await uow.people.get(t.asker_id)
        assignee = await uow.people.get(t.assignee_id) if t.assignee_id else None
        items.append(Waiting(t, asker or Person(id=t.asker_id, display_name="(unknown)"), assignee))
    return Queue(tuple(items), len(tickets))


async def _live(uow: UnitOfWork, ticket_id: str) -> Ticket:
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None or ticket.status not in LIVE:
        raise Refused(GONE)
    return ticket


async def assign(deps: Deps, uow: UnitOfWork, person: Person, ticket_id: str) -> Ticket:
    """HR: take an open ticket."""
    require(person, Role.HR)
    ticket = await _live(uow, ticket_id)
    ticket.status, ticket.assignee_id = TicketStatus.ASSIGNED, person.id
    await uow.tickets.save(ticket)
    return ticket


async def answerable(deps: Deps, uow: UnitOfWork, person: Person, ticket_id: str) -> Ticket:
    """HR: the ticket to answer, while it is still open; raises Refused once it is not."""
    require(person, Role.HR)
    return await _live(uow, ticket_id)


async def answer(deps: Deps, uow: UnitOfWork, person: Person, ticket_id: str, text: str) -> Ticket:
    """HR: answer an open ticket; the asker is told. Raises Refused, then Invalid."""
    require(person, Role.HR)
    ticket = await _live(uow, ticket_id)
    reply = clean(text)
    if not reply or len(reply) > MAX_ANSWER:
        error = (
            "Please write an answer." if not reply else f"Keep it under {MAX_ANSWER} characters."
        )
        raise Invalid({"answer": error})
    ticket.answer, ticket.status = reply, TicketStatus.ANSWERED
    ticket.assignee_id = ticket.assignee_id or person.id
    ticket.answered_at = deps.clock.now()
    await uow.tickets.save(ticket)
    note = Notification(ticket.asker_id, answer_card(ticket, person), f"HR answered {ticket.ref}")
    await uow.outbox.add(note)
    return ticket


async def close(deps: Deps, uow: UnitOfWork, person: Person, ticket_id: str) -> Ticket:
    """The asker says the answer settles it; raises Refused for anyone else's question."""
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None or ticket.asker_id != person.id:
        raise Refused(UNKNOWN)
    if ticket.status != TicketStatus.CLOSED:
        ticket.status = TicketStatus.CLOSED
        await uow.tickets.save(ticket)
    return ticket
