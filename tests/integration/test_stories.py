"""Success stories and recognition rounds on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.features.stories import stories
from bot.messages import (
    Action,
    Card,
    ConversationRef,
    Form,
    Reply,
    Submission,
    Text,
    TextReply,
    UserRef,
)
from bot.model import Person, Role
from storage.cipher import KeyCipher
from tests.conftest import sql_deps
from tests.fakes import FakeClock, NoticeLog
from tests.replies import text_of

HR = UserRef("slack", "U0HR")
DM = ConversationRef("slack", "D0")
STAFF = [UserRef("slack", f"U{n}") for n in range(4)]


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    deps = sql_deps(content, faq, engine, notices, clock, KeyCipher(b"s" * 32))
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
        for n, user in enumerate(STAFF):
            await uow.people.save(
                Person(f"p{n}", f"Person {n}", f"p{n}@example.com", accounts={"slack": user.id})
            )
        await uow.commit()
    return deps


async def share(deps: Deps, user: UserRef, title: str, share: str = "yes") -> str:
    fields = {"title": title, "text": f"{title}: the whole story.", "link": "", "share": share}
    (thanks,) = await handle(deps, Submission(user, DM, "story", fields))
    assert isinstance(thanks, TextReply) and "HR will read" in thanks.text
    return thanks.text.rsplit("(", 1)[1].rstrip(").")


def texts(replies: list[Reply]) -> str:
    return " ".join(
        getattr(r, "text", "") + getattr(r, "title", "") + getattr(r, "body", "") for r in replies
    )


async def test_stories_are_curated_then_voted_on_once_per_person(
    deps: Deps, engine: AsyncEngine, clock: FakeClock, notices: NoticeLog
) -> None:
    first = await share(deps, STAFF[0], "We answered 300 customers in a day")
    second = await share(deps, STAFF[1], "Our post on accessibility")
    private = await share(deps, STAFF[2], "A thank-you from a customer", share="no")
    declined = await share(deps, STAFF[3], "A rant about a competitor")
    reviews = [n for n in notices.sent if n.summary == "A story to review"]
    assert [n.person_id for n in reviews] == ["hr"] * 4  # HR is told of each

    refused = await handle(deps, Action(STAFF[0], DM, "story_approve", first))
    assert "only people with the hr role" in texts(refused)
    # Nothing is shown before approval: a round cannot even start.
    (none,) = await handle(
        deps, Submission(HR, DM, "round_new", {"title": "Best post", "days": "7"})
    )
    assert "at least two approved stories" in texts([none])

    for story_id in (first, second, private):
        await handle(deps, Action(HR, DM, "story_approve", story_id))
    (form,) = await handle(deps, Action(HR, DM, "story_decline", declined))
    assert isinstance(form, Form) and form.context == declined
    await handle(
        deps,
        Submission(
            HR, DM, "story_decline", {"reason": "We do not comment on competitors."}, declined
        ),
    )
    told = {
        n.person_id: n.reply
        for n in notices.sent
        if n.summary in ("Your story was approved", "About your story")
    }
    assert "approved" in text_of(told["p0"])
    assert "We do not comment on competitors." in text_of(told["p3"])

    (opened,) = await handle(
        deps, Submission(HR, DM, "round_new", {"title": "Best post of November", "days": "7"})
    )
    assert "with 2 stories" in texts([opened])
    async with deps.store() as uow:
        (round_,) = await uow.stories.rounds()
        (invitation,) = await uow.announcements.recent()
    assert round_.entries == (first, second)  # approved and shareable only
    assert invitation.status == "scheduled" and invitation.action[1:] == ("round_ballot", round_.id)

    ballot = await handle(deps, Text(STAFF[3], DM, "vote"))
    shown = texts(ballot)
    assert "300 customers" in shown and "accessibility" in shown
    assert "thank-you from a customer" not in shown and "competitor" not in shown
    votes = [b for r in ballot if isinstance(r, Card) for b in r.buttons]
    assert [b.value for b in votes] == [f"{round_.id}:{first}", f"{round_.id}:{second}"]

    for user in STAFF[:3]:
        await handle(deps, Action(user, DM, "round_vote", f"{round_.id}:{second}"))
    changed = await handle(deps, Action(STAFF[2], DM, "round_vote", f"{round_.id}:{first}"))
    assert "Changed" in texts(changed)
    again = await handle(deps, Action(STAFF[0], DM, "round_vote", f"{round_.id}:{second}"))
    assert "Thank you" in texts(again)
    forged = await handle(deps, Action(STAFF[0], DM, "round_vote", f"{round_.id}:{private}"))
    assert "no longer works" in texts(forged)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT person_id, story_id FROM vote ORDER BY person_id"))
        ).all()
    assert [tuple(r) for r in rows] == [("p0", second), ("p1", second), ("p2", first)]

    clock.advance(days=7, minutes=1)
    late = await handle(deps, Action(STAFF[3], DM, "round_vote", f"{round_.id}:{first}"))
    assert "has closed" in texts(late)
    async with deps.store() as uow:
        assert await stories.tick(deps, uow) == 1
        await uow.commit()
        await uow.commit()
    async with deps.store() as uow:
        (closed,) = await uow.stories.rounds()
        result = (await uow.announcements.recent())[0]
    assert closed.closed and closed.winner_id == second
    assert "Our post on accessibility" in result.title and "Person 1" in result.summary
    assert "2 of 3 votes" in result.summary and result.status == "scheduled"
    async with deps.store() as uow:
        assert await stories.tick(deps, uow) == 0  # closed once
        await uow.commit()
