"""HR writes a quick poll on the Surveys page (checked as content/surveys.yaml is), people
answer it in chat, and its results keep the threshold HR set (never below the installation's).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from bot.dispatch import handle
from bot.messages import Action, ConversationRef, Form, Submission, UserRef
from tests.e2e.web.conftest import Site, csrf

POLL = {
    "title": "Team <b>offsite</b> poll",
    "intro": "Two questions.",
    "q1-text": "Where should the offsite be?",
    "q1-kind": "single",
    "q1-options": "Lisbon, Berlin, Online",
    "q1-required": "yes",
    "q2-text": "Anything else?",
    "q2-kind": "text",
    "threshold": "6",
    "comment_threshold": "10",
    "audience": "everyone",
    "starts": "0",
    "days": "7",
}


async def rows(site: Site, query: str) -> list[tuple[Any, ...]]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [tuple(r) for r in (await conn.execute(text(query))).all()]


async def answer(site: Site, email: str, campaign_id: str, where: str) -> None:
    user = UserRef("console", email)
    dm = ConversationRef("console", email)
    (form,) = await handle(site.services.deps, Action(user, dm, "survey_take", campaign_id))
    assert isinstance(form, Form) and [f.name for f in form.fields] == ["q1", "q2"]
    fields = {"q1": where, "q2": ""}
    await handle(site.services.deps, Submission(user, dm, "survey_answer", fields, campaign_id))


async def test_hr_writes_a_poll_people_answer_it_and_its_threshold_holds(site: Site) -> None:
    page = await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/surveys")
    assert 'href="/dashboard/surveys/write"' in page
    status, form = await site.get("/dashboard/surveys/write")
    assert status == 200 and 'value="5"' in form  # the installation's minimum, to start from
    wrong = {
        **POLL,
        "csrf": csrf(form),
        "q1-options": "Lisbon",
        "threshold": "2",
        "days": "0",
        "q2-text": "",
    }
    status, again = await site.post("/dashboard/surveys/write", wrong)
    assert status == 400 and "Nothing was opened" in again
    for problem in ("at least two options", "from 5 (the minimum)", "from 1 to 90"):
        assert problem in again, problem
    assert 'value="Where should the offsite be?"' in again  # what HR typed is kept
    assert await rows(site, "SELECT id FROM survey_campaign WHERE definition IS NOT NULL") == []
    status, page = await site.post("/dashboard/surveys/write", {**POLL, "csrf": csrf(form)})
    assert status == 200 and "The survey is open" in page
    assert "Team &lt;b&gt;offsite&lt;/b&gt; poll" in page
    ((campaign_id, survey_id, definition),) = await rows(
        site, "SELECT id, survey_id, definition FROM survey_campaign WHERE definition IS NOT NULL"
    )
    written = json.loads(definition)
    assert survey_id == written["id"] and written["threshold"] == 6
    assert [q["kind"] for q in written["questions"]] == ["single", "text"]
    assert written["questions"][0]["options"] == ["Lisbon", "Berlin", "Online"]
    # Everyone in the directory was invited at once (it opens today).
    people = len(await rows(site, "SELECT id FROM person"))
    assert len(await rows(site, "SELECT id FROM outbox")) >= people

    emails = ["r1", "r2", "r3", "e4", "e5", "e6"]
    for n, who in enumerate(emails[:5]):
        await answer(site, f"{who}@example.com", campaign_id, ("Lisbon", "Berlin")[n % 2])
    status, page = await site.get(f"/dashboard/surveys/{campaign_id}")
    assert status == 200 and "Results appear once 6 people have answered" in page
    assert "Lisbon" not in page.split('id="hidden"')[1]  # five answers: nothing shown
    await answer(site, "e6@example.com", campaign_id, "Online")
    status, page = await site.get(f"/dashboard/surveys/{campaign_id}")
    assert 'id="hidden"' not in page
    status, body = await site.get(f"/dashboard/surveys/{campaign_id}/q1.csv")
    assert status == 200
    counted = dict(line.split(",")[:2] for line in body.strip().splitlines()[1:])
    assert counted == {"Lisbon": "3", "Berlin": "2", "Online": "1"}


async def test_only_hr_writes_a_survey(site: Site) -> None:
    page = await site.sign_in("mona@example.com")  # a manager
    status, refused = await site.get("/dashboard/surveys/write")
    assert status == 403 and "hr role" in refused
    status, refused = await site.post("/dashboard/surveys/write", {**POLL, "csrf": csrf(page)})
    assert status == 403
    await site.sign_in("hana@example.com")
    status, _ = await site.post("/dashboard/surveys/write", {**POLL, "csrf": "wrong"})
    assert status == 403
    assert await rows(site, "SELECT id FROM survey_campaign WHERE definition IS NOT NULL") == []
