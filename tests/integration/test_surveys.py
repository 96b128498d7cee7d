"""Anonymous surveys on a real database: nothing links a person to an answer."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.features.surveys import results as surveys_results
from bot.features.surveys.model import Campaign
from bot.messages import (
    Action,
    Card,
    Choices,
    ConversationRef,
    Form,
    Submission,
    TextReply,
    UserRef,
)
from bot.model import Person, Role
from bot.ports import UnitOfWork
from storage.cipher import KeyCipher
from storage.uow import SqlStore
from tests.conftest import sql_deps
from tests.fakes import FakeClock, NoticeLog
from tests.replies import as_text

DM = ConversationRef("slack", "D0")
HR = UserRef("slack", "U0HRLEAD")


def user(n: int) -> UserRef:
    return UserRef("slack", f"U{n:04d}STAFF")


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    store = SqlStore(engine)
    async with store() as uow:
        await uow.people.save(
            Person(
                "hr",
                "Hana HR",
                "hana@example.com",
                department="People",
                roles=frozenset({Role.HR}),
                accounts={"slack": HR.id},
            )
        )
        for n in range(24):
            department = "Sales" if n < 12 else "Support"
            await uow.people.save(
                Person(
                    f"p{n}",
                    f"Person Number{n}",
                    f"person{n}@example.com",
                    department=department,
                    accounts={"slack": user(n).id},
                )
            )
        await uow.commit()
    return sql_deps(content, faq, store, notices, clock, KeyCipher(b"s" * 32))


async def open_campaign(deps: Deps, audience: str = "everyone") -> str:
    (form,) = await handle(deps, Action(HR, DM, "survey_new", ""))
    assert isinstance(form, Form)
    fields = {"survey": "policy-awareness", "audience": audience, "days": "14"}
    (done,) = await handle(deps, Submission(HR, DM, "survey_new", fields))
    assert isinstance(done, TextReply) and "opens today" in done.text
    async with deps.store() as uow:
        return (await uow.campaigns.all())[-1].id


def answers(n: int, comment: str = "") -> dict[str, str]:
    rng = random.Random(n)
    values = {
        q: str(rng.randint(1, 5))
        for q in ("understand", "confident-backlash", "know-report", "free-expression")
    }
    values["platforms"] = "LinkedIn" if n % 2 else ""
    values["comments"] = comment
    return values


async def take(deps: Deps, n: int, campaign: str, comment: str = "") -> Any:
    (form,) = await handle(deps, Action(user(n), DM, "survey_take", campaign))
    assert isinstance(form, Form) and form.form_id == "survey_answer", form
    (reply,) = await handle(
        deps, Submission(user(n), DM, "survey_answer", answers(n, comment), campaign)
    )
    return reply


async def dump(engine: AsyncEngine, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    async with engine.connect() as conn:
        for table in tables:
            out[table] = [tuple(r) for r in (await conn.execute(text(f"SELECT * FROM {table}")))]
    return out


async def test_twenty_answers_cannot_be_traced_to_anyone(
    deps: Deps, engine: AsyncEngine, notices: NoticeLog, caplog: pytest.LogCaptureFixture
) -> None:
    from adapters import logs

    caplog.set_level(logging.DEBUG)
    logs.quiet_libraries()
    campaign = await open_campaign(deps)
    invited = {n.person_id for n in notices.sent}
    assert invited == {"hr", *(f"p{n}" for n in range(24))}
    order = list(range(20))
    for n in order:
        reply = await take(deps, n, campaign, comment=f"comment number {n:02d}")
        assert isinstance(reply, Form) and reply.form_id == "survey_thanks"
    survey_tables = tuple(
        t.name for t in SQLModel.metadata.sorted_tables if t.name.startswith("survey_")
    )
    rows = await dump(engine, survey_tables)
    flat = repr(rows)
    for n in order:
        for trace in (user(n).id, f"'p{n}'", f"person{n}@example.com", f"Person Number{n}"):
            assert trace not in flat
    # Answers are counts: no row stands for one person.
    assert all(isinstance(r[-1], int) for r in rows["survey_tally"])
    assert max(r[-1] for r in rows["survey_tally"]) > 1
    # Stored comments: random ids, the closing day, and an order unrelated to answering.
    async with deps.store() as uow:
        closes = (await _campaign(uow, campaign)).closes_on
        texts = [
            deps.cipher.open(box, f"survey:{campaign}".encode()).decode()
            for _, box in await uow.campaigns.comments(campaign)
        ]
    assert {str(r[-1]) for r in rows["survey_comment"]} == {closes.isoformat()}
    assert texts != [f"comment number {n:02d}" for n in order]
    assert sorted(texts) == [f"comment number {n:02d}" for n in order]
    assert "comment number" not in flat  # sealed
    # The register holds keyed hashes only, again in an order unrelated to answering.
    assert all(len(r[0]) == 64 for r in rows["survey_participant"])
    for n in order:
        assert user(n).id not in caplog.text and f"person{n}@" not in caplog.text


async def test_one_answer_per_person_and_reminders_skip_takers(
    deps: Deps, notices: NoticeLog
) -> None:
    campaign = await open_campaign(deps)
    await take(deps, 0, campaign)
    again = await handle(deps, Action(user(0), DM, "survey_take", campaign))
    assert "already answered" in as_text(again[0]).text
    (second,) = await handle(deps, Submission(user(0), DM, "survey_answer", answers(9), campaign))
    assert isinstance(second, Form) and "first answers stand" in second.intro
    async with deps.store() as uow:
        assert await uow.campaigns.participants(campaign) == 1
        tallies = await uow.campaigns.tallies(campaign)
    assert sum(c for q, _, _, c in tallies if q == "understand") == 1
    notices.sent.clear()
    (reminded,) = map(as_text, await handle(deps, Action(HR, DM, "survey_remind", campaign)))
    assert "Reminded 24" in reminded.text
    assert "p0" not in {n.person_id for n in notices.sent}


async def test_thresholds_and_breakdowns(deps: Deps, clock: FakeClock) -> None:
    campaign = await open_campaign(deps)
    for n in range(4):
        await take(deps, n, campaign, comment=f"c{n}")
    (hidden,) = await handle(deps, Action(HR, DM, "survey_results", campaign))
    assert isinstance(hidden, TextReply) and "4 answered" in hidden.text
    await take(deps, 4, campaign, comment="c4")
    (card,) = await handle(deps, Action(HR, DM, "survey_results", campaign))
    assert isinstance(card, Card) and "5 people answered" in card.body
    assert "c4" not in card.body and "Comments appear once" in card.body
    # All five are in Sales: no breakdown, since "everyone else" is empty.
    async with deps.store() as uow:
        results = await surveys_results.compute(deps, uow, await _campaign(uow, campaign))
    assert results.departments == {}
    for n in range(5, 10):
        await take(deps, n, campaign, comment=f"c{n}")
    for n in range(12, 16):  # four in Support: below the threshold
        await take(deps, n, campaign)
    async with deps.store() as uow:
        results = await surveys_results.compute(deps, uow, await _campaign(uow, campaign))
    assert set(results.departments) == set()  # Support is too small, so Sales would be exposed
    await take(deps, 16, campaign)
    async with deps.store() as uow:
        results = await surveys_results.compute(deps, uow, await _campaign(uow, campaign))
    assert set(results.departments) == {"Sales", "Support"}
    assert len(results.comments) == 10
    clock.advance(days=30)
    closed = await handle(deps, Action(user(20), DM, "survey_take", campaign))
    assert "closed" in as_text(closed[0]).text


async def test_employees_cannot_open_campaigns_or_see_results(deps: Deps) -> None:
    refused = await handle(deps, Action(user(1), DM, "survey_new", ""))
    assert "hr role" in as_text(refused[0]).text
    campaign = await open_campaign(deps)
    refused = await handle(deps, Action(user(1), DM, "survey_results", campaign))
    assert "hr role" in as_text(refused[0]).text
    offered = await handle(deps, Submission(user(1), DM, "survey_thanks", {}))
    assert offered == []
    (choices,) = (await handle(deps, Action(user(1), DM, "survey_offer", "")))[:1]
    assert isinstance(choices, Choices) and choices.buttons[0].value == campaign
    _ = timedelta


async def test_invitations_on_the_opening_day_and_one_reminder_before_closing(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    from bot.features.surveys import admin as surveys_admin

    fields = {"survey": "training-pulse", "audience": "Sales", "starts": "2", "days": "7"}
    (done,) = map(as_text, await handle(deps, Submission(HR, DM, "survey_new", fields)))
    assert "Invitations sent now: 0" in done.text and notices.sent == []
    clock.advance(days=2)
    async with deps.store() as uow:
        assert await surveys_admin.tick(deps, uow) == 12  # Sales only
        await uow.commit()
    async with deps.store() as uow:
        assert await surveys_admin.tick(deps, uow) == 0  # once
        await uow.commit()
        campaign = (await uow.campaigns.all())[-1].id
    assert {n.person_id for n in notices.sent} == {f"p{n}" for n in range(12)}
    for n in range(3):
        (form,) = await handle(deps, Action(user(n), DM, "survey_take", campaign))
        assert isinstance(form, Form)
        await handle(
            deps,
            Submission(
                user(n), DM, "survey_answer", {"useful": "4", "length": "About right"}, campaign
            ),
        )
    notices.sent.clear()
    clock.advance(days=4)  # two days before closing
    async with deps.store() as uow:
        assert await surveys_admin.tick(deps, uow) == 9  # only those who have not answered
        await uow.commit()
    async with deps.store() as uow:
        assert await surveys_admin.tick(deps, uow) == 0
        await uow.commit()
    assert not {"p0", "p1", "p2"} & {n.person_id for n in notices.sent}


async def test_a_survey_for_several_departments(deps: Deps, clock: FakeClock) -> None:
    people = {p.id: p.department for p in await _everyone(deps)}
    departments = sorted({d for d in people.values() if d})
    assert len(departments) >= 2
    pair = ",".join(departments[:2])
    fields = {"survey": "training-pulse", "audience": pair, "starts": "0", "days": "7"}
    await handle(deps, Submission(HR, DM, "survey_new", fields))
    async with deps.store() as uow:
        campaign = (await uow.campaigns.all())[-1]
    assert campaign.audience == pair
    invited = {pid for pid, d in people.items() if campaign.includes(await _person(deps, pid))}
    assert invited == {pid for pid, d in people.items() if d in departments[:2]}
    unknown = {**fields, "audience": "Nowhere"}
    (refused,) = await handle(deps, Submission(HR, DM, "survey_new", unknown))
    assert isinstance(refused, Form) and "audience" in refused.errors


async def _campaign(uow: UnitOfWork, campaign_id: str) -> Campaign:
    found = await uow.campaigns.get(campaign_id)
    assert found is not None, campaign_id
    return found


async def _everyone(deps: Deps) -> list[Person]:
    async with deps.store() as uow:
        return list(await uow.people.all())


async def _person(deps: Deps, person_id: str) -> Person:
    async with deps.store() as uow:
        found = await uow.people.get(person_id)
    assert found is not None, person_id
    return found


async def test_a_survey_removed_from_content_is_left_alone_not_a_failed_job(
    deps: Deps, notices: NoticeLog, clock: FakeClock
) -> None:
    import dataclasses

    from bot.features.surveys import admin as surveys_admin

    await open_campaign(deps)
    clock.advance(days=12)  # two days before it closes: reminders are due
    before = len(notices.sent)
    gone = deps.content.surveys.model_copy(update={"surveys": ()})
    edited = dataclasses.replace(deps, content=dataclasses.replace(deps.content, surveys=gone))
    async with edited.store() as uow:
        assert await surveys_admin.tick(edited, uow) == 0  # nobody reminded, and no LookupError
        await uow.commit()
    assert len(notices.sent) == before
    (none,) = await handle(edited, Action(user(1), DM, "survey_offer", ""))
    assert isinstance(none, TextReply) and "no survey for you" in none.text
    replies = await handle(edited, Action(HR, DM, "survey_offer", ""))
    assert "no longer in surveys.yaml" in str(replies[-1])


async def test_an_invalid_campaign_form_comes_back_whole_with_the_error_under_its_field(
    deps: Deps,
) -> None:
    fields = {"survey": "policy-awareness", "audience": "everyone", "starts": "-5", "days": "abc"}
    (again,) = await handle(deps, Submission(HR, DM, "survey_new", fields))
    assert isinstance(again, Form) and again.form_id == "survey_new"
    assert {f.name for f in again.fields} == {"survey", "audience", "starts", "days"}
    assert set(again.errors) == {"starts", "days"}  # every error sits under a field
    kept = {f.name: f.initial for f in again.fields}
    assert kept["starts"] == "-5" and kept["days"] == "abc" and kept["survey"] == "policy-awareness"
    async with deps.store() as uow:
        assert list(await uow.campaigns.all()) == []


async def test_a_multiple_choice_question_counts_only_the_options_chosen(deps: Deps) -> None:
    campaign = await open_campaign(deps)
    (form,) = await handle(deps, Action(user(0), DM, "survey_take", campaign))
    assert isinstance(form, Form)
    (platforms,) = [f for f in form.fields if f.name == "platforms"]
    assert platforms.kind == "multiselect" and platforms.hint
    assert form.title == "Social media policy check-in"  # whole: each channel shortens it
    values = answers(0) | {"platforms": "no"}
    (refused,) = await handle(deps, Submission(user(0), DM, "survey_answer", values, campaign))
    assert isinstance(refused, Form) and "platforms" in refused.errors
    for n in range(6):
        values = answers(n) | {"platforms": "LinkedIn,X (Twitter)" if n < 2 else ""}
        await handle(deps, Submission(user(n), DM, "survey_answer", values, campaign))
    async with deps.store() as uow:
        found = await uow.campaigns.get(campaign)
        assert found is not None
        results = await surveys_results.compute(deps, uow, found)
    (counts,) = [q.counts for q in results.questions if q.id == "platforms"]
    assert counts.get("X (Twitter)") == 2 and counts.get("LinkedIn") == 2
    assert sum(counts.values()) == 4
