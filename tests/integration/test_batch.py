"""Messages answered a batch at a time, on a real database: the same replies and the same stored
effects as one at a time, repeats answered once, and far fewer statements."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.batch import Batcher
from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle, handle_many
from bot.features.faq.index import FaqIndex
from bot.messages import Action, ConversationRef, Incoming, Reply, Text, UserRef
from bot.model import Person, Role
from storage.cipher import KeyCipher
from tests.conftest import sql_deps
from tests.dump import statements as sent_on
from tests.fakes import FakeClock, NoticeLog

HR = frozenset({Role.EMPLOYEE, Role.HR})
# What several people type at once: questions, an unanswerable one (which leaves an offer to
# ask HR pending), then a "yes" to it, another question while one waits for HR, greetings,
# help, a typed command, cancel, a button.
SCRIPT = [
    ("ann", "can i post about my job on my personal instagram"),
    ("bob", "hello"),
    ("ann", "who do I talk to about my parking permit"),
    ("cat", "am I allowed to talk about my salary online"),
    ("ann", "yes"),
    ("bob", "help"),
    ("dan", "what is the weather on mars"),
    ("cat", "quiz"),
    ("dan", "may I post photos of my colleagues?"),
    ("dan", "cancel"),
    ("eve", "thanks!"),
    ("bob", "a journalist messaged me on linkedin, what should I do"),
    ("eve", "press:menu_ask"),
    ("fay", "someone published my home address online"),
]


def messages(prefix: str) -> list[Incoming]:
    out: list[Incoming] = []
    for n, (who, said) in enumerate(SCRIPT):
        user = UserRef("slack", f"U{prefix}{who}")
        where = ConversationRef("slack", f"D{prefix}{who}")
        if said.startswith("press:"):
            out.append(Action(user, where, said.removeprefix("press:")))
        else:
            out.append(Text(user, where, said, f"slack:Ev{prefix}{n}"))
    return out


def shape(replies: list[Reply], prefix: str) -> str:
    """Replies with what differs between two runs (ids, the user prefix) taken out."""
    raw = repr(replies).replace(prefix, "*")
    raw = re.sub(r"\b[0-9a-f]{32}\b", "<id>", raw)
    return re.sub(r"\b(Q|T|R)-[0-9A-Z]+\b", "<ref>", raw)


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    return sql_deps(content, faq, engine, notices, clock, KeyCipher(b"t" * 32))


async def stored(engine: AsyncEngine, prefix: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        flows = await conn.execute(
            text("SELECT user_key, flow, step FROM conversation_state WHERE user_key LIKE :p"),
            {"p": f"slack:U{prefix}%"},
        )
        return {
            "flows": sorted((k.replace(prefix, "*"), f, s) for k, f, s in flows),
            "answers": (await conn.execute(text("SELECT count(*) FROM faq_answer"))).scalar(),
            "unanswered": (
                await conn.execute(text("SELECT count(*) FROM unanswered_question"))
            ).scalar(),
            "tickets": (await conn.execute(text("SELECT count(*) FROM ticket"))).scalar(),
        }


async def test_a_batch_answers_and_stores_what_one_at_a_time_does(
    deps: Deps, engine: AsyncEngine, notices: NoticeLog, caplog: pytest.LogCaptureFixture
) -> None:
    async with deps.store() as uow:
        hr = Person(id="hr1", display_name="Hana", email="hana@example.com", roles=HR)
        await uow.people.save(hr)
        await uow.commit()
    one_by_one = [await handle(deps, m) for m in messages("zqa")]
    before = await stored(engine, "zqa")
    hr_notes = len(notices.sent)

    batched = await handle_many(deps, [(m, None) for m in messages("zqb")])
    after = await stored(engine, "zqb")

    assert all(isinstance(r, list) for r in batched)
    for got, want in zip(batched, one_by_one, strict=True):
        assert isinstance(got, list), got
        assert shape(got, "zqb") == shape(want, "zqa")
    # Every answer, unanswered question and ticket was stored a second time, and each user
    # was left in the same conversation state.
    assert after["flows"] == before["flows"]
    assert after["answers"] == 2 * before["answers"] > 0
    assert after["unanswered"] == 2 * before["unanswered"] > 0
    assert after["tickets"] == 2 * before["tickets"] > 0
    assert len(notices.sent) == 2 * hr_notes > 0
    assert "one by one" not in caplog.text  # the batch really shared its transaction


async def test_repeats_in_and_before_a_batch_are_answered_once(
    deps: Deps, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    first = Text(UserRef("slack", "UR1"), ConversationRef("slack", "DR1"), "hi", "slack:EvR1")
    assert await handle(deps, first)
    again = [
        (first, None),  # handled before the batch
        (Text(first.user, first.conversation, "can I tweet about my pay", "slack:EvR2"), None),
        (Text(first.user, first.conversation, "can I tweet about my pay", "slack:EvR2"), None),
        (Text(UserRef("slack", "UR2"), first.conversation, "hello", "slack:EvR3"), None),
    ]
    results = await handle_many(deps, again)
    assert results[0] == [] and results[2] == []
    assert results[1] and results[3]
    async with engine.connect() as conn:
        n = await conn.execute(text("SELECT count(*) FROM seen_event WHERE key LIKE 'slack:EvR%'"))
        assert n.scalar() == 3
    assert "one by one" not in caplog.text


async def test_a_busy_batcher_shares_transactions(deps: Deps, engine: AsyncEngine) -> None:
    """Fifty questions from fifty people at once: a handful of batches, and per message a
    fraction of the statements that one transaction per message costs."""
    with sent_on(engine) as statements:
        alone = Text(UserRef("slack", "UX0"), ConversationRef("slack", "DX0"), "hi", "slack:X0")
        await handle(deps, alone)
        statements.clear()
        await handle(deps, Text(alone.user, alone.conversation, "hello", "slack:X00"))
        per_message = len(statements)

        batcher = Batcher(deps)
        hellos = [
            Text(
                UserRef("slack", f"UX{n}"), ConversationRef("slack", f"DX{n}"), "hi", f"slack:H{n}"
            )
            for n in range(1, 51)
        ]
        await asyncio.gather(*(batcher.handle(h) for h in hellos))  # they are known now
        batches = batcher.batches
        questions = [
            Text(
                UserRef("slack", f"UX{n}"),
                ConversationRef("slack", f"DX{n}"),
                "can I say where I work on my own tiktok",
                f"slack:X{n}",
            )
            for n in range(1, 51)
        ]
        statements.clear()
        replies = await asyncio.gather(*(batcher.handle(q) for q in questions))
    assert all(r and "personal" in repr(r).lower() for r in replies)
    assert batcher.messages == 100 and batcher.batches - batches <= 3
    assert len(statements) <= per_message * 50 / 5, (per_message, len(statements))


async def test_people_with_a_question_waiting_for_hr_still_share_transactions(
    deps: Deps, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """Twenty people each left a question for HR pending; their next questions are answered in
    one transaction, with a reminder of what waits; a "yes" among them runs alone and sends
    the question that waited to HR."""
    people = [UserRef("slack", f"UW{n}") for n in range(20)]
    for n, user in enumerate(people):
        where = ConversationRef("slack", f"DW{n}")
        await handle(deps, Text(user, where, "who fixes the coffee machine", f"slack:W{n}"))
    commits: list[int] = []

    def committed(_: Any) -> None:
        commits.append(1)

    event.listen(engine.sync_engine, "commit", committed)
    try:
        batch = [
            Text(
                user,
                ConversationRef("slack", f"DW{n}"),
                "yes" if n == 7 else "can I say where I work on my own tiktok",
                f"slack:WQ{n}",
            )
            for n, user in enumerate(people)
        ]
        results = await handle_many(deps, [(m, None) for m in batch])
    finally:
        event.remove(engine.sync_engine, "commit", committed)
    for n, result in enumerate(results):
        assert isinstance(result, list), result
        if n == 7:
            assert "sent to hr as q-" in repr(result).lower(), result
        else:
            assert "personal" in repr(result[0]).lower()
            assert "question ready for HR" in repr(result[-1]), result
    assert len(commits) == 2, commits  # the nineteen together, the "yes" alone
    assert "one by one" not in caplog.text
    async with engine.connect() as conn:
        tickets = await conn.execute(text("SELECT count(*) FROM ticket"))
        assert tickets.scalar() == 1


async def test_a_message_right_after_a_batch_is_not_left_waiting(deps: Deps) -> None:
    """The next message arrives the moment the last worker finishes: a new worker takes it."""
    batcher = Batcher(deps, workers=1)
    for n in range(5):
        said = Text(UserRef("slack", "UN1"), ConversationRef("slack", "DN1"), "hi", f"slack:N{n}")
        async with asyncio.timeout(10):  # not wait_for: its extra task would hide the race
            assert await batcher.handle(said)
    await batcher.drain()
    assert batcher.messages == 5


async def test_a_delivery_handled_elsewhere_meanwhile_reruns_the_batch(
    deps: Deps, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """Another replica records one of the batch's deliveries while the batch runs: the batch
    runs again and answers the others, and that one is not answered twice."""
    if engine.dialect.name != "postgresql":
        pytest.skip("needs two concurrent writers: PostgreSQL (set TEST_DATABASE_URL)")
    said = [
        Text(UserRef("slack", f"UC{n}"), ConversationRef("slack", f"DC{n}"), "hi", f"slack:C{n}")
        for n in range(3)
    ]
    async with deps.store() as other:  # the other replica, mid-transaction
        assert await other.deliveries.first("slack:C1")
        running = asyncio.create_task(handle_many(deps, [(m, None) for m in said]))
        await asyncio.sleep(0.5)  # the batch is now waiting on the other's row
        assert not running.done()
        await other.commit()
    results = await running
    assert results[0] and results[2] and results[1] == []
    assert "one by one" not in caplog.text


async def test_a_retry_waits_for_the_message_it_repeats(
    deps: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    """Retries arrive while their first delivery is still being answered: each is answered
    once, and no two batches ever hold the same delivery (which would conflict)."""
    caplog.set_level(logging.INFO, "bot.dispatch")
    batcher = Batcher(deps, limit=4)
    said = [
        Text(UserRef("slack", f"UT{n}"), ConversationRef("slack", f"DT{n}"), "hi", f"slack:T{n}")
        for n in range(20)
    ]
    results = await asyncio.gather(*(batcher.handle(m) for m in said + said + said))
    for n in range(20):
        assert sum(1 for r in results[n::20] if r) == 1
    assert "one by one" not in caplog.text and "conflicted" not in caplog.text


async def test_new_requests_are_held_back_while_too_many_messages_wait(deps: Deps) -> None:
    """With more than `backlog` messages waiting, `room()` waits; it lets the caller go as soon
    as the workers have taken enough of them, and every message is still answered."""
    batcher = Batcher(deps, limit=1, workers=1, backlog=2)
    said = [
        Text(UserRef("slack", f"UB{n}"), ConversationRef("slack", f"DB{n}"), "hi", f"slack:B{n}")
        for n in range(6)
    ]
    answers = [asyncio.create_task(batcher.handle(m)) for m in said]
    await asyncio.sleep(0)  # all six are waiting now; the worker has not started
    held = asyncio.create_task(batcher.room())
    await asyncio.sleep(0)
    assert not held.done()
    async with asyncio.timeout(10):
        await held
        assert all(await asyncio.gather(*answers))
    async with asyncio.timeout(1):
        await batcher.room()  # nothing waits now: no wait at all
