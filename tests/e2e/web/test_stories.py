"""The stories page over HTTP: the queue and the rounds against the database, what people
wrote shown as text (a title of `<script>` included), approve and decline with a reason, open
and close a round as the chat does (its notices in the outbox), and the refusals."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.features.stories.model import Round, Story, StoryStatus
from tests.dump import changes, dump
from tests.e2e.web.conftest import Site, csrf

SCRIPT_STORY = '<script>alert("story")</script>'
XSS = "S-XSS001"
ROUND = "R-RND001"


async def rows(site: Site, query: str, **params: Any) -> list[tuple[Any, ...]]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [tuple(r) for r in (await conn.execute(text(query), params)).all()]


async def stories(site: Site) -> None:
    """One story waiting (titled like a script), two more waiting, a round with its votes,
    and two approved stories in no round yet."""
    now = site.clock.now()
    async with site.services.store() as uow:
        await uow.stories.add(
            Story(XSS, "e6", SCRIPT_STORY, 'It worked <img src=x onerror="alert(1)">',
                  now - timedelta(hours=3), link='https://example.com/"><script>x</script>')
        )  # fmt: skip
        await uow.stories.add(Story("S-WAIT02", "r1", "Our launch post", "It went well.", now))
        await uow.stories.add(
            Story("S-WAIT03", "r2", "Only for HR", "Private.", now, share_ok=False)
        )
        for n, (who, status) in enumerate(
            [("r3", StoryStatus.APPROVED), ("e4", StoryStatus.APPROVED),
             ("e5", StoryStatus.APPROVED), ("r1", StoryStatus.APPROVED),
             ("r2", StoryStatus.DECLINED)]
        ):  # fmt: skip
            await uow.stories.add(
                Story(f"S-DONE0{n}", who, f"Story {n}", "Text.", now - timedelta(days=9),
                      status=status, decided_at=now - timedelta(days=8))
            )  # fmt: skip
        await uow.stories.add_round(
            Round(ROUND, "Best post of November", ("S-DONE00", "S-DONE01"),
                  now - timedelta(days=2), now + timedelta(days=5))
        )  # fmt: skip
        for who, story in (("hana", "S-DONE00"), ("mona", "S-DONE01"), ("hal", "S-DONE01")):
            await uow.stories.vote(ROUND, who, story, now - timedelta(days=1))
        await uow.commit()


async def test_the_queue_and_the_rounds_match_the_database_as_text(site: Site) -> None:
    await stories(site)
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/stories")
    assert status == 200
    assert '<a href="/dashboard/stories" aria-current="page">Stories</a>' in page
    assert SCRIPT_STORY not in page and "<img src=x" not in page and "<script>x" not in page
    assert "&lt;script&gt;alert(&#34;story&#34;)&lt;/script&gt;" in page
    assert 'href="https://example.com' not in page  # a link is shown, never followed from here
    waiting = await rows(site, "SELECT id FROM story WHERE status = 'submitted'")
    assert f'<dd id="waiting-count">{len(waiting)}</dd>' in page
    assert all(f'id="story-{s}"' in page for (s,) in waiting)
    (approved,) = await rows(site, "SELECT count(*) FROM story WHERE status = 'approved'")
    assert f'<dd id="approved-count">{approved[0]} ' in page
    order = [page.index(f'id="story-{s}"') for s in (XSS, "S-WAIT02")]
    assert order == sorted(order)  # oldest first
    assert "Its entries: the 2 approved stories" in page  # S-DONE02 and S-DONE03
    status, body = await site.get(f"/dashboard/stories/rounds/{ROUND}/votes.csv")
    assert status == 200
    votes = dict(
        await rows(
            site, "SELECT story_id, count(*) FROM vote WHERE round_id = :r GROUP BY story_id",
            r=ROUND,
        )
    )  # fmt: skip
    head, *lines = list(csv.reader(io.StringIO(body)))
    assert head == ["story", "votes", "share"]
    assert lines == [["Story 0", str(votes["S-DONE00"]), "0.333"],
                     ["Story 1", str(votes["S-DONE01"]), "0.667"]]  # fmt: skip
    status, _ = await site.get("/dashboard/stories/rounds/R-NOSUCH/votes.csv")
    assert status == 404


async def test_approve_and_decline_with_a_reason_tell_the_author(
    site: Site, engine: AsyncEngine
) -> None:
    await stories(site)
    page = await site.sign_in("hana@example.com")
    token = csrf(page)
    state = "SELECT status, reason FROM story WHERE id = :s"
    outbox = "SELECT count(*) FROM outbox"
    status, page = await site.post(f"/dashboard/stories/{XSS}/approve", {"csrf": token})
    assert status == 200 and "Approved. The author has been told." in page
    assert await rows(site, state, s=XSS) == [("approved", "")]
    assert (await rows(site, outbox))[0][0] == 1
    before = await dump(engine)
    status, page = await site.post(f"/dashboard/stories/{XSS}/decline", {"csrf": token,
                                   "reason": "Too late"})  # fmt: skip
    assert "already decided" in page
    status, page = await site.post("/dashboard/stories/S-WAIT02/decline", {"csrf": token,
                                   "reason": "  "})  # fmt: skip
    assert "Say why, kindly" in page
    assert changes(before, await dump(engine)) == {}
    status, page = await site.post(
        "/dashboard/stories/S-WAIT02/decline", {"csrf": token, "reason": "It names a client."}
    )
    assert "Declined. The author has been told why." in page
    assert await rows(site, state, s="S-WAIT02") == [("declined", "It names a client.")]
    assert (await rows(site, outbox))[0][0] == 2


async def test_open_and_close_a_round_as_the_chat_does(site: Site, engine: AsyncEngine) -> None:
    await stories(site)
    page = await site.sign_in("hana@example.com")
    token = csrf(page)
    before = await dump(engine)
    status, page = await site.post(
        "/dashboard/stories/rounds", {"csrf": token, "title": "Best of December", "days": "40"}
    )
    assert "from 1 to 31 days" in page.lower()
    assert changes(before, await dump(engine)) == {}
    status, page = await site.post(
        "/dashboard/stories/rounds", {"csrf": token, "title": "Best of December", "days": "7"}
    )
    assert "The round is open" in page
    ((_, entries),) = await rows(
        site, "SELECT id, entries FROM recognition_round WHERE title = 'Best of December'"
    )
    assert sorted(entries.split(",")) == ["S-DONE02", "S-DONE03"]
    invite = "SELECT status FROM announcement WHERE title = :t"
    assert await rows(site, invite, t="Vote: Best of December") == [("scheduled",)]
    status, page = await site.post(
        "/dashboard/stories/rounds", {"csrf": token, "title": "Again", "days": "7"}
    )
    assert "at least two approved stories" in page  # every eligible story is in a round now
    status, page = await site.post(f"/dashboard/stories/rounds/{ROUND}/close", {"csrf": token})
    assert status == 200 and "The round is closed" in page
    closed = "SELECT closed, winner_id FROM recognition_round WHERE id = :r"
    assert await rows(site, closed, r=ROUND) in ([(True, "S-DONE01")], [(1, "S-DONE01")])
    assert "the winner is <q>Story 1</q>" in page
    _, page = await site.post(f"/dashboard/stories/rounds/{ROUND}/close", {"csrf": token})
    assert "already closed" in page


async def test_no_session_wrong_role_and_missing_token(site: Site, engine: AsyncEngine) -> None:
    async with site.http.get(site.url + "/dashboard/stories", allow_redirects=False) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/dashboard/sign-in"
    await stories(site)
    for who in ("mona@example.com", "hal@example.com"):
        page = await site.sign_in(who)
        token = csrf(page)
        for path in ("/dashboard/stories", f"/dashboard/stories/rounds/{ROUND}/votes.csv"):
            status, page = await site.get(path)
            assert status == 403 and "hr role" in page
            assert "Our launch post" not in page
        before = await dump(engine)
        for path, data in (
            (f"/dashboard/stories/{XSS}/approve", {}),
            (f"/dashboard/stories/{XSS}/decline", {"reason": "No."}),
            ("/dashboard/stories/rounds", {"title": "Mine", "days": "3"}),
            (f"/dashboard/stories/rounds/{ROUND}/close", {}),
        ):
            status, _ = await site.post(path, {"csrf": token, **data})
            assert status == 403, path
        assert changes(before, await dump(engine)) == {}
    await site.sign_in("hana@example.com")
    before = await dump(engine)
    status, _ = await site.post(f"/dashboard/stories/{XSS}/approve", {"csrf": "wrong"})
    assert status == 403
    status, _ = await site.post(f"/dashboard/stories/rounds/{ROUND}/close", {})
    assert status == 403
    assert changes(before, await dump(engine)) == {}
