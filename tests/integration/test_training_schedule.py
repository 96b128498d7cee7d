"""The Leitner schedule as a learner meets it in chat, on a real database: a missed question
comes back the next day (not at once, not later), a known one after its box's interval."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.messages import Action, Choices, ConversationRef, Reply, Text, UserRef
from storage.cipher import KeyCipher
from tests.conftest import sql_deps
from tests.fakes import FakeClock, NoticeLog

SAM = UserRef("slack", "U0SAMLEITNER")
DM = ConversationRef("slack", "D0LEITNER")


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    return sql_deps(content, faq, engine, notices, clock, KeyCipher(b"l" * 32))


def asked(replies: list[Reply]) -> Choices | None:
    found = [r for r in replies if isinstance(r, Choices) and r.text.startswith("Question")]
    return found[-1] if found else None


def question_id(choices: Choices) -> str:
    return choices.buttons[0].value.split(":")[1]


async def session(deps: Deps, miss_first: bool = False) -> list[str]:
    """A whole quiz session: the questions asked, in order, all answered right but perhaps
    the first."""
    seen: list[str] = []
    current = asked(await handle(deps, Text(SAM, DM, "quiz")))
    while current is not None:
        qid = question_id(current)
        found = deps.content.quizzes.question(qid)
        assert found is not None
        right = found[1].answer
        choice = (right + 1) % len(found[1].options) if miss_first and not seen else right
        seen.append(qid)
        button = current.buttons[choice]
        current = asked(await handle(deps, Action(SAM, DM, button.action_id, button.value)))
    return seen


async def test_a_missed_question_comes_back_the_next_day_not_at_once(
    deps: Deps, clock: FakeClock
) -> None:
    first = await session(deps, miss_first=True)
    assert len(first) == 5
    missed = first[0]
    clock.advance(hours=1)
    again = await session(deps)
    assert len(again) == 5 and missed not in again  # not due again the same day...
    assert not set(first) & set(again)  # ...nor any question of the first session
    clock.advance(hours=22, minutes=58)  # 23:58 after the miss
    assert missed not in await session(deps)
    clock.advance(minutes=3)  # a day after it
    assert missed in await session(deps)
