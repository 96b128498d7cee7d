"""Survey results by department on a real database, with three and four departments: what
HR is shown, subtracted from the total, never gives away a small department's answers."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.features.surveys import results as surveys_results
from bot.messages import Action, Card, ConversationRef, Submission, UserRef
from bot.model import Person, Role
from storage.cipher import KeyCipher
from tests.conftest import sql_deps
from tests.fakes import FakeClock, NoticeLog

DM = ConversationRef("slack", "D0BREAKDOWN")
HR = UserRef("slack", "U0HRBREAKDOWN")
QUESTIONS = ("understand", "confident-backlash", "know-report", "free-expression")


def staff(department: str, n: int) -> UserRef:
    return UserRef("slack", f"U0{department.upper()}{n}")


async def run_survey(
    engine: AsyncEngine, content: Content, faq: FaqIndex, departments: dict[str, int]
) -> tuple[Deps, str]:
    deps = sql_deps(content, faq, engine, NoticeLog(), FakeClock(), KeyCipher(b"b" * 32))
    async with deps.store() as uow:
        await uow.people.save(
            Person(
                "hr",
                "Hana",
                "hana@example.com",
                roles=frozenset({Role.HR}),
                accounts={"slack": HR.id},
            )
        )
        for department, size in departments.items():
            for n in range(size):
                who = staff(department, n)
                await uow.people.save(
                    Person(
                        who.id,
                        who.id,
                        f"{who.id}@example.com",
                        department,
                        accounts={"slack": who.id},
                    )
                )
        await uow.commit()
    fields = {"survey": "policy-awareness", "audience": "everyone", "days": "14"}
    await handle(deps, Submission(HR, DM, "survey_new", fields))
    async with deps.store() as uow:
        (campaign,) = await uow.campaigns.all()
    for department, size in departments.items():
        # Everyone in a department answers alike, the small one most distinctly of all.
        value = "1" if size < 5 else "4"
        for n in range(size):
            answers = {q: value for q in QUESTIONS}
            await handle(
                deps, Submission(staff(department, n), DM, "survey_answer", answers, campaign.id)
            )
    return deps, campaign.id


async def hidden_by_subtraction(deps: Deps, campaign_id: str) -> dict[str, dict[str, int]]:
    """What anyone shown the results can compute: the total minus every department shown."""
    async with deps.store() as uow:
        campaign = await uow.campaigns.get(campaign_id)
        assert campaign is not None
        results = await surveys_results.compute(deps, uow, campaign)
    assert results.shown
    left = {q.id: dict(q.counts) for q in results.questions}
    for rows in results.departments.values():
        for q in rows:
            for value, count in q.counts.items():
                left[q.id][value] -= count
    return {q: {v: c for v, c in counts.items() if c} for q, counts in left.items()}


@pytest.mark.parametrize(
    "departments",
    [
        {"Sales": 5, "Support": 5, "Legal": 2},
        {"Sales": 5, "Support": 5, "Ops": 5, "Legal": 2},
        {"Sales": 6, "Support": 5, "Ops": 3, "Legal": 1},
    ],
    ids=["5-5-2", "5-5-5-2", "6-5-3-1"],
)
async def test_subtracting_the_departments_shown_never_isolates_a_small_one(
    engine: AsyncEngine, content: Content, faq: FaqIndex, departments: dict[str, int]
) -> None:
    deps, campaign_id = await run_survey(engine, content, faq, departments)
    left = await hidden_by_subtraction(deps, campaign_id)
    for question in QUESTIONS:
        people = sum(left.get(question, {}).values())
        assert people == 0 or people >= 5, (question, left[question])
        # The small department's answers ("1") are only ever seen mixed with others'.
        assert left.get(question) != {"1": departments["Legal"]}, left
    (card,) = await handle(deps, Action(HR, DM, "survey_results", campaign_id))
    assert isinstance(card, Card)
    broken_out = {k for k, _ in card.facts if k in departments}
    assert "Legal" not in broken_out and broken_out  # big ones are still broken out
    assert sum(n for d, n in departments.items() if d not in broken_out) >= 5
