"""Announcements on a real database: acknowledgements once, reminders on their cadence with a
fake clock, and figures that match the recipient rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.announcements import announcements, card
from bot.features.faq.index import FaqIndex
from bot.messages import Action, Card, ConversationRef, Form, Submission, TextReply, UserRef
from bot.model import Person, Role
from storage.broadcasts import Broadcasts
from storage.cipher import KeyCipher
from tests.conftest import sql_deps, sql_store
from tests.fakes import FakeClock, NoticeLog
from tests.replies import as_card, as_choices, as_form, as_text

HR = UserRef("slack", "U0HR")
DM = ConversationRef("slack", "D0")


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    deps = sql_deps(content, faq, engine, notices, clock, KeyCipher(b"t" * 32))
    async with deps.store() as uow:
        await uow.people.save(
            Person(
                "hr",
                "Hana",
                "hana@example.com",
                roles=frozenset({Role.HR}),
                accounts={"slack": "U0HR"},
            )
        )
        for n in range(3):
            await uow.people.save(
                Person(
                    f"p{n}",
                    f"P{n}",
                    f"p{n}@example.com",
                    department="Sales",
                    accounts={"slack": f"U{n}"},
                )
            )
        await uow.people.save(Person("x", "Ops", "ops@example.com", department="Ops"))
        await uow.commit()
    return deps


async def delivered_announcement(deps: Deps, clock: FakeClock) -> str:
    """HR announces to Sales through the core; the engine's rows are marked delivered."""
    fields = {"title": "Version 2", "summary": "Read it.", "version": "2", "audience": "Sales"}
    replies = await handle(deps, Submission(HR, DM, "announce_new", fields))
    announcement_id = as_choices(replies[-1]).buttons[0].value
    sent = await handle(deps, Action(HR, DM, "announce_send", announcement_id))
    assert "going out now" in as_choices(sent[0]).text
    broadcasts = Broadcasts(sql_store(deps))
    assert await broadcasts.due(clock.now()) == [announcement_id]
    assert await broadcasts.materialize(announcement_id, ["slack"], clock.now()) == 3
    for job in await broadcasts.claim(announcement_id, clock.now(), timedelta(minutes=1), 10):
        await broadcasts.delivered(job, f"D{job.address}|1.0", 1, clock.now())
    assert await broadcasts.finish_if_done(announcement_id, clock.now())
    return announcement_id


async def test_reminders_follow_the_cadence_and_stop_on_acknowledgement(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    announcement_id = await delivered_announcement(deps, clock)

    async def remind() -> list[str]:
        before = len(notices.sent)
        async with deps.store() as uow:
            await announcements.remind(deps, uow, (3, 7))
            await uow.commit()
            await uow.commit()
        return sorted(n.person_id for n in notices.sent[before:])

    clock.advance(days=1)
    assert await remind() == []  # too early
    clock.advance(days=2)
    assert await remind() == ["p0", "p1", "p2"]  # day 3
    card = notices.sent[-1].reply
    assert isinstance(card, Card) and card.title.startswith("Reminder: ")
    assert card.buttons[0].action_id == "announcement_ack"
    clock.advance(hours=2)
    assert await remind() == []  # never twice in a day
    clock.advance(days=1)
    assert await remind() == []  # day 4: not on the cadence
    ack = Action(UserRef("slack", "U1"), DM, "announcement_ack", announcement_id)
    first = await handle(deps, ack)
    again = await handle(deps, ack)
    assert "recorded that you read" in as_text(first[0]).text
    assert "already confirmed" in as_text(again[0]).text
    clock.advance(days=3)
    assert await remind() == ["p0", "p2"]  # day 7; p1 acknowledged
    for days in (1, 7, 30):
        clock.advance(days=days)
        assert await remind() == []  # the cadence is over

    # The figures HR sees are the rows' own counts.
    async with deps.store() as uow:
        figures = await uow.announcements.figures(announcement_id, clock.now())
    engine = sql_store(deps).engine
    async with engine.connect() as session:
        rows: dict[str, int] = dict(
            (
                await session.execute(
                    text(
                        "SELECT state, count(*) FROM announcement_recipient "
                        "WHERE announcement_id = :a GROUP BY state"
                    ),
                    {"a": announcement_id},
                )
            ).all()
        )
        acks = (
            await session.execute(
                text("SELECT count(*), min(policy_version) FROM announcement_ack")
            )
        ).one()
    assert figures.recipients == sum(rows.values()) == 3
    assert figures.delivered == rows["delivered"] == 3
    assert (figures.acknowledged, figures.outstanding) == (acks[0], 3 - acks[0]) == (1, 2)
    assert acks[1] == 2  # recorded with the policy version announced


async def test_never_two_reminders_within_a_day_even_when_both_are_overdue(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    """With no reminder run on day 3 nor on day 7, the cadence alone would send both on day
    8; the daily limit holds the second back until a day has passed."""
    await delivered_announcement(deps, clock)

    async def remind() -> list[str]:
        before = len(notices.sent)
        async with deps.store() as uow:
            await announcements.remind(deps, uow, (3, 7))
            await uow.commit()
        return sorted(n.person_id for n in notices.sent[before:])

    clock.advance(days=8)
    assert await remind() == ["p0", "p1", "p2"]
    clock.advance(minutes=1)
    assert await remind() == []  # a minute later
    clock.advance(hours=2)
    assert await remind() == []  # the day-7 reminder waits...
    clock.advance(hours=20, minutes=50)
    assert await remind() == []  # ...22 hours 51 minutes after the first...
    clock.advance(hours=1, minutes=10)
    assert await remind() == ["p0", "p1", "p2"]  # ...and goes out a day after it
    clock.advance(days=30)
    assert await remind() == []  # two reminders: the cadence is over


async def test_only_hr_composes_sends_or_cancels(deps: Deps, clock: FakeClock) -> None:
    someone = UserRef("slack", "U0")
    for incoming in (
        Action(someone, DM, "announce_new"),
        Submission(someone, DM, "announce_new", {"title": "x", "summary": "y"}),
        Action(someone, DM, "announce_send", "A-XXXXXX"),
        Action(someone, DM, "announce_cancel", "A-XXXXXX"),
        Action(someone, DM, "announce_status", "A-XXXXXX"),
    ):
        (reply,) = await handle(deps, incoming)
        assert isinstance(reply, TextReply) and "only people with the hr role" in reply.text
    async with deps.store() as uow:
        assert await uow.announcements.recent() == []


async def test_invalid_compositions_are_refused_field_by_field(deps: Deps) -> None:
    fields = {
        "title": "",
        "summary": "x" * 2500,
        "link": "javascript:alert(1)",
        "version": "9",
        "audience": "Nowhere",
        "when": "tomorrow",
    }
    (form,) = map(as_form, await handle(deps, Submission(HR, DM, "announce_new", fields)))
    assert set(form.errors) == {"title", "summary", "link", "version", "audience", "when"}
    async with deps.store() as uow:
        assert await uow.announcements.recent() == []


async def test_a_stalled_broadcast_says_why(deps: Deps, clock: FakeClock) -> None:
    fields = {"title": "Version 2", "summary": "Read it.", "version": "2", "audience": "Sales"}
    replies = await handle(deps, Submission(HR, DM, "announce_new", fields))
    announcement_id = as_choices(replies[-1]).buttons[0].value
    await handle(deps, Action(HR, DM, "announce_send", announcement_id))
    broadcasts = Broadcasts(sql_store(deps))
    await broadcasts.due(clock.now())
    await broadcasts.materialize(announcement_id, ["slack"], clock.now())
    (status,) = map(as_card, await handle(deps, Action(HR, DM, "announce_status", announcement_id)))
    assert dict(status.facts)["Waiting to be sent"] == "3"
    assert "Problem" not in dict(status.facts)
    # Nobody works on it (no worker runs): after a few minutes the status says so.
    clock.advance(minutes=5)
    (status,) = map(as_card, await handle(deps, Action(HR, DM, "announce_status", announcement_id)))
    problem = dict(status.facts)["Problem"]
    assert "no progress since" in problem and "is a worker running?" in problem
    # A worker that cannot send on a platform gives the rows back and says why.
    (job, *_) = await broadcasts.claim(announcement_id, clock.now(), timedelta(minutes=1), 1)
    await broadcasts.release(job, clock.now(), "slack is not configured on this worker")
    (status,) = map(as_card, await handle(deps, Action(HR, DM, "announce_status", announcement_id)))
    assert "slack is not configured" in dict(status.facts)["Problem"]


async def test_an_invalid_correction_keeps_what_hr_typed(deps: Deps, clock: FakeClock) -> None:
    announcement_id = await delivered_announcement(deps, clock)
    typed = {"title": "Version 2, corrected", "summary": "Read it by Friday.", "link": "ftp://x"}
    (form,) = await handle(deps, Submission(HR, DM, "announce_correct", typed, announcement_id))
    assert isinstance(form, Form) and set(form.errors) == {"link"}
    assert {f.name: f.initial for f in form.fields} == typed
    assert form.context == announcement_id
    typed["link"] = ""
    corrected = Submission(HR, DM, "announce_correct", typed, announcement_id)
    (done,) = map(as_text, await handle(deps, corrected))
    assert "Corrected" in done.text
    async with deps.store() as uow:
        found = await uow.announcements.get(announcement_id)
    assert found is not None and (found.title, found.revision) == ("Version 2, corrected", 2)


async def test_a_forged_acknowledgement_of_a_draft_learns_and_counts_nothing(
    deps: Deps, clock: FakeClock
) -> None:
    fields = {"title": "Secret reorganisation", "summary": "Not yet.", "audience": "Sales"}
    replies = await handle(deps, Submission(HR, DM, "announce_new", fields))
    draft = as_choices(replies[-1]).buttons[0].value
    employee = UserRef("slack", "U0")
    (refused,) = await handle(deps, Action(employee, DM, card.ACK, draft))
    assert isinstance(refused, TextReply)
    assert "Secret reorganisation" not in refused.text
    assert refused.text == "That announcement was not sent to you."
    async with deps.store() as uow:
        assert not await uow.announcements.acknowledged(draft, "p0")
        assert (await uow.announcements.figures(draft, clock.now())).acknowledged == 0
    # Once it went out, its recipients can; someone outside its audience still cannot.
    sent = await delivered_announcement(deps, clock)
    (thanks,) = map(as_text, await handle(deps, Action(employee, DM, card.ACK, sent)))
    assert "recorded that you read" in thanks.text
    ops = UserRef("slack", "U0OPS")
    async with deps.store() as uow:
        person = await uow.people.get("x")
        assert person is not None
        person.accounts["slack"] = ops.id
        await uow.people.save(person)
        await uow.commit()
    (outside,) = map(as_text, await handle(deps, Action(ops, DM, card.ACK, sent)))
    assert outside.text == "That announcement was not sent to you."
