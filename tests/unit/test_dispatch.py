"""The conversational core with fakes: small talk, FAQ, abstention, ask HR, roles, bad input."""

from __future__ import annotations

import pytest

from bot.deps import Deps
from bot.dispatch import handle, handle_many
from bot.features.askhr.model import TicketStatus
from bot.messages import (
    Action,
    Card,
    Choices,
    ConversationRef,
    Form,
    Reply,
    Submission,
    Text,
    TextReply,
    UserRef,
)
from bot.model import Person
from tests.fakes import FakeStore, NoticeLog
from tests.replies import as_choices

ALICE = UserRef("slack", "UALICE")
HR = UserRef("slack", "UHR")
DM = ConversationRef("slack", "D1")


def text_of(replies: list[Reply]) -> str:
    parts = []
    for r in replies:
        if isinstance(r, TextReply | Choices):
            parts.append(r.text)
        elif isinstance(r, Card):
            parts.append(r.title + "\n" + r.body)
        elif isinstance(r, Form):
            parts.append(r.title)
    return "\n".join(parts)


def button(replies: list[Reply], action_id: str) -> Action:
    for r in replies:
        if isinstance(r, Choices | Card):
            for b in r.buttons:
                if b.action_id == action_id:
                    return Action(ALICE, DM, b.action_id, b.value)
    raise AssertionError(f"no button {action_id} in {replies}")


async def say(deps: Deps, text: str, user: UserRef = ALICE) -> list[Reply]:
    return await handle(deps, Text(user, DM, text))


async def test_greeting_and_thanks_are_small_talk(deps: Deps, store: FakeStore) -> None:
    assert "Policy Bot" in text_of(await say(deps, "Hello!"))
    assert "welcome" in text_of(await say(deps, "thanks a lot")).lower()
    assert store.data.unanswered == []


async def test_policy_question_gets_card_citing_section(deps: Deps, store: FakeStore) -> None:
    replies = await say(deps, "Can I talk about my salary with coworkers on Twitter?")
    card = replies[0]
    assert isinstance(card, Card)
    entry = deps.content.entry("pay-and-conditions")
    assert entry is not None and card.body == entry.answer
    section = deps.content.current.section(entry.section)
    assert section is not None and section.title in card.footer
    assert len(store.data.answers) == 1


async def test_feedback_is_stored_once_per_answer(deps: Deps, store: FakeStore) -> None:
    replies = await say(deps, "what do I do if a journalist messages me on linkedin")
    await handle(deps, button(replies, "faq_feedback"))
    (entry,) = store.data.answers.values()
    assert entry[3] is True
    stale = await handle(deps, Action(ALICE, DM, "faq_feedback", "nope:yes"))
    assert "too old" in text_of(stale)


async def test_unknown_question_abstains_and_is_kept_without_identity(
    deps: Deps, store: FakeStore
) -> None:
    replies = await say(deps, "How many vacation days do I get this year?")
    assert isinstance(replies[0], Choices)
    assert deps.content.chat.dont_know == replies[0].text
    assert store.data.unanswered[0][0] == "How many vacation days do I get this year?"
    assert "UALICE" not in repr(store.data.unanswered)


async def test_ask_hr_round_trip(
    deps: Deps, store: FakeStore, notices: NoticeLog, hr_person: Person
) -> None:
    offer = await say(deps, "How many vacation days do I get this year?")
    sent = await handle(deps, button(offer, "ask_hr_send"))
    (ticket,) = store.data.tickets.values()
    assert ticket.ref in text_of(sent)
    assert ticket.status is TicketStatus.OPEN
    (note,) = notices.sent
    assert note.person_id == hr_person.id
    assert isinstance(note.reply, Card) and "vacation" in note.reply.body

    # HR answers through the form; the employee is notified with the answer.
    form = await handle(deps, Action(HR, DM, "ticket_answer", ticket.id))
    assert isinstance(form[0], Form)
    empty = await handle(deps, Submission(HR, DM, "ticket_answer", {"answer": " "}, ticket.id))
    assert isinstance(empty[0], Form) and "answer" in empty[0].errors
    done = await handle(
        deps, Submission(HR, DM, "ticket_answer", {"answer": "25 days."}, ticket.id)
    )
    assert "sent" in text_of(done)
    answered = notices.sent[-1]
    assert answered.person_id == ticket.asker_id
    assert isinstance(answered.reply, Card) and answered.reply.body == "25 days."
    assert store.data.tickets[ticket.id].status is TicketStatus.ANSWERED
    again = await handle(deps, Submission(HR, DM, "ticket_answer", {"answer": "x"}, ticket.id))
    assert "already been answered" in text_of(again)


async def test_employee_cannot_answer_tickets(
    deps: Deps, store: FakeStore, hr_person: Person
) -> None:
    await handle(deps, button(await say(deps, "Where is the canteen menu?"), "ask_hr_send"))
    (ticket,) = store.data.tickets.values()
    refused = await handle(deps, Action(ALICE, DM, "ticket_answer", ticket.id))
    assert "Sorry, only people with the hr role" in text_of(refused)
    assert "only people" in text_of(await say(deps, "tickets"))
    listed = await say(deps, "tickets", user=HR)
    assert ticket.ref in text_of(listed)


async def test_the_hr_queue_names_who_took_a_question(
    deps: Deps, store: FakeStore, hr_person: Person
) -> None:
    await handle(deps, button(await say(deps, "Where is the canteen menu?"), "ask_hr_send"))
    (ticket,) = store.data.tickets.values()
    await handle(deps, Action(HR, DM, "ticket_assign", ticket.id))
    (card,) = await say(deps, "tickets", user=HR)
    assert isinstance(card, Card) and ("Assigned to", hr_person.display_name) in card.facts


async def test_the_help_menu_lists_role_commands_and_gives_handlers_their_cases(
    deps: Deps, store: FakeStore, hr_person: Person
) -> None:
    (employee,) = await say(deps, "help")
    assert isinstance(employee, Choices) and "For your role" not in employee.text
    assert "cases_mine" not in [b.action_id for b in employee.buttons]
    (hr,) = await say(deps, "help", user=HR)
    assert isinstance(hr, Choices) and "cases_mine" in [b.action_id for b in hr.buttons]
    for command in (
        "*surveys*",
        "*training report*",
        "*cases*",
        "*suggestions*",
        "*review summary*",
    ):
        assert command in hr.text, command


async def test_stray_message_keeps_pending_question(deps: Deps, store: FakeStore) -> None:
    await say(deps, "Where is the canteen menu?")
    replies = await say(deps, "can I mention my employer on linkedin?")
    assert isinstance(replies[0], Card)
    assert "still have a question ready for HR" in text_of(replies)
    assert store.data.flows["slack:UALICE"].data["question"] == "Where is the canteen menu?"
    cancelled = await say(deps, "cancel")
    assert "Cancelled" in text_of(cancelled)
    assert store.data.flows == {}


@pytest.mark.parametrize(
    "yes", ["yes", "yes please", "Yes, please!", "ok thanks", "sure, send it", "please do"]
)
async def test_yes_sends_the_pending_question(
    deps: Deps, store: FakeStore, notices: NoticeLog, hr_person: Person, yes: str
) -> None:
    await say(deps, "Where is the canteen menu?")
    sent = await say(deps, yes)
    (ticket,) = store.data.tickets.values()
    assert ticket.question == "Where is the canteen menu?"
    assert ticket.ref in text_of(sent) and store.data.flows == {}
    await say(deps, "yes")  # nothing is pending any more: no second ticket
    assert list(store.data.tickets) == [ticket.id]


@pytest.mark.parametrize("no", ["no", "no thank you", "No thanks.", "nope", "not now"])
async def test_no_discards_the_pending_question(
    deps: Deps, store: FakeStore, notices: NoticeLog, hr_person: Person, no: str
) -> None:
    await say(deps, "Where is the canteen menu?")
    assert "No problem" in text_of(await say(deps, no))
    assert store.data.flows == {} and store.data.tickets == {} and notices.sent == []


async def test_edit_form_validates(deps: Deps, store: FakeStore) -> None:
    await say(deps, "Where is the canteen menu?")
    form = (await handle(deps, Action(ALICE, DM, "ask_hr_form")))[0]
    assert isinstance(form, Form) and form.fields[0].initial == "Where is the canteen menu?"
    bad = await handle(deps, Submission(ALICE, DM, "ask_hr", {"question": ""}))
    assert isinstance(bad[0], Form) and bad[0].errors
    long = await handle(deps, Submission(ALICE, DM, "ask_hr", {"question": "x" * 5000}))
    assert isinstance(long[0], Form) and "2000" in long[0].errors["question"]
    assert store.data.tickets == {}


async def test_bad_input_is_answered_clearly(deps: Deps, store: FakeStore) -> None:
    assert deps.content.chat.empty == text_of(await say(deps, "   \x00\x01 "))
    assert "too long" in text_of(await say(deps, "a" * 40_000))
    junk = bytes(range(256)).decode("latin-1") * 3
    replies = await say(deps, junk)
    assert replies and isinstance(replies[0], Choices | TextReply)
    assert "button no longer works" in text_of(await handle(deps, Action(ALICE, DM, "nope")))
    assert "form no longer works" in text_of(await handle(deps, Submission(ALICE, DM, "nope", {})))


async def test_store_down_gives_friendly_retry_and_writes_nothing(
    deps: Deps, store: FakeStore
) -> None:
    store.down = True
    replies = await say(deps, "can I post about the launch?")
    assert text_of(replies) == deps.content.chat.unavailable
    assert store.commits == 0


async def test_a_batch_while_the_store_is_down_loses_nothing(deps: Deps, store: FakeStore) -> None:
    """Every message of a batch gets the friendly retry reply and nothing is recorded, so the
    same deliveries, sent again once the database is back, are answered."""
    batch = [
        (Text(UserRef("slack", f"U{n}"), DM, "can I post about the launch?", f"slack:D{n}"), None)
        for n in range(5)
    ]
    store.down = True
    down = await handle_many(deps, batch)
    assert [text_of(r) for r in down if isinstance(r, list)] == [deps.content.chat.unavailable] * 5
    assert store.commits == 0 and not store.data.deliveries
    store.down = False
    back = await handle_many(deps, batch)
    assert all(
        isinstance(r, list) and r and text_of(r) != deps.content.chat.unavailable for r in back
    )
    assert len(store.data.deliveries) == 5 and store.commits == 1


async def test_a_ticket_and_its_notice_to_hr_commit_together(
    deps: Deps, store: FakeStore, notices: NoticeLog, hr_person: Person
) -> None:
    await say(deps, "Where is the canteen menu?")
    store.fail_commit = True
    failed = await say(deps, "yes")
    # Neither the ticket nor HR's notice exists, and the asker is not told it was sent.
    assert store.data.tickets == {} and store.data.outbox == [] and notices.sent == []
    assert text_of(failed) == deps.content.chat.unavailable
    store.fail_commit = False
    sent = await say(deps, "yes")  # the question is still pending: nothing was lost
    assert len(store.data.tickets) == 1 and "Sent to HR" in text_of(sent)
    assert [n.person_id for n in notices.sent] == [hr_person.id]


async def test_help_menu_shows_hr_options_only_to_hr(deps: Deps, hr_person: Person) -> None:
    employee = await say(deps, "help")
    hr = await say(deps, "help", user=HR)
    assert all(
        b.action_id != "tickets_open" for r in employee if isinstance(r, Choices) for b in r.buttons
    )
    assert any(
        b.action_id == "tickets_open" for r in hr if isinstance(r, Choices) for b in r.buttons
    )


async def test_repeated_delivery_is_handled_once(deps: Deps, store: FakeStore) -> None:
    first = await handle(deps, Text(ALICE, DM, "what is the wifi password?", "slack:Ev1"))
    again = await handle(deps, Text(ALICE, DM, "what is the wifi password?", "slack:Ev1"))
    other = await handle(deps, Text(ALICE, DM, "what is the wifi password?", "slack:Ev2"))
    assert first and other and again == []
    # Two deliveries were handled, so the question was kept twice, not three times.
    assert len(store.data.unanswered) == 2


async def test_ask_hr_command_opens_the_question_form(deps: Deps) -> None:
    (form,) = await say(deps, "Ask HR")
    assert isinstance(form, Form) and form.form_id == "ask_hr"


def test_every_typed_command_is_a_button_that_exists() -> None:
    from bot.dispatch import ACTIONS, TYPED

    assert set(TYPED.values()) <= set(ACTIONS)
    assert TYPED["what's new"] == "policy_changes" and TYPED["quiz"] == "quiz_start"


async def test_a_recorded_message_the_store_cannot_take_now_waits_in_the_inbox(
    deps: Deps, store: FakeStore
) -> None:
    """A message from the inbox is never apologised for (it will be answered): the failure
    reaches the adapter, and nothing is recorded, so the next try answers it."""
    from bot.messages import ConversationRef, Text, UserRef
    from bot.ports import StoreUnavailable

    message = Text(
        UserRef("slack", "U0DURABLE"),
        ConversationRef("slack", "D0DURABLE"),
        "can I post about politics?",
        "slack:Ev0DURABLE",
        durable=True,
    )
    store.data.inbox.add(message.delivery_id)
    store.fail_commit = True
    with pytest.raises(StoreUnavailable):
        await handle(deps, message)
    assert store.data.inbox == {message.delivery_id} and store.data.replies == {}
    store.fail_commit = False
    replies = await handle(deps, message)
    assert replies and store.data.inbox == set()
    assert store.data.replies[message.delivery_id][1] == replies
    assert await handle(deps, message) == []  # a repeat: answered once


async def test_off_topic_questions_point_where_content_says_and_emoji_are_not_questions(
    deps: Deps, store: FakeStore
) -> None:
    wifi = await say(deps, "what is the wifi password")
    assert "IT service desk" in text_of(wifi)
    assert "Send my question to HR" in [b.label for b in as_choices(wifi[-1]).buttons]
    assert "payroll team" in text_of(await say(deps, "when does payroll run this month?"))
    answered = await say(deps, "Can I talk about my salary with coworkers on Twitter?")
    assert "payroll team" not in text_of(answered)  # a policy answer needs no pointer
    before = len(store.data.unanswered)
    for typed in ("\U0001f642\U0001f642\U0001f642", "2", "?!"):
        reply, *_ = await say(deps, typed)  # and the question still waiting for HR
        assert "only understand questions in words" in text_of([reply])
    assert len(store.data.unanswered) == before  # nothing offered to HR, nothing logged
