"""The announcements pages over HTTP: the list and one announcement's figures against the
database, compose with preview and head count, send and cancel, the CSV files, refusals."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text

from tests.e2e.web.conftest import Site, csrf
from tests.e2e.web.seed import SCRIPT_TITLE


async def one(site: Site, query: str, **params: Any) -> Any:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return (await conn.execute(text(query), params)).scalar_one()


async def test_the_list_and_an_announcements_figures_match_the_database(site: Site) -> None:
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/announcements")
    assert status == 200
    assert '<a href="/dashboard/announcements" aria-current="page">Announcements</a>' in page
    assert "A-SEEDED" in page and "A-STALLED" in page
    assert SCRIPT_TITLE not in page and "&lt;script&gt;alert(&#34;title&#34;)" in page
    status, page = await site.get("/dashboard/announcements/A-SEEDED")
    assert status == 200
    unread = re.findall(r'<tr><th scope="row">([^<]+)</th>', page.split('id="unread"')[1])
    assert sorted(unread) == ["Emma Six", "Hal Handler", "Mona Manager", "Ray Three", "Rob Two"]
    acked = await one(
        site, "SELECT count(*) FROM announcement_ack WHERE announcement_id = 'A-SEEDED'"
    )
    delivered = await one(
        site,
        "SELECT count(*) FROM announcement_recipient WHERE announcement_id = 'A-SEEDED' "
        "AND state = 'delivered'",
    )
    status, csv = await site.get("/dashboard/announcements/A-SEEDED/delivery.csv")
    assert status == 200
    assert csv.splitlines() == [
        "status,recipients,share",
        f"Delivered,{delivered},1.000",
        "Waiting,0,0.000",
        f"Acknowledged,{acked},{acked / delivered:.3f}",
    ]
    status, csv = await site.get("/dashboard/announcements/A-SEEDED/recipients.csv")
    lines = csv.splitlines()
    assert lines[0].startswith("name,email,department,platform,state")
    assert len(lines) == 1 + delivered
    assert "'<script>" not in csv and "<script>alert" in csv  # plain text, not a formula
    status, _ = await site.get("/dashboard/announcements/A-NOSUCH")
    assert status == 404


async def test_compose_preview_send_and_cancel(site: Site) -> None:
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/announcements/new")
    assert status == 200 and 'name="audience" value="Sales"' in page
    token = csrf(page)
    status, page = await site.post(
        "/dashboard/announcements", {"csrf": token, "summary": "x", "audience": "Sales"}
    )
    assert status == 400 and "Give the announcement a title." in page
    assert await one(site, "SELECT count(*) FROM announcement") == 2  # nothing stored
    form = {
        "csrf": token, "title": "Offsite <b>posts</b>", "summary": "Tag #offsite.",
        "version": "none", "ack": "yes", "when": "",
    }  # fmt: skip
    async with site.http.post(
        site.url + "/dashboard/announcements",
        data=[*form.items(), ("audience", "Sales"), ("audience", "People")],
        allow_redirects=False,
    ) as response:
        assert response.status == 303
        where = response.headers["Location"]
    announcement_id = where.split("/")[-1].split("?")[0]
    status, page = await site.get(where)
    assert "Draft saved." in page and "Offsite &lt;b&gt;posts&lt;/b&gt;" in page
    people = await one(site, "SELECT count(*) FROM person WHERE department IN ('Sales', 'People')")
    assert f'<dd id="head-count">{people} people' in page
    assert f"Send now to {people} people" in page
    row = "SELECT status FROM announcement WHERE id = :a"
    assert await one(site, row, a=announcement_id) == "draft"
    status, page = await site.post(
        f"/dashboard/announcements/{announcement_id}/send", {"csrf": token}
    )
    assert "Confirmed" in page
    assert await one(site, row, a=announcement_id) == "scheduled"
    status, page = await site.post(
        f"/dashboard/announcements/{announcement_id}/cancel", {"csrf": token}
    )
    assert "Cancelled. Nothing was sent." in page
    assert await one(site, row, a=announcement_id) == "cancelled"
    status, page = await site.post(
        f"/dashboard/announcements/{announcement_id}/send", {"csrf": token}
    )
    assert "has moved on" in page
    assert await one(site, row, a=announcement_id) == "cancelled"


async def test_no_session_wrong_role_and_missing_token(site: Site) -> None:
    for path in ("/dashboard/announcements", "/dashboard/announcements/A-SEEDED"):
        async with site.http.get(site.url + path, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/dashboard/sign-in"
    await site.sign_in("mona@example.com")
    for path in (
        "/dashboard/announcements",
        "/dashboard/announcements/new",
        "/dashboard/announcements/A-SEEDED",
        "/dashboard/announcements/A-SEEDED/recipients.csv",
    ):
        status, page = await site.get(path)
        assert status == 403 and "hr role" in page
    await site.sign_in("hana@example.com")
    status, _ = await site.post("/dashboard/announcements/A-STALLED/cancel", {"csrf": "wrong"})
    assert status == 403
    status, _ = await site.post("/dashboard/announcements", {"title": "x", "summary": "y"})
    assert status == 403
    assert await one(site, "SELECT status FROM announcement WHERE id = 'A-STALLED'") == "scheduled"
