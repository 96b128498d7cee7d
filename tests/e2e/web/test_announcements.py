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


async def outbox_rows(site: Site) -> int:
    return int(await one(site, "SELECT count(*) FROM outbox"))


async def test_remind_now_reminds_those_who_have_not_acknowledged_once_a_day(site: Site) -> None:
    page = await site.sign_in("hana@example.com")
    unread = await one(
        site,
        "SELECT count(*) FROM announcement_recipient r WHERE r.announcement_id = 'A-SEEDED' "
        "AND r.state = 'delivered' AND r.person_id NOT LIKE '#%' AND r.person_id NOT IN "
        "(SELECT person_id FROM announcement_ack WHERE announcement_id = 'A-SEEDED')",
    )
    before = await outbox_rows(site)
    status, page = await site.post("/dashboard/announcements/A-SEEDED/remind", {"csrf": csrf(page)})
    assert status == 200 and f"Reminded {unread} people" in page
    assert await outbox_rows(site) == before + unread  # one sealed reminder each, to deliver
    reminded = "SELECT sum(reminders) FROM announcement_recipient WHERE announcement_id = :a"
    assert await one(site, reminded, a="A-SEEDED") == unread
    status, page = await site.post("/dashboard/announcements/A-SEEDED/remind", {"csrf": csrf(page)})
    assert "Reminded nobody" in page  # not twice within a day
    assert await outbox_rows(site) == before + unread
    site.clock.advance(hours=24)
    status, page = await site.post("/dashboard/announcements/A-SEEDED/remind", {"csrf": csrf(page)})
    assert f"Reminded {unread} people" in page
    # One that has not gone out has nobody to remind.
    status, page = await site.post(
        "/dashboard/announcements/A-STALLED/remind", {"csrf": csrf(page)}
    )
    assert "has moved on" in page


async def test_a_correction_changes_the_text_and_the_revision(site: Site) -> None:
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/announcements/A-SEEDED")
    assert 'href="/dashboard/announcements/A-SEEDED/correct"' in page
    status, page = await site.get("/dashboard/announcements/A-SEEDED/correct")
    assert status == 200 and "&lt;script&gt;" in page  # the seeded title, escaped, to edit
    row = "SELECT title, revision FROM announcement WHERE id = 'A-SEEDED'"
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        title, revision = (await conn.execute(text(row))).one()
    bad = {"csrf": csrf(page), "title": "", "summary": "Still here.", "link": "ftp://x"}
    status, again = await site.post("/dashboard/announcements/A-SEEDED/correct", bad)
    assert status == 400 and "Give the announcement a title." in again and "https://" in again
    assert "Still here." in again  # what HR typed is kept
    good = {**bad, "title": "Corrected title", "link": "https://intranet.example/policy"}
    status, page = await site.post("/dashboard/announcements/A-SEEDED/correct", good)
    assert status == 200 and "Corrected: delivered messages are being updated" in page
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        assert tuple((await conn.execute(text(row))).one()) == ("Corrected title", revision + 1)
    assert title != "Corrected title"
    assert "Corrected title (corrected)" in page  # the preview as recipients now see it


async def test_the_compose_preview_shows_both_platforms_and_stores_nothing(site: Site) -> None:
    page = await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/announcements/new")
    assert 'hx-post="/dashboard/announcements/preview"' in page
    fields = {
        "csrf": csrf(page), "title": "New <i>rules</i>", "summary": "Read them.",
        "link": "javascript:alert(1)", "version": "none", "ack": "yes", "audience": "Sales",
    }  # fmt: skip
    status, part = await site.post(
        "/dashboard/announcements/preview", fields, headers={"HX-Request": "true"}
    )
    assert status == 200 and "<html" not in part
    assert "Slack" in part and "Microsoft Teams" in part
    assert part.count("New &lt;i&gt;rules&lt;/i&gt;") == 2 and "javascript:" not in part
    sales = await one(site, "SELECT count(*) FROM person WHERE department = 'Sales'")
    assert f"To {sales} people in the directory. Still to fix: link." in part
    assert await one(site, "SELECT count(*) FROM announcement") == 2  # nothing stored


async def test_acknowledgements_over_time_and_live_figures(site: Site) -> None:
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/announcements/A-SEEDED")
    assert "Acknowledged so far, by day" in page
    assert 'hx-trigger="every 5s"' not in page  # sent: its figures no longer move on their own
    acked = await one(
        site, "SELECT count(*) FROM announcement_ack WHERE announcement_id = 'A-SEEDED'"
    )
    status, body = await site.get("/dashboard/announcements/A-SEEDED/acknowledged.csv")
    assert status == 200 and body.splitlines()[0] == "day,people,share"
    assert body.splitlines()[-1].split(",")[1] == str(acked)  # cumulative: all of them
    status, page = await site.get("/dashboard/announcements/A-STALLED")
    assert 'hx-trigger="every 5s"' in page and 'hx-select="#live"' in page


async def test_remind_correct_and_preview_are_hr_only(site: Site) -> None:
    page = await site.sign_in("mona@example.com")  # a manager
    token = csrf(page)
    before = await outbox_rows(site)
    for path, data in (
        ("/dashboard/announcements/A-SEEDED/remind", {"csrf": token}),
        ("/dashboard/announcements/A-SEEDED/correct", {"csrf": token, "title": "Mine"}),
        ("/dashboard/announcements/preview", {"csrf": token, "title": "Mine"}),
    ):
        status, refused = await site.post(path, data)
        assert status == 403 and "hr role" in refused, path
    status, refused = await site.get("/dashboard/announcements/A-SEEDED/correct")
    assert status == 403
    assert await outbox_rows(site) == before
    assert await one(site, "SELECT revision FROM announcement WHERE id = 'A-SEEDED'") == 1
