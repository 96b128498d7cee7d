"""The surveys pages over HTTP: campaigns with their figures against the database; open,
remind and close as the chat does; results only above the thresholds, with the subtraction
rule, comments escaped and in random order; the refusals."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.features.surveys.rules import LIKERT
from tests.dump import changes, dump
from tests.e2e.web.conftest import Site, csrf

CROWD = "crowd"
# Answers to `understand` by department: 5, 5 and 2 people. Showing both fives would give
# the two away by subtraction, so only one five is shown (Support: the tie goes to the name).
SIZES = {"Sales": 5, "Support": 5, "Legal": 2}
COMMENT = "More examples <script>alert('c')</script> please"


async def rows(site: Site, query: str, **params: Any) -> list[tuple[Any, ...]]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [tuple(r) for r in (await conn.execute(text(query), params)).all()]


async def crowd(site: Site) -> None:
    """A campaign twelve people answered, with ten comments."""
    from bot.features.surveys.model import Campaign

    store = site.services.store
    assert store.cipher is not None
    today = site.clock.now().date()
    async with store() as uow:
        await uow.campaigns.add(
            Campaign(CROWD, "policy-awareness", "everyone", today - timedelta(days=3), today)
        )
        n = 0
        for department, size in SIZES.items():
            for _ in range(size):
                await uow.campaigns.register(CROWD, f"key-{n}")
                await uow.campaigns.count(CROWD, "understand", department, str(1 + (n % 5)))
                await uow.campaigns.count(CROWD, "platforms", department, "LinkedIn")
                n += 1
        for i in range(10):
            words = COMMENT if i == 0 else f"Comment number {i}"
            box = store.cipher.seal(words.encode(), f"survey:{CROWD}".encode())
            await uow.campaigns.comment(CROWD, "comments", box, today)
        await uow.commit()


def comments(page: str) -> list[str]:
    part = page.split('id="comments"')[1].split("</ul>")[0]
    return re.findall(r'<li class="content">([^<]*(?:&lt;[^<]*)*)</li>', part)


async def test_campaigns_and_results_match_the_database(site: Site) -> None:
    await crowd(site)
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/surveys")
    assert status == 200
    assert '<a href="/dashboard/surveys" aria-current="page">Surveys</a>' in page
    for campaign in ("c1", CROWD):
        (answered,) = await rows(
            site, "SELECT count(*) FROM survey_participant WHERE campaign_id = :c", c=campaign
        )
        row = page.split(f'id="campaign-{campaign}"')[1].split("</tr>")[0]
        assert f"<td>{answered[0]} of " in row, row
    assert "&lt;script&gt;alert(&#34;dept&#34;)" in page and '<script>alert("dept")' not in page

    status, page = await site.get(f"/dashboard/surveys/{CROWD}")
    assert status == 200 and "12 people answered." in page
    tally = dict(
        await rows(
            site,
            "SELECT value, sum(count) FROM survey_tally WHERE campaign_id = :c "
            "AND question_id = 'understand' GROUP BY value",
            c=CROWD,
        )
    )
    status, body = await site.get(f"/dashboard/surveys/{CROWD}/understand.csv")
    assert status == 200
    head, *lines = list(csv.reader(io.StringIO(body)))
    assert head == ["answer", "answers", "share"]
    total = sum(tally.values())
    assert lines == [
        [label, str(tally.get(str(n), 0)), f"{tally.get(str(n), 0) / total:.3f}"]
        for n, label in enumerate(LIKERT, start=1)
    ]
    favourable = (tally.get("4", 0) + tally.get("5", 0)) / total
    assert f"<strong>{favourable:.0%}</strong> favourable" in page
    status, body = await site.get(f"/dashboard/surveys/{CROWD}/platforms.csv")
    assert "LinkedIn,12,1.000" in body.splitlines()
    # The subtraction rule: one five shown, the other five and the two hidden together.
    departments = page.split('id="departments"')[1].split("</table>")[0]
    assert "Support" in departments and "Sales" not in departments and "Legal" not in departments
    # Every comment, escaped, in an order that changes from one visit to the next.
    orders = [comments(page)]
    for _ in range(4):
        orders.append(comments((await site.get(f"/dashboard/surveys/{CROWD}"))[1]))
    expected = ["More examples &lt;script&gt;alert(&#39;c&#39;)&lt;/script&gt; please"]
    expected += [f"Comment number {i}" for i in range(1, 10)]
    assert all(sorted(o) == sorted(expected) for o in orders)
    assert len({tuple(o) for o in orders}) > 1
    assert "<script>alert('c')" not in page


async def test_results_stay_hidden_below_the_threshold(site: Site) -> None:
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/surveys/c1")
    assert status == 200
    (answered,) = await rows(
        site, "SELECT count(*) FROM survey_participant WHERE campaign_id = 'c1'"
    )
    assert answered[0] < 5
    assert f"{answered[0]} have answered so far" in page
    assert "<figure" not in page and "favourable" not in page and 'id="comments"' not in page
    for question in ("understand", "platforms"):
        status, _ = await site.get(f"/dashboard/surveys/c1/{question}.csv")
        assert status == 404
    status, _ = await site.get("/dashboard/surveys/nosuch")
    assert status == 404


async def test_open_remind_and_close_as_the_chat_does(site: Site, engine: AsyncEngine) -> None:
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/surveys")
    token = csrf(page)
    before = await dump(engine)
    status, page = await site.post(
        "/dashboard/surveys", {"csrf": token, "survey": "training-pulse", "days": "200"}
    )
    assert status == 400 and "Type a whole number of days from 1 to 90." in page
    assert changes(before, await dump(engine)) == {}
    status, page = await site.post(
        "/dashboard/surveys",
        {
            "csrf": token,
            "survey": "training-pulse",
            "audience": "Sales",
            "starts": "0",
            "days": "7",
        },
    )
    assert status == 200 and "The survey is open" in page
    ((campaign, audience),) = await rows(
        site, "SELECT id, audience FROM survey_campaign WHERE survey_id = 'training-pulse'"
    )
    assert audience == "Sales"
    invited = "SELECT count(*) FROM outbox"
    ((sent,),) = await rows(site, invited)
    ((sales,),) = await rows(site, "SELECT count(*) FROM person WHERE department = 'Sales'")
    ((c1,),) = await rows(
        site,
        "SELECT count(*) FROM person WHERE department = (SELECT audience FROM "
        "survey_campaign WHERE id = 'c1')",
    )
    assert sent == sales + c1  # its invitations, and the seeded campaign's that were due
    status, page = await site.post(f"/dashboard/surveys/{campaign}/remind", {"csrf": token})
    assert "Reminders are on their way" in page
    assert (await rows(site, invited))[0][0] == sent + sales
    status, page = await site.post(f"/dashboard/surveys/{campaign}/close", {"csrf": token})
    assert "Closed." in page
    state = "SELECT closed FROM survey_campaign WHERE id = :c"
    assert (await rows(site, state, c=campaign))[0][0] in (True, 1)
    status, page = await site.post(f"/dashboard/surveys/{campaign}/remind", {"csrf": token})
    assert "not open any more" in page
    assert (await rows(site, invited))[0][0] == sent + sales  # nobody reminded once closed


async def test_no_session_wrong_role_and_missing_token(site: Site, engine: AsyncEngine) -> None:
    for path in ("/dashboard/surveys", "/dashboard/surveys/c1"):
        async with site.http.get(site.url + path, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/dashboard/sign-in"
    await crowd(site)
    for who in ("mona@example.com", "hal@example.com"):
        page = await site.sign_in(who)
        token = csrf(page)
        for path in ("/dashboard/surveys", f"/dashboard/surveys/{CROWD}",
                     f"/dashboard/surveys/{CROWD}/understand.csv"):  # fmt: skip
            status, page = await site.get(path)
            assert status == 403 and "hr role" in page
            assert "Comment number" not in page
        before = await dump(engine)
        for path in (f"/dashboard/surveys/{CROWD}/close", "/dashboard/surveys/c1/remind"):
            status, _ = await site.post(path, {"csrf": token})
            assert status == 403
        status, _ = await site.post(
            "/dashboard/surveys", {"csrf": token, "survey": "training-pulse", "days": "7"}
        )
        assert status == 403
        assert changes(before, await dump(engine)) == {}
    await site.sign_in("hana@example.com")
    before = await dump(engine)
    status, _ = await site.post("/dashboard/surveys/c1/close", {"csrf": "wrong"})
    assert status == 403
    status, _ = await site.post("/dashboard/surveys", {"survey": "training-pulse", "days": "7"})
    assert status == 403
    assert changes(before, await dump(engine)) == {}
