"""The cases pages over HTTP: the queue, a case opened by its handler only, and the forms
that acknowledge, assign, message and resolve it, each checked against the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.e2e.web.conftest import Site, csrf

SIGNED_OUT = "The dashboard has no passwords"


async def rows(site: Site, query: str, **params: Any) -> list[tuple[Any, ...]]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        result = await conn.execute(text(query), params)
        return [tuple(r) for r in result.all()]


async def audit(site: Site, case_id: str) -> list[tuple[str, str]]:
    found = await rows(site, "SELECT actor, action FROM case_audit WHERE case_id = :c", c=case_id)
    return sorted((str(a), str(b)) for a, b in found)


async def case(site: Site, case_id: str) -> tuple[Any, ...]:
    return (
        await rows(
            site,
            "SELECT status, assignee_id, outcome, first_feedback_at FROM report_case WHERE id = :c",
            c=case_id,
        )
    )[0]


async def test_the_queue_lists_the_handlers_unresolved_cases_with_clocks_and_no_content(
    site: Site,
) -> None:
    await site.sign_in("hal@example.com")
    status, page = await site.get("/dashboard/cases")
    assert status == 200
    assert '<a href="/dashboard/cases" aria-current="page">Cases</a>' in page
    assert page.index("R-CRIT01") < page.index("R-HIGH01")  # soonest deadline first
    assert "R-NORM01" not in page  # excluded
    assert "R-DONE01" not in page  # resolved
    assert "<strong>Overdue</strong>" in page
    assert "secret content" not in page
    assert await audit(site, "k1") == []  # a queue is not a read of any case


async def test_a_handler_reads_the_case_and_the_read_is_audited(site: Site) -> None:
    await site.sign_in("hal@example.com")
    status, page = await site.get("/dashboard/cases/R-CRIT01")
    assert status == 200
    assert "secret content" in page
    assert "<h1>Report R-CRIT01" in page
    await site.get("/dashboard/cases/r-crit01")  # typed in any case
    assert await audit(site, "k1") == [("hal", "read"), ("hal", "read")]


async def test_an_excluded_handler_and_a_non_handler_are_refused_and_audited(site: Site) -> None:
    page = await site.sign_in("hal@example.com")
    status, refused = await site.get("/dashboard/cases/R-NORM01")
    assert status == 403
    assert "open only to its handlers" in refused and "secret content" not in refused
    status, _ = await site.post("/dashboard/cases/R-NORM01/acknowledge", {"csrf": csrf(page)})
    assert status == 403
    assert (await case(site, "k3"))[0] == "open"
    assert await audit(site, "k3") == [("hal", "refused acknowledged"), ("hal", "refused read")]
    # HR who is not a handler of the case does not read it either.
    await site.sign_in("hana@example.com")
    status, refused = await site.get("/dashboard/cases/R-CRIT01")
    assert status == 403 and "secret content" not in refused
    assert ("hana", "refused read") in await audit(site, "k1")
    status, _ = await site.get("/dashboard/cases/R-NOSUCH")
    assert status == 404


async def test_acknowledge_assign_message_and_resolve_through_the_forms(site: Site) -> None:
    await site.sign_in("hal@example.com")
    _, page = await site.get("/dashboard/cases/R-CRIT01")
    token = csrf(page)
    async with site.http.post(
        site.url + "/dashboard/cases/R-CRIT01/acknowledge", data={"csrf": token},
        allow_redirects=False,
    ) as response:  # fmt: skip
        assert response.status == 303
        assert response.headers["Location"] == "/dashboard/cases/R-CRIT01?done=acknowledged"
    assert (await case(site, "k1"))[0] == "acknowledged"
    status, page = await site.post("/dashboard/cases/R-CRIT01/assign", {"csrf": token})
    assert status == 200 and "The case is assigned." in page
    assert (await case(site, "k1"))[1] == "hal"
    status, page = await site.post(
        "/dashboard/cases/R-CRIT01/assign", {"csrf": token, "assignee": "hana"}
    )
    assert "Choose one of this case&#39;s handlers." in page  # Hana does not handle it
    assert (await case(site, "k1"))[1] == "hal"
    status, page = await site.post("/dashboard/cases/R-CRIT01/message", {"csrf": token})
    assert "Please write a message." in page
    status, page = await site.post(
        "/dashboard/cases/R-CRIT01/message",
        {"csrf": token, "message": "We are on it <script>alert(1)</script>"},
    )
    assert "We are on it &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert (await case(site, "k1"))[3] is not None  # first feedback given
    sealed = await rows(site, "SELECT box FROM case_message WHERE case_id = 'k1'")
    assert len(sealed) == 1 and b"We are on it" not in bytes(sealed[0][0])
    status, page = await site.post(
        "/dashboard/cases/R-CRIT01/resolve", {"csrf": token, "outcome": "nonsense"}
    )
    assert "Choose an outcome." in page and (await case(site, "k1"))[0] == "acknowledged"
    status, page = await site.post(
        "/dashboard/cases/R-CRIT01/resolve",
        {"csrf": token, "outcome": "action-taken", "note": "Closed."},
    )
    assert "The case is resolved." in page and "Resolved: Action taken" in page
    assert (await case(site, "k1"))[:3] == ("resolved", "hal", "action-taken")
    actions = [a for _, a in await audit(site, "k1")]
    for done in ("acknowledged", "assigned to self", "messaged reporter", "resolved", "read"):
        assert done in actions
    assert '<form method="post" action="/dashboard/cases/R-CRIT01/resolve"' not in page


async def test_no_session_wrong_role_and_missing_token(site: Site) -> None:
    for path in ("/dashboard/cases", "/dashboard/cases/R-CRIT01"):
        async with site.http.get(site.url + path, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/dashboard/sign-in"
    status, page = await site.post("/dashboard/cases/R-CRIT01/acknowledge", {})
    assert status == 403  # no session, so no form token either
    await site.sign_in("mona@example.com")  # a manager: no cases page
    status, page = await site.get("/dashboard/cases")
    assert status == 403 and "hr or handler role" in page
    page = await site.sign_in("hal@example.com")
    for data in ({}, {"csrf": "wrong"}):
        status, refused = await site.post("/dashboard/cases/R-CRIT01/acknowledge", data)
        assert status == 403 and "did not come from this dashboard" in refused
    assert (await case(site, "k1"))[0] == "open"
