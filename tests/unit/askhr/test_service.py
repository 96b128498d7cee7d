"""Ask HR with the fakes: a question becomes a ticket and HR is told in the same unit of work,
only HR lists, takes and answers tickets, the asker is told the answer, and only the asker
closes their question."""

from __future__ import annotations

import pytest

from bot.deps import Deps
from bot.directory import NotAllowed
from bot.features.askhr import service
from bot.features.askhr.model import Ticket, TicketStatus
from bot.messages import Card
from bot.model import Person, Role
from tests.fakes import FakeClock, FakeStore, NoticeLog


@pytest.fixture
def asker(store: FakeStore) -> Person:
    person = Person("e1", "Eve Employee", "eve@example.com", department="Sales")
    store.data.people[person.id] = person
    return person


@pytest.fixture
def hr_too(store: FakeStore) -> Person:
    person = Person("hr2", "Hugo HR", roles=frozenset({Role.EMPLOYEE, Role.HR}))
    store.data.people[person.id] = person
    return person


@pytest.fixture
async def ticket(
    deps: Deps, asker: Person, hr_person: Person, store: FakeStore, notices: NoticeLog
) -> Ticket:
    async with deps.store() as uow:
        made = await service.ask(deps, uow, asker, "Where is the canteen menu?")
        await uow.commit()
    store.data.outbox.clear()
    notices.sent.clear()
    return made


async def test_asking_stores_a_ticket_and_tells_every_member_of_hr_in_the_same_unit_of_work(
    deps: Deps,
    asker: Person,
    hr_person: Person,
    hr_too: Person,
    store: FakeStore,
    notices: NoticeLog,
    clock: FakeClock,
) -> None:
    async with deps.store() as uow:
        await service.ask(deps, uow, asker, "Is Friday a holiday?")
        # not committed: neither the ticket nor the notices exist
    assert store.data.tickets == {} and store.data.outbox == [] and notices.sent == []
    async with deps.store() as uow:
        ticket = await service.ask(deps, uow, asker, "  Is Friday a holiday?\n")
        await uow.commit()
    assert store.data.tickets == {ticket.id: ticket}
    assert ticket.question == "Is Friday a holiday?"  # cleaned
    assert (ticket.asker_id, ticket.status) == ("e1", TicketStatus.OPEN)
    assert ticket.ref.startswith("Q") and ticket.created_at == clock.now()
    assert {n.person_id for n in notices.sent} == {"hr1", "hr2"}  # not the asker
    for note in notices.sent:
        assert note.summary == f"Question for HR {ticket.ref}"
        assert isinstance(note.reply, Card)
        assert note.reply.body == "Is Friday a holiday?"
        assert ("From", "Eve Employee") in note.reply.facts
        assert ("Department", "Sales") in note.reply.facts
        assert [b.action_id for b in note.reply.buttons] == ["ticket_assign", "ticket_answer"]


async def test_a_question_is_stored_even_when_nobody_has_the_hr_role(
    deps: Deps, asker: Person, store: FakeStore
) -> None:
    async with deps.store() as uow:
        ticket = await service.ask(deps, uow, asker, "Anyone there?")
        await uow.commit()
    assert list(store.data.tickets) == [ticket.id] and store.data.outbox == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "Please write your question."),
        (" \n\t ", "Please write your question."),
        ("x" * (service.MAX_QUESTION + 1), "Please keep it under 2000 characters."),
    ],
)
async def test_an_empty_or_too_long_question_is_invalid_and_stores_nothing(
    deps: Deps, asker: Person, hr_person: Person, store: FakeStore, text: str, problem: str
) -> None:
    async with deps.store() as uow:
        with pytest.raises(service.Invalid) as raised:
            await service.ask(deps, uow, asker, text)
        await uow.commit()
    assert raised.value.errors == {"question": problem}
    assert store.data.tickets == {} and store.data.outbox == []


async def test_a_question_of_exactly_the_limit_is_accepted(
    deps: Deps, asker: Person, store: FakeStore
) -> None:
    async with deps.store() as uow:
        ticket = await service.ask(deps, uow, asker, "x" * service.MAX_QUESTION)
    assert len(ticket.question) == service.MAX_QUESTION


@pytest.mark.parametrize(
    "role", [frozenset({Role.EMPLOYEE}), frozenset({Role.MANAGER}), frozenset({Role.HANDLER})]
)
async def test_only_hr_lists_takes_and_answers_tickets(
    deps: Deps, ticket: Ticket, store: FakeStore, role: frozenset[Role]
) -> None:
    other = Person("o1", "Olga Other", roles=role)
    before = store.data.tickets[ticket.id]
    async with deps.store() as uow:
        with pytest.raises(NotAllowed):
            await service.open_tickets(deps, uow, other)
        with pytest.raises(NotAllowed):
            await service.assign(deps, uow, other, ticket.id)
        with pytest.raises(NotAllowed):
            await service.answerable(deps, uow, other, ticket.id)
        with pytest.raises(NotAllowed):
            await service.answer(deps, uow, other, ticket.id, "Floor 2.")
        await uow.commit()
    after = store.data.tickets[ticket.id]
    assert (after.status, after.assignee_id, after.answer) == (TicketStatus.OPEN, None, None)
    assert after == before and store.data.outbox == []


async def test_hr_sees_the_open_tickets_with_who_asked_and_who_took_them(
    deps: Deps, asker: Person, hr_person: Person, ticket: Ticket, store: FakeStore
) -> None:
    async with deps.store() as uow:
        gone = await service.ask(deps, uow, Person("x1", "Left Already"), "Still here?")
        answered = await service.ask(deps, uow, asker, "Done soon?")
        await service.answer(deps, uow, hr_person, answered.id, "Yes.")
        await service.assign(deps, uow, hr_person, ticket.id)
        queue = await service.open_tickets(deps, uow, hr_person)
    by_id = {w.ticket.id: w for w in queue.items}
    assert set(by_id) == {ticket.id, gone.id} and (queue.total, queue.more) == (2, 0)
    assert by_id[ticket.id].asker == asker and by_id[ticket.id].assignee == hr_person
    assert by_id[ticket.id].ticket.status is TicketStatus.ASSIGNED
    assert by_id[gone.id].asker.display_name == "(unknown)"  # nobody of that id any more
    assert by_id[gone.id].assignee is None


async def test_the_open_tickets_are_cut_at_the_limit_and_say_how_many_more(
    deps: Deps, asker: Person, hr_person: Person
) -> None:
    async with deps.store() as uow:
        assert (await service.open_tickets(deps, uow, hr_person)).items == ()
        for n in range(5):
            await service.ask(deps, uow, asker, f"Question {n}")
        queue = await service.open_tickets(deps, uow, hr_person, limit=3)
    assert [w.ticket.question for w in queue.items] == ["Question 0", "Question 1", "Question 2"]
    assert (queue.total, queue.more) == (5, 2)


async def test_hr_takes_a_ticket_until_it_is_answered(
    deps: Deps, hr_person: Person, hr_too: Person, ticket: Ticket, store: FakeStore
) -> None:
    async with deps.store() as uow:
        taken = await service.assign(deps, uow, hr_person, ticket.id)
        assert (taken.status, taken.assignee_id) == (TicketStatus.ASSIGNED, "hr1")
        retaken = await service.assign(deps, uow, hr_too, ticket.id)  # still open: taken over
        assert retaken.assignee_id == "hr2"
        await service.answer(deps, uow, hr_person, ticket.id, "Floor 2.")
        with pytest.raises(service.Refused, match="already been answered or closed"):
            await service.assign(deps, uow, hr_person, ticket.id)
        with pytest.raises(service.Refused):
            await service.assign(deps, uow, hr_person, "no-such-ticket")
        await uow.commit()
    assert store.data.tickets[ticket.id].assignee_id == "hr2"  # the one who took it answered


async def test_answering_tells_the_asker_and_settles_the_ticket(
    deps: Deps,
    asker: Person,
    hr_person: Person,
    ticket: Ticket,
    store: FakeStore,
    notices: NoticeLog,
    clock: FakeClock,
) -> None:
    clock.advance(hours=2)
    async with deps.store() as uow:
        assert (await service.answerable(deps, uow, hr_person, ticket.id)).id == ticket.id
        done = await service.answer(deps, uow, hr_person, ticket.id, " It is on the intranet. ")
        await uow.commit()
    assert (done.status, done.answer) == (TicketStatus.ANSWERED, "It is on the intranet.")
    assert (done.assignee_id, done.answered_at) == ("hr1", clock.now())
    (note,) = notices.sent
    assert (note.person_id, note.summary) == ("e1", f"HR answered {ticket.ref}")
    assert isinstance(note.reply, Card)
    assert note.reply.body == "It is on the intranet."
    assert ("Reference", ticket.ref) in note.reply.facts
    assert note.reply.footer == "Answered by Hana HR"
    assert [(b.action_id, b.value) for b in note.reply.buttons] == [("ticket_close", ticket.id)]
    async with deps.store() as uow:
        with pytest.raises(service.Refused):
            await service.answerable(deps, uow, hr_person, ticket.id)
        with pytest.raises(service.Refused):  # answered once only
            await service.answer(deps, uow, hr_person, ticket.id, "Another answer.")
    assert store.data.tickets[ticket.id].answer == "It is on the intranet."


@pytest.mark.parametrize(
    ("text", "problem"),
    [("  ", "Please write an answer."), ("y" * 3001, "Keep it under 3000 characters.")],
)
async def test_an_empty_or_too_long_answer_is_invalid_and_changes_nothing(
    deps: Deps, hr_person: Person, ticket: Ticket, store: FakeStore, text: str, problem: str
) -> None:
    async with deps.store() as uow:
        with pytest.raises(service.Invalid) as raised:
            await service.answer(deps, uow, hr_person, ticket.id, text)
        await uow.commit()
    assert raised.value.errors == {"answer": problem}
    assert store.data.tickets[ticket.id].status is TicketStatus.OPEN
    assert store.data.outbox == []


async def test_only_the_asker_closes_their_question(
    deps: Deps, asker: Person, hr_person: Person, ticket: Ticket, store: FakeStore
) -> None:
    async with deps.store() as uow:
        await service.answer(deps, uow, hr_person, ticket.id, "Floor 2.")
        for stranger in (hr_person, Person("e2", "Someone Else")):
            with pytest.raises(service.Refused, match=service.UNKNOWN):
                await service.close(deps, uow, stranger, ticket.id)
        assert store.data.tickets[ticket.id].status is TicketStatus.OPEN  # nothing is committed yet
        with pytest.raises(service.Refused):
            await service.close(deps, uow, asker, "no-such-ticket")
        closed = await service.close(deps, uow, asker, ticket.id)
        again = await service.close(deps, uow, asker, ticket.id)  # pressing twice is fine
        await uow.commit()
    assert closed.status is again.status is TicketStatus.CLOSED
    assert store.data.tickets[ticket.id].status is TicketStatus.CLOSED
    async with deps.store() as uow:
        assert (await service.open_tickets(deps, uow, hr_person)).items == ()
        with pytest.raises(service.Refused):
            await service.answerable(deps, uow, hr_person, ticket.id)
