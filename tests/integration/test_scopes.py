"""The core's other checks of who may see or do what (those that are not a `require`), on a
real database: figures scoped by role, HR's buttons shown only to HR, survey audiences, a
question closed only by its asker, a report added to only by its reporter. Each refusal is
exact and changes nothing in any table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.messages import (
    Action,
    Card,
    Choices,
    ConversationRef,
    Reply,
    Submission,
    Text,
    TextReply,
    UserRef,
)
from bot.model import Person, Role
from storage.cipher import KeyCipher
from storage.uow import SqlStore
from tests.conftest import sql_deps
from tests.dump import changes, dump
from tests.fakes import FakeClock, NoticeLog
from tests.notices import forget, notified
from tests.replies import text_of

DM = ConversationRef("slack", "D0SCOPES")
ROLES = {
    "hana": (frozenset({Role.HR}), "People", None),
    "mo": (frozenset({Role.MANAGER}), "Sales", None),
    "hal": (frozenset({Role.HANDLER}), "Security", None),
    "sam": (frozenset(), "Sales", "mo"),
    "sue": (frozenset(), "Support", None),
}
# What only HR is offered (every action behind a `require` that a menu or card shows).
HR_BUTTONS = {
    "tickets_open",
    "announce_overview",
    "announce_new",
    "training_required",
    "stories_open",
    "survey_new",
    "survey_results",
    "survey_remind",
    "survey_close",
}


def slack(person_id: str) -> UserRef:
    return UserRef("slack", f"U0{person_id.upper()}")


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    store = SqlStore(engine)
    async with store() as uow:
        for person_id, (roles, department, manager) in ROLES.items():
            await uow.people.save(
                Person(
                    person_id,
                    f"{person_id.title()} Person",
                    f"{person_id}@example.com",
                    department=department,
                    manager_id=manager,
                    roles=frozenset({Role.EMPLOYEE}) | roles,
                    accounts={"slack": slack(person_id).id},
                )
            )
        await uow.commit()
    return sql_deps(content, faq, store, notices, clock, KeyCipher(b"z" * 32))


async def refused_without_change(
    deps: Deps, engine: AsyncEngine, incoming: Text | Action | Submission, expected: list[Reply]
) -> None:
    before = await dump(engine)
    assert await handle(deps, incoming) == expected
    assert changes(before, await dump(engine)) == {}


def offered(replies: list[Reply]) -> set[str]:
    return {b.action_id for r in replies if isinstance(r, Choices | Card) for b in r.buttons}


async def test_report_figures_only_for_hr_and_handlers(deps: Deps, engine: AsyncEngine) -> None:
    report = {
        "category": "threats",
        "severity": "high",
        "what": "Threats under my post",
        "identity": "confidential",
    }
    await handle(deps, Submission(slack("sam"), DM, "report", report))
    no: list[Reply] = [
        TextReply("Sorry, only people with the hr or handler role can see report figures.")
    ]
    for person_id in ("sam", "mo"):
        await refused_without_change(deps, engine, Text(slack(person_id), DM, "cases"), no)
    for person_id in ("hana", "hal"):
        (card,) = await handle(deps, Text(slack(person_id), DM, "cases"))
        assert isinstance(card, Card) and ("Reports", "1") in card.facts


async def test_training_figures_everyone_for_hr_a_team_for_a_manager_none_for_others(
    deps: Deps, engine: AsyncEngine, clock: FakeClock
) -> None:
    clock.current = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)  # training is overdue
    no: list[Reply] = [
        TextReply("Sorry, only people with the hr or manager role can see training figures.")
    ]
    for person_id in ("sam", "hal"):
        asked = Text(slack(person_id), DM, "training report")
        await refused_without_change(deps, engine, asked, no)
    (team,) = await handle(deps, Text(slack("mo"), DM, "training report"))
    assert isinstance(team, Card) and team.title == "Training: your team"
    assert team.body.endswith("Overdue: Sam Person")  # Mo's one report, nobody else
    assert [k for k, _ in team.facts] == ["Completed"]  # no breakdowns beyond the team
    (everyone,) = await handle(deps, Text(slack("hana"), DM, "training report"))
    assert isinstance(everyone, Card) and ("Completed", "0 of 5 (0%)") in everyone.facts
    assert "Department Support" in dict(everyone.facts)


async def test_hr_buttons_are_offered_to_hr_only(deps: Deps) -> None:
    fields = {"survey": "policy-awareness", "audience": "everyone", "days": "14"}
    await handle(deps, Submission(slack("hana"), DM, "survey_new", fields))
    for person_id in ("sam", "mo", "hal"):
        menus = await handle(deps, Text(slack(person_id), DM, "help"))
        menus += await handle(deps, Text(slack(person_id), DM, "surveys"))
        assert not offered(menus) & HR_BUTTONS, person_id
        assert "survey_take" in offered(menus)  # the survey is offered as to anyone
    hr = await handle(deps, Text(slack("hana"), DM, "help"))
    hr += await handle(deps, Text(slack("hana"), DM, "surveys"))
    assert offered(hr) >= HR_BUTTONS - {"announce_new"}


async def test_a_survey_is_taken_only_by_its_audience(deps: Deps, engine: AsyncEngine) -> None:
    fields = {"survey": "training-pulse", "audience": "Sales", "days": "7"}
    await handle(deps, Submission(slack("hana"), DM, "survey_new", fields))
    async with deps.store() as uow:
        (campaign,) = await uow.campaigns.all()
    outside = slack("sue")  # Support
    assert await handle(deps, Text(outside, DM, "surveys")) == [
        TextReply("There is no survey for you to take right now. Thank you!")
    ]
    await refused_without_change(
        deps,
        engine,
        Action(outside, DM, "survey_take", campaign.id),
        [TextReply("That survey is for another group.")],
    )
    answers = {"useful": "4", "length": "About right"}
    before = await dump(engine)
    (thanks,) = await handle(deps, Submission(outside, DM, "survey_answer", answers, campaign.id))
    assert "your first answers stand" in getattr(thanks, "intro", "")
    assert changes(before, await dump(engine)) == {}
    taken = Submission(slack("sam"), DM, "survey_answer", answers, campaign.id)
    (inside,) = await handle(deps, taken)
    assert "recorded anonymously" in getattr(inside, "intro", "")


async def test_only_the_asker_closes_their_question(deps: Deps, engine: AsyncEngine) -> None:
    await handle(deps, Submission(slack("sam"), DM, "ask_hr", {"question": "Is Friday off?"}))
    async with deps.store() as uow:
        (ticket,) = await uow.tickets.open()
    for person_id in ("sue", "hana"):
        await refused_without_change(
            deps,
            engine,
            Action(slack(person_id), DM, "ticket_close", ticket.id),
            [TextReply("I could not find that question.")],
        )
    (closed,) = await handle(deps, Action(slack("sam"), DM, "ticket_close", ticket.id))
    assert isinstance(closed, TextReply) and "is closed" in closed.text


async def test_only_the_reporter_adds_to_a_confidential_report(
    deps: Deps, engine: AsyncEngine
) -> None:
    report = {
        "category": "threats",
        "severity": "high",
        "what": "Threats under my post",
        "identity": "confidential",
    }
    await handle(deps, Submission(slack("sam"), DM, "report", report))
    async with deps.store() as uow:
        (case,) = await uow.cases.all()
    await forget(deps)
    not_yours: list[Reply] = [TextReply("That report is not yours.")]
    for person_id in ("sue", "hal", "hana"):  # a colleague, and even the case's handlers
        who = slack(person_id)
        pressed = Action(who, DM, "report_add", case.id)
        await refused_without_change(deps, engine, pressed, not_yours)
        added = Submission(who, DM, "report_add", {"message": "Pretending to be Sam"}, case.id)
        await refused_without_change(deps, engine, added, not_yours)
    assert await notified(deps) == []
    mine = Submission(slack("sam"), DM, "report_add", {"message": "More today."}, case.id)
    assert "The handlers have been told" in text_of((await handle(deps, mine))[0])
