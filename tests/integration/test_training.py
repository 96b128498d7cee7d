"""Micro-training on a real database: sessions, idempotent answers, spaced repetition,
module completion per policy version, and the attestation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.features.training import training
from bot.features.training.model import QuizCard
from bot.messages import (
    Action,
    Choices,
    ConversationRef,
    Reply,
    Submission,
    Text,
    TextReply,
    UserRef,
)
from storage.cipher import KeyCipher
from tests.conftest import sql_deps
from tests.fakes import FakeClock, NoticeLog
from tests.replies import as_card, as_choices, as_form, as_text, text_of

SAM = UserRef("slack", "U0SAMLEARNER")
DM = ConversationRef("slack", "D0")


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    return sql_deps(content, faq, engine, notices, clock, KeyCipher(b"t" * 32))


def question_of(replies: list[Reply]) -> Choices:
    asked = [r for r in replies if isinstance(r, Choices) and r.text.startswith("Question")]
    assert asked, replies
    return asked[-1]


def press(deps: Deps, choices: Choices, right: bool) -> Action:
    qid = choices.buttons[0].value.split(":")[1]
    found = deps.content.quizzes.question(qid)
    assert found is not None
    wanted = found[1].answer if right else (found[1].answer + 1) % len(found[1].options)
    button = choices.buttons[wanted]
    return Action(SAM, DM, button.action_id, button.value)


async def test_session_feedback_double_click_and_resume(deps: Deps, engine: AsyncEngine) -> None:
    first = question_of(await handle(deps, Text(SAM, DM, "quiz")))
    assert first.text.startswith("Question 1 of 5")
    click = press(deps, first, right=True)
    replies = await handle(deps, click)
    feedback = as_text(replies[0]).text
    assert feedback.startswith("Right!") and "(Policy v2, " in feedback
    second = question_of(replies)
    assert second.text.startswith("Question 2 of 5")
    again = await handle(deps, click)  # a double click, or an old button
    assert again == [TextReply("You have already answered that one.")]
    async with engine.connect() as conn:
        answers = (await conn.execute(text("SELECT count(*) FROM quiz_answer"))).scalar()
    assert answers == 1
    wrong = await handle(deps, press(deps, second, right=False))
    assert as_text(wrong[0]).text.startswith("Not quite")
    third = question_of(wrong)
    paused = await handle(deps, Action(SAM, DM, "quiz_stop", third.buttons[-1].value))
    assert "Paused" in as_text(paused[0]).text
    resumed = await handle(deps, Text(SAM, DM, "quiz"))
    assert "where you left off" in as_text(resumed[0]).text
    assert question_of(resumed).text.startswith("Question 3 of 5")
    current = question_of(resumed)
    for _ in range(3):
        replies = await handle(deps, press(deps, current, right=True))
        if any(isinstance(r, Choices) and r.text.startswith("Question") for r in replies):
            current = question_of(replies)
    summary = as_text(replies[-1]).text
    assert "You scored 4 out of 5." in summary
    assert "Worth a second look" in summary


def test_missed_questions_come_back_before_known_ones(content: Content) -> None:
    now = FakeClock().now()
    missed = training.schedule(QuizCard("p", "a", 3, now), correct=False, now=now)
    known = training.schedule(QuizCard("p", "b", 3, now), correct=True, now=now)
    assert missed.box == 1 and known.box == 4
    assert missed.due_at < known.due_at
    assert missed.due_at == now + timedelta(days=1)  # the next day: not at once, not later
    assert known.due_at == now + timedelta(days=7)
    intervals = []
    card = QuizCard("p", "c", 1, now)
    for _ in range(4):
        card = training.schedule(card, correct=True, now=now)
        intervals.append(card.due_at - now)
    assert intervals == sorted(intervals) and len(set(intervals)) == 4
    ids = [q.id for m in content.quizzes.modules for q in m.questions]
    cards = [
        QuizCard("p", ids[0], 4, now + timedelta(days=7)),
        QuizCard("p", ids[1], 1, now + timedelta(days=1)),
    ]
    tomorrow = now + timedelta(days=1, minutes=1)
    assert training.pick(content, cards, {}, tomorrow)[0] == ids[1]
    assert ids[0] not in training.pick(content, cards, {}, tomorrow)


def test_a_new_version_requires_the_changed_modules_again(content: Content) -> None:
    changed = training.changed_sections(content)
    assert {"personal-use", "work-time", "reporting", "ai-and-impersonation"} <= changed
    redo = training.redo(content)
    every = {m.id for m in content.quizzes.modules}
    assert redo and redo != every
    done_under_v1 = {m.id: {1} for m in content.quizzes.modules}
    outstanding = {m.id for m in training.outstanding(content, done_under_v1, every)}
    assert outstanding == redo
    # HR required only one module for version 1: version 2 requires it and the changed ones.
    first = sorted(every - redo)[0]
    required = training.required_modules(content, {1: frozenset({first})})
    assert required == {first} | redo
    # A choice for version 2 itself is taken as it is.
    assert training.required_modules(content, {1: frozenset(every), 2: frozenset({first})}) == {
        first
    }


async def test_completing_every_module_leads_to_an_attestation(
    deps: Deps, engine: AsyncEngine, clock: FakeClock
) -> None:
    """One session a day, every answer right: the attestation is refused (and nothing is
    recorded) while a module is open, and offered in the session that completes the last."""
    modules = len(deps.content.quizzes.modules)

    async def completed() -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM module_done"))).scalar_one())

    refused = "Some required modules are still open. Type *quiz* to continue."
    assert await handle(deps, Action(SAM, DM, "training_attest", "2")) == [TextReply(refused)]
    questions = sum(len(m.questions) for m in deps.content.quizzes.modules)
    # Due questions come before new ones, so this takes about 30 days; the bound is generous.
    for day in range(3 * questions):
        replies = await handle(deps, Text(SAM, DM, "quiz"))
        while any(isinstance(r, Choices) and r.text.startswith("Question") for r in replies):
            replies = await handle(deps, press(deps, question_of(replies), right=True))
        offered = any(isinstance(r, Choices) and "All required modules" in r.text for r in replies)
        assert offered == (await completed() == modules), day
        if offered:
            break
        if await completed() > 0:
            early = await handle(deps, Action(SAM, DM, "training_attest", "2"))
            assert early == [TextReply(refused)], day
        clock.advance(days=1)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM attestation"))).scalar() == 0
    attest = next(r for r in replies if isinstance(r, Choices) and "All required" in r.text)
    button = attest.buttons[0]
    assert button.value == "2"
    done = await handle(deps, Action(SAM, DM, button.action_id, button.value))
    assert "version 2" in as_text(done[0]).text
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT version FROM attestation"))).all()
        modules = (await conn.execute(text("SELECT count(*) FROM module_done"))).scalar_one()
    assert [tuple(r) for r in rows] == [(2,)]
    assert modules == len(deps.content.quizzes.modules)
    stale = await handle(deps, Action(SAM, DM, "training_attest", "1"))
    assert "current policy is version 2" in as_text(stale[0]).text


async def test_reminders_cadence_daily_cap_working_hours_and_stop(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    from datetime import UTC, datetime

    from bot.features.training import admin
    from bot.model import Person

    async with deps.store() as uow:
        await uow.people.save(
            Person("lon", "Lena London", "lena@example.com", timezone="Europe/London")
        )
        await uow.people.save(
            Person("nyc", "Nate NewYork", "nate@example.com", timezone="America/New_York")
        )
        await uow.commit()

    async def nudge() -> set[str]:
        notices.sent.clear()
        async with deps.store() as uow:
            await admin.nudge(deps, uow)
            await uow.commit()
        return {n.person_id for n in notices.sent}

    clock.current = datetime(2026, 9, 1, 9, 30, tzinfo=UTC)  # v2 published; a Tuesday
    assert await nudge() == {"lon"}  # 10:30 in London; 05:30 in New York
    assert await nudge() == set()  # at most once a day
    clock.current = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)
    assert await nudge() == {"nyc"}  # 11:00 in New York
    clock.current = datetime(2026, 9, 2, 15, 0, tzinfo=UTC)
    assert await nudge() == set()  # next one is due on day 3
    clock.current = datetime(2026, 9, 5, 15, 0, tzinfo=UTC)  # day 4, a Saturday
    assert await nudge() == set()
    clock.current = datetime(2026, 9, 7, 15, 0, tzinfo=UTC)  # Monday
    assert await nudge() == {"lon", "nyc"}  # the day-3 reminder, late because of the weekend
    clock.current = datetime(2026, 9, 8, 15, 0, tzinfo=UTC)
    assert await nudge() == {"lon", "nyc"}  # day 7
    clock.current = datetime(2026, 9, 9, 15, 0, tzinfo=UTC)
    assert await nudge() == set()
    async with deps.store() as uow:
        await uow.training.attest("lon", 2, clock.now())
        await uow.commit()
    clock.current = datetime(2026, 9, 15, 15, 0, tzinfo=UTC)  # day 14: weekly from now on
    assert await nudge() == {"nyc"}  # never after completion


async def test_training_report_scopes_by_role(deps: Deps, clock: FakeClock) -> None:
    from datetime import UTC, datetime

    from bot.model import Person, Role

    boss, hr = UserRef("slack", "U0BOSS"), UserRef("slack", "U0HRTRAIN")
    async with deps.store() as uow:
        await uow.people.save(
            Person(
                "boss",
                "Bo Boss",
                "bo@example.com",
                roles=frozenset({Role.MANAGER}),
                accounts={"slack": boss.id},
            )
        )
        await uow.people.save(
            Person(
                "hr",
                "Hana HR",
                "hana@example.com",
                department="People",
                roles=frozenset({Role.HR}),
                accounts={"slack": hr.id},
            )
        )
        await uow.people.save(
            Person("a", "Ann Report", "ann@example.com", manager_id="boss", department="Sales")
        )
        await uow.people.save(Person("b", "Ben Other", "ben@example.com", department="Sales"))
        await uow.training.attest("a", 2, datetime(2026, 9, 2, tzinfo=UTC))
        await uow.commit()
    clock.current = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)  # past the 30 days
    (team,) = map(as_card, await handle(deps, Text(boss, DM, "training report")))
    assert team.title == "Training: your team" and ("Completed", "1 of 1 (100%)") in team.facts
    assert "Ben" not in team.body
    (everyone,) = map(as_card, await handle(deps, Text(hr, DM, "training report")))
    assert ("Completed", "1 of 4 (25%)") in everyone.facts
    assert "Overdue: Ben Other, Bo Boss, Hana HR" in everyone.body
    assert ("Department Sales", "50% of 2") in everyone.facts
    assert ("Manager Bo Boss (bo@example.com)", "100% of 1") in everyone.facts  # by name
    assert not any("boss" in label.split() for label, _ in everyone.facts)  # never by id
    refused = await handle(deps, Text(SAM, DM, "training report"))
    assert "only people with the hr or manager role" in as_text(refused[0]).text


async def test_hr_chooses_the_required_modules(deps: Deps, clock: FakeClock) -> None:
    from bot.features.training.training import required_now
    from bot.model import Person, Role

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
        await uow.commit()
    hr = UserRef("slack", "U0HR")
    refused = await handle(deps, Action(SAM, DM, "training_required"))
    assert "only people with the hr role" in as_text(refused[0]).text
    (form,) = map(as_form, await handle(deps, Action(hr, DM, "training_required")))
    modules = deps.content.quizzes.modules
    assert [f.name for f in form.fields] == [m.id for m in modules]
    assert {f.initial for f in form.fields} == {"yes"}
    none = await handle(deps, Submission(hr, DM, "training_required", {}))
    assert "Tick at least one module" in str(as_form(none[0]).errors)
    first = modules[0]
    saved = await handle(deps, Submission(hr, DM, "training_required", {first.id: "yes"}))
    assert as_text(saved[0]).text == f"Saved. Version 2 requires: {first.title}."
    async with deps.store() as uow:
        assert await required_now(deps, uow) == {first.id}
    # A new learner practises the required module first.
    replies = await handle(deps, Text(SAM, DM, "quiz"))
    asked = question_of(replies).buttons[0].value.split(":")[1]
    assert asked in {q.id for q in first.questions}


async def test_question_of_the_day_opt_in_working_days_once_a_day(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    from datetime import UTC, datetime

    from bot.features.training import admin

    await handle(deps, Text(SAM, DM, "hello"))  # Sam is in the directory

    async def send() -> list[str]:
        notices.sent.clear()
        async with deps.store() as uow:
            await admin.daily(deps, uow)
            await uow.commit()
        return [text_of(n.reply) for n in notices.sent]

    clock.current = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)  # a Tuesday
    assert await send() == []  # not opted in
    (offer,) = map(as_choices, await handle(deps, Text(SAM, DM, "question of the day")))
    assert offer.buttons[0].value == "on"
    await handle(deps, Action(SAM, DM, "quiz_daily", "on"))
    (sent,) = await send()
    assert sent.startswith("Question of the day: ")
    assert await send() == []  # once a day
    clock.current = datetime(2026, 9, 5, 10, 0, tzinfo=UTC)  # Saturday
    assert await send() == []
    clock.current = datetime(2026, 9, 7, 7, 0, tzinfo=UTC)  # Monday, before working hours
    assert await send() == []
    clock.current = datetime(2026, 9, 7, 9, 30, tzinfo=UTC)
    assert len(await send()) == 1
    # "Answer it" asks that one question, with feedback and a score out of one.
    button = as_choices(notices.sent[0].reply).buttons[0]
    (question,) = map(
        as_choices, await handle(deps, Action(SAM, DM, button.action_id, button.value))
    )
    replies = await handle(deps, press(deps, question, right=True))
    assert "Right!" in as_text(replies[0]).text
    assert any("You scored 1 out of 1" in getattr(r, "text", "") for r in replies)
    await handle(deps, Action(SAM, DM, "quiz_daily", "off"))
    clock.current = datetime(2026, 9, 8, 10, 0, tzinfo=UTC)
    assert await send() == []


async def test_managers_get_their_overdue_reports_weekly(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    from datetime import UTC, datetime

    from bot.features.training import admin
    from bot.model import Person, Role

    async with deps.store() as uow:
        await uow.people.save(
            Person("boss", "Bo Boss", "bo@example.com", roles=frozenset({Role.MANAGER}))
        )
        await uow.people.save(Person("a", "Ann", "ann@example.com", manager_id="boss"))
        await uow.people.save(Person("b", "Ben", "ben@example.com", manager_id="boss"))
        await uow.people.save(Person("c", "Cy", "cy@example.com", manager_id="other"))
        await uow.training.attest("b", 2, clock.now())
        await uow.commit()

    async def digest() -> dict[str, str]:
        notices.sent.clear()
        async with deps.store() as uow:
            await admin.digest(deps, uow)
            await uow.commit()
        return {n.person_id: as_card(n.reply).body for n in notices.sent}

    clock.current = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)  # within the 30 days
    assert await digest() == {}
    clock.current = datetime(2026, 10, 15, 10, 0, tzinfo=UTC)  # overdue
    sent = await digest()
    assert set(sent) == {"boss", "other"}
    assert "Ann" in sent["boss"] and "Ben" not in sent["boss"] and "Cy" not in sent["boss"]
    clock.current = datetime(2026, 10, 18, 10, 0, tzinfo=UTC)
    assert await digest() == {}  # weekly
    clock.current = datetime(2026, 10, 22, 10, 0, tzinfo=UTC)
    assert set(await digest()) == {"boss", "other"}
