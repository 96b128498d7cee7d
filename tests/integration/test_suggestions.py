"""Suggestions and the review cycle on a real database: anonymous suggestions keep no
identity, the review reminder fires once ahead of the date, and its figures are the rows'."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.logs import quiet_libraries
from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.features.review import review
from bot.messages import Action, Card, ConversationRef, Form, Submission, Text, UserRef
from bot.model import Person, Role
from storage.cipher import KeyCipher
from tests.conftest import sql_deps
from tests.fakes import FakeClock, NoticeLog
from tests.replies import as_card, as_text

SAM = UserRef("slack", "U0SAMWRITER")
HR = UserRef("slack", "U0HROWNER")
DM = ConversationRef("slack", "D0")


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    deps = sql_deps(content, faq, engine, notices, clock, KeyCipher(b"s" * 32))
    async with deps.store() as uow:
        await uow.people.save(
            Person("sam", "Sam Writer", "sam.writer@example.com", accounts={"slack": SAM.id})
        )
        await uow.people.save(
            Person(
                "hana",
                "Hana",
                "hana@example.com",
                roles=frozenset({Role.HR}),
                accounts={"slack": HR.id},
            )
        )
        await uow.commit()
    return deps


def suggestion(words: str, identity: str, section: str = "work-time") -> Submission:
    fields = {"section": section, "kind": "change", "text": words, "identity": identity}
    return Submission(SAM, DM, "suggest", fields)


async def test_anonymous_suggestions_keep_no_identity_named_ones_do(
    deps: Deps, engine: AsyncEngine, caplog: pytest.LogCaptureFixture, clock: FakeClock
) -> None:
    clock.current = datetime(2026, 10, 1, 10, tzinfo=UTC)  # version 2 is out
    # From an FAQ answer: the button opens the form on the answer's section.
    (answer,) = await handle(deps, Text(SAM, DM, "can I use social media at work?"))
    assert isinstance(answer, Card)
    button = next(b for b in answer.buttons if b.action_id == "suggest_form")
    (form,) = await handle(deps, Action(SAM, DM, button.action_id, button.value))
    assert (
        isinstance(form, Form)
        and dict((f.name, f.initial) for f in form.fields)["section"] == button.value
    )

    quiet_libraries()  # as the app configures logging: SQL parameters are never logged
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    (thanks,) = map(
        as_text, await handle(deps, suggestion("Say how long breaks may be.", "anonymous"))
    )
    assert "anonymously" in thanks.text
    traces = ("sam", SAM.id, "sam.writer@example.com", "Sam Writer")
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert caplog.records and not any(t in logged for t in traces) and "breaks" not in logged
    (named,) = map(as_text, await handle(deps, suggestion("Mention the Teams status.", "named")))
    assert "with your name" in named.text

    async with engine.connect() as conn:
        rows = (
            (await conn.execute(text("SELECT * FROM suggestion ORDER BY person_id")))
            .mappings()
            .all()
        )
    anonymous = next(r for r in rows if r["person_id"] is None)
    assert {r["person_id"] for r in rows} == {None, "sam"}
    for value in anonymous.values():
        shown = value.decode(errors="ignore") if isinstance(value, bytes) else str(value)
        assert not any(t in shown for t in traces), value
        assert "breaks" not in shown  # the text is encrypted
    assert set(anonymous.keys()) == {
        "id",
        "section_id",
        "kind",
        "box",
        "person_id",
        "day",
        "version",
    }

    # The owner sees them grouped by section, the named one with its name.
    refused = await handle(deps, Text(SAM, DM, "suggestions"))
    assert "only people with the hr role" in as_text(refused[0]).text
    (view,) = await handle(deps, Text(HR, DM, "suggestions"))
    assert isinstance(view, Card)
    assert "*Work time and devices*: 2 suggestions (1 named)" in view.body
    assert "Say how long breaks may be." in view.body
    assert "Mention the Teams status.\u201d \u2014 Sam Writer" in view.body

    empty = await handle(deps, suggestion("   ", "anonymous"))
    assert isinstance(empty[0], Form) and "text" in empty[0].errors


async def test_review_reminder_fires_once_ahead_with_figures_from_the_records(
    deps: Deps, engine: AsyncEngine, clock: FakeClock, notices: NoticeLog
) -> None:
    assert review.review_date(deps).isoformat() == "2027-09-01"  # 12 months after v2
    clock.current = datetime(2026, 10, 1, 10, tzinfo=UTC)
    await handle(deps, suggestion("Say how long breaks may be.", "anonymous"))
    await handle(deps, suggestion("Add an example.", "named", section="reporting"))
    (answer,) = await handle(deps, Text(SAM, DM, "can I use social media at work?"))
    vote = next(b for b in as_card(answer).buttons if b.value.endswith(":no"))
    await handle(deps, Action(SAM, DM, vote.action_id, vote.value))
    await handle(deps, Text(SAM, DM, "how do I feed my neighbour's cat while on holiday?"))

    async def remind() -> int:
        async with deps.store() as uow:
            sent = await review.remind(deps, uow)
            await uow.commit()
            await uow.commit()
        return sent

    clock.current = datetime(2027, 7, 31, 10, tzinfo=UTC)
    assert await remind() == 0  # more than 30 days ahead
    clock.current = datetime(2027, 8, 3, 10, tzinfo=UTC)
    assert await remind() == 1  # one owner
    assert await remind() == 0  # once
    (note,) = [n for n in notices.sent if n.summary == "Policy review coming up"]
    assert note.person_id == "hana"
    body = as_card(note.reply).body
    async with engine.connect() as conn:
        suggested = (await conn.execute(text("SELECT count(*) FROM suggestion"))).scalar()
        unanswered = (await conn.execute(text("SELECT count(*) FROM unanswered_question"))).scalar()
        unhelpful = (
            await conn.execute(text("SELECT count(*) FROM faq_answer WHERE helpful = false"))
        ).scalar()
    assert (suggested, unanswered, unhelpful) == (2, 1, 1)
    assert f"Suggestions: {suggested}" in body
    assert f"Questions the bot could not answer: {unanswered}" in body
    assert f"Answers marked not helpful: {unhelpful}" in body
    assert "Awareness survey: none run yet" in body


async def test_a_named_policy_owner_gets_the_review_reminder(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    import dataclasses

    current = deps.content.current
    meta = current.meta.model_copy(update={"owner_email": "owner@example.com"})
    policies = (*deps.content.policies[:-1], dataclasses.replace(current, meta=meta))
    named = dataclasses.replace(deps, content=dataclasses.replace(deps.content, policies=policies))
    async with named.store() as uow:
        await uow.people.save(Person("own", "Olive Owner", "owner@example.com"))
        await uow.commit()
    clock.current = datetime(2027, 8, 3, 10, tzinfo=UTC)
    async with named.store() as uow:
        assert await review.remind(named, uow) == 1
        await uow.commit()
        await uow.commit()
    assert [n.person_id for n in notices.sent] == ["own"]  # not every HR person


async def test_the_review_counts_only_unanswered_questions_with_words(
    deps: Deps, clock: FakeClock
) -> None:
    clock.current = datetime(2026, 10, 1, 10, tzinfo=UTC)
    for typed in ("2", "\U0001f642\U0001f642\U0001f642", "?!", "how do I feed my neighbour's cat?"):
        await handle(deps, Text(SAM, DM, typed))
    for n in range(6):
        await handle(deps, Text(SAM, DM, f"which cafe has the best cake number {n}?"))
    async with deps.store() as uow:
        found = await review.inputs(deps, uow)
    assert len(found.unanswered) == 7
    assert "Questions the bot could not answer: 7" in review.summary(deps, found)
    (view,) = await handle(deps, Text(HR, DM, "suggestions"))
    assert isinstance(view, Card)
    assert "*Questions the bot could not answer*: 7" in view.body
    assert "and 2 more: every one in `policybot policy review-summary`" in view.body
