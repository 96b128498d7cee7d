"""The training page over HTTP: its figures and CSV files against the database, a manager's
team only, HR setting the required modules (the chat's choice too), and the refusals."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.dispatch import handle
from bot.messages import Action, ConversationRef, Form, UserRef
from tests.dump import changes, dump
from tests.e2e.web.conftest import Site, csrf
from tests.e2e.web.seed import SCRIPT_DEPT

COMPLETION = (
    "SELECT coalesce(p.department, '(none)'), count(a.person_id), count(*) FROM person p "
    "LEFT JOIN attestation a ON a.person_id = p.id AND a.version = :v {where} "
    "GROUP BY p.department"
)
MISSED = (
    "SELECT question_id, sum(CASE WHEN correct THEN 0 ELSE 1 END), count(*) FROM quiz_answer "
    "{where} GROUP BY question_id HAVING count(*) >= 5"
)
OVERDUE = (
    "SELECT p.display_name FROM person p WHERE p.id NOT IN "
    "(SELECT person_id FROM attestation WHERE version = :v) {where}"
)


async def rows(site: Site, query: str, **params: Any) -> list[tuple[Any, ...]]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [tuple(r) for r in (await conn.execute(text(query), params)).all()]


def table(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def shares(found: list[tuple[Any, ...]]) -> list[list[str]]:
    """Rows of (label, part, whole) as the CSV writes them."""
    return sorted([str(k), str(n), str(w), f"{n / w:.3f}"] for k, n, w in found)


def overdue_names(page: str) -> list[str]:
    part = page.split('id="overdue"')[1].split("</table>")[0]
    return sorted(re.findall(r'<tr><th scope="row">([^<]+)</th>', part))


async def test_hr_sees_figures_that_match_the_database(site: Site) -> None:
    version = site.services.deps.content.current.version
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/training")
    assert status == 200
    assert '<a href="/dashboard/training" aria-current="page">Training</a>' in page
    (attested,) = await rows(site, "SELECT count(*) FROM attestation WHERE version = :v", v=version)
    (people,) = await rows(site, "SELECT count(*) FROM person")
    assert f"{attested[0]} of {people[0]}" in page
    assert SCRIPT_DEPT not in page and "&lt;script&gt;alert(&#34;dept&#34;)" in page
    for key in ("departments", "managers", "missed"):
        assert f'href="/dashboard/training/{key}.csv"' in page
        assert f'aria-labelledby="chart-{key}-alt"' in page
    status, body = await site.get("/dashboard/training/departments.csv")
    assert status == 200
    head, *lines = table(body)
    assert head == ["department", "completed", "out of", "share"]
    assert sorted(lines) == shares(await rows(site, COMPLETION.format(where=""), v=version))
    status, body = await site.get("/dashboard/training/managers.csv")
    head, *lines = table(body)
    by_manager = {row[0]: row[1:3] for row in lines}
    assert by_manager == {"Mona Manager": ["2", "3"], "(none)": ["1", "6"]}
    status, body = await site.get("/dashboard/training/missed.csv")
    head, *lines = table(body)
    assert head == ["question", "missed", "out of", "share"]
    assert sorted(lines) == shares(await rows(site, MISSED.format(where="")))
    assert [line[:3] for line in lines] == [
        ["boundaries-1", "4", "6"],
        ["confidentiality-2", "4", "6"],
    ]
    late = sorted(n for (n,) in await rows(site, OVERDUE.format(where=""), v=version))
    assert overdue_names(page) == late  # the training was due a month after publication
    status, _ = await site.get("/dashboard/training/nothing.csv")
    assert status == 404


async def test_a_manager_sees_only_their_reports(site: Site) -> None:
    version = site.services.deps.content.current.version
    await site.sign_in("mona@example.com")
    status, page = await site.get("/dashboard/training")
    assert status == 200 and "Training: your direct reports" in page
    assert "2 of 3 of your direct reports" in page
    team = "AND p.manager_id = 'mona'"
    late = sorted(n for (n,) in await rows(site, OVERDUE.format(where=team), v=version))
    assert overdue_names(page) == late == ["Rob Two"]
    assert "Emma Six" not in page and "dept" not in page  # nobody else, no other department
    status, body = await site.get("/dashboard/training/departments.csv")
    where = "WHERE p.manager_id = 'mona'"
    assert table(body)[1:] == shares(await rows(site, COMPLETION.format(where=where), v=version))
    status, body = await site.get("/dashboard/training/missed.csv")
    where = "WHERE person_id IN (SELECT id FROM person WHERE manager_id = 'mona')"
    assert table(body)[1:] == shares(await rows(site, MISSED.format(where=where)))
    assert table(body)[1] == ["confidentiality-2", "4", "5", "0.800"]  # not boundaries-1
    assert 'action="/dashboard/training/required"' not in page  # HR's choice
    status, page = await site.post("/dashboard/training/required", {"csrf": csrf(page)})
    assert status == 403 and "hr role" in page


async def test_hr_sets_the_required_modules_as_the_chat_does(
    site: Site, engine: AsyncEngine
) -> None:
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/training")
    modules = site.services.deps.content.quizzes.modules
    assert all(f'value="{m.id}" id="module-{m.id}" checked' in page for m in modules)
    token = csrf(page)
    before = await dump(engine)
    status, page = await site.post("/dashboard/training/required", {"csrf": token})
    assert status == 400 and "Tick at least one module." in page
    assert changes(before, await dump(engine)) == {}
    chosen = [("csrf", token), ("modules", modules[0].id), ("modules", modules[2].id)]
    status, page = await site.post("/dashboard/training/required", chosen)
    assert status == 200 and "Saved: the required modules" in page
    saved = await rows(site, "SELECT modules, set_by FROM training_required")
    assert saved == [(",".join(sorted((modules[0].id, modules[2].id))), "hana")]
    assert f'value="{modules[1].id}" id="module-{modules[1].id}">' in page  # unticked now
    hr = UserRef("slack", "U0HR")
    (form,) = await handle(
        site.services.deps, Action(hr, ConversationRef("slack", "D0HR"), "training_required")
    )
    assert isinstance(form, Form)
    assert [f.initial for f in form.fields] == ["yes", "", "yes", *[""] * (len(modules) - 3)]


async def test_no_session_wrong_role_and_missing_token(site: Site, engine: AsyncEngine) -> None:
    for path in ("/dashboard/training", "/dashboard/training/departments.csv"):
        async with site.http.get(site.url + path, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/dashboard/sign-in"
    await site.sign_in("hal@example.com")  # a handler: neither hr nor a manager
    for path in ("/dashboard/training", "/dashboard/training/departments.csv"):
        status, page = await site.get(path)
        assert status == 403 and "hr or manager role" in page
        assert "Ria One" not in page
    await site.sign_in("hana@example.com")
    before = await dump(engine)
    for data in ({"csrf": "wrong", "modules": "boundaries"}, {"modules": "boundaries"}):
        status, _ = await site.post("/dashboard/training/required", data)
        assert status == 403
    assert changes(before, await dump(engine)) == {}
