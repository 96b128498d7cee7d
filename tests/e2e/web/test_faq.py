"""The FAQ page over HTTP: its figures against the database, a question tried on the matcher,
an unanswered question made a phrasing and an answered HR question made an entry (the bot
answers them at once, and no longer once retired), another server taking the change up, and
refusals that store nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.askhr.model import Ticket, TicketStatus
from bot.features.faq import editing
from bot.features.faq.index import FaqIndex
from bot.messages import ConversationRef, Text, UserRef
from tests.e2e.web.conftest import Site, csrf

GAP = "is it fine to stream our team offsite"  # the content answers none of its phrasings


@pytest.fixture
def faq(content: Content) -> FaqIndex:
    """A matcher of this test's own: the page changes it."""
    return FaqIndex(content.faq, content.vocabulary)


async def rows(site: Site, query: str, **params: Any) -> list[tuple[Any, ...]]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [tuple(r) for r in (await conn.execute(text(query), params)).all()]


async def ask(site: Site, question: str) -> str | None:
    """Ask in the console as an employee; the entry the bot answered with, or None."""
    user = UserRef("console", "r1@example.com")
    before = len(await rows(site, "SELECT id FROM faq_answer"))
    await handle(site.services.deps, Text(user, ConversationRef("console", user.id), question))
    found = await rows(site, "SELECT faq_id FROM faq_answer")
    return str(found[-1][0]) if len(found) > before else None


async def log_answers(site: Site) -> None:
    """Answers, votes and unanswered questions, as chat would have logged them."""
    day = site.clock.now().date()
    async with site.services.store() as uow:
        for faq_id, helpful in (
            ("doxxing", False),
            ("doxxing", False),
            ("doxxing", True),
            ("consequences", False),
            ("consequences", None),
        ):
            answer_id = await uow.faq_log.answered(faq_id, 0.9, day)
            if helpful is not None:
                await uow.faq_log.feedback(answer_id, helpful)
        await uow.faq_log.unanswered("can I film the <b>holiday</b> party", day)
        await uow.faq_log.unanswered("2", day)  # not a question: not listed
        await uow.commit()


async def test_the_figures_match_the_database(site: Site) -> None:
    await log_answers(site)
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/faq")
    assert status == 200
    assert '<a href="/dashboard/faq" aria-current="page">FAQ</a>' in page
    counted = await rows(
        site,
        "SELECT faq_id, count(*), sum(CASE WHEN helpful THEN 1 ELSE 0 END), "
        "sum(CASE WHEN helpful = false THEN 1 ELSE 0 END) FROM faq_answer GROUP BY faq_id",
    )
    table = page[page.index('id="topics"') :]
    for faq_id, n, yes, no in counted:
        row = re.search(rf"<code>{faq_id}</code>.*?</tr>", table, re.S)
        assert row, faq_id
        cells = re.findall(r"<td>(\d+)</td>", row.group(0))
        assert cells[:3] == [str(n), str(yes), str(no)], faq_id
    # The chart shows "not helpful" votes, most first, with its figures as a table.
    chart = page[page.index('class="chart"') : page.index('id="topics"')]
    assert chart.index("doxxing") < chart.index("consequences")
    assert "doxxing: 2; consequences: 1." in chart
    # Unanswered questions, escaped; the stray "2" is left out.
    assert "can I film the &lt;b&gt;holiday&lt;/b&gt; party" in page
    assert "<td>2</td><td>" not in page[page.index('id="unanswered"') :]
    # The seeded ticket is open, so no answered questions; the CSV has every entry.
    assert 'id="answered-empty"' in page
    status, body = await site.get("/dashboard/faq/topics.csv")
    lines = body.strip().split("\r\n")
    assert status == 200 and len(lines) == 1 + len(site.services.deps.content.faq)
    assert any(line.startswith("doxxing,") and ",3,1,2," in line for line in lines)


async def test_a_question_tried_shows_the_answer_confidence_and_closest_phrasings(
    site: Site,
) -> None:
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/faq?q=someone+posted+my+home+address+online")
    assert status == 200
    answer = re.search(r'id="trial-answer">(.*?)</dd>', page, re.S)
    assert answer and "<code>doxxing</code>" in answer.group(1)
    assert re.search(r'id="trial-confidence">\d\.\d\d \(lexical matcher\)', page)
    near = page[page.index('id="trial-near"') :]
    assert near.count("<tr><td>") == 3 and "<code>doxxing</code>" in near
    # htmx asks for the trial alone; a plain request for it goes to the whole page.
    headers = {"HX-Request": "true"}
    status, part = await site.get(f"/dashboard/faq/try?q={GAP}", headers=headers)
    assert status == 200 and "<html" not in part and "Nothing: the bot is not sure" in part
    async with site.http.get(
        site.url + "/dashboard/faq/try?q=hello", allow_redirects=False
    ) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/dashboard/faq?q=hello#trial"
    status, page = await site.get("/dashboard/faq?q=%20%20")
    assert status == 200 and 'id="trial-problem"' not in page  # blank: nothing tried
    status, page = await site.get("/dashboard/faq?q=%3F%3F")
    assert status == 200 and "trial-answer" in page  # punctuation only: tried, abstains


async def test_an_unanswered_question_becomes_a_phrasing_and_is_answered_until_retired(
    site: Site,
) -> None:
    assert await ask(site, GAP) is None
    page = await site.sign_in("hana@example.com")
    data = {"csrf": csrf(page), "text": GAP, "faq_id": "colleague-privacy", "source": "unanswered"}
    status, page = await site.post("/dashboard/faq/phrasings", data)
    assert status == 200 and "The phrasing is added" in page
    assert await ask(site, GAP) == "colleague-privacy"
    stored = await rows(site, "SELECT kind, faq_id, text, source, author_id FROM faq_change")
    assert stored == [("phrasing", "colleague-privacy", GAP, "unanswered", "hana")]
    # The same again is refused, saying why, and nothing more is stored.
    status, page = await site.post("/dashboard/faq/phrasings", data)
    assert status == 400 and "already has exactly this phrasing" in page
    status, page = await site.post("/dashboard/faq/phrasings", {**data, "faq_id": "nope"})
    assert status == 400 and "Choose the entry" in page
    assert len(await rows(site, "SELECT id FROM faq_change")) == 1
    # Retired: the bot no longer answers it; the history keeps who did what.
    (change_id,) = (await rows(site, "SELECT id FROM faq_change"))[0]
    status, page = await site.post(
        f"/dashboard/faq/changes/{change_id}/retire", {"csrf": csrf(page)}
    )
    assert status == 200 and "The change is retired" in page
    assert await ask(site, GAP) is None
    history = page[page.index('id="history"') :]
    assert "Hana HR" in history and "Retired by Hana HR" in history
    status, _ = await site.post(f"/dashboard/faq/changes/{change_id}/retire", {"csrf": csrf(page)})
    assert status == 404  # retired already


async def test_an_answered_hr_question_becomes_an_entry_in_one_form(site: Site) -> None:
    question = "Can I livestream the charity run on Twitch?"
    answer = "Yes, from your own account; keep colleagues out of shot unless they agree."
    async with site.services.store() as uow:
        now = site.clock.now()
        ticket = Ticket("t2", "Q-DONE01", "r2", question, TicketStatus.ANSWERED,
                        now - timedelta(days=1), "hana", answer, now)  # fmt: skip
        await uow.tickets.add(ticket)
        await uow.commit()
    page = await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/faq")
    assert "Q-DONE01" in page and 'href="/dashboard/faq/new?ticket=Q-DONE01"' in page
    status, form = await site.get("/dashboard/faq/new?ticket=Q-DONE01")
    assert status == 200 and f'value="{question}"' in form and answer in form
    fields = {
        "csrf": csrf(form),
        "source": "ticket Q-DONE01",
        "id": "charity-streams",
        "question": question,
        "answer": answer,
        "section": "",
        "phrasings": "may I stream the fun run\n",
    }
    # Wrong: the form again with every problem, the values kept, nothing stored.
    status, again = await site.post("/dashboard/faq/entries", fields)
    assert status == 400 and "Nothing was saved" in again
    assert "Choose the section" in again and "at least three" in again
    assert "may I stream the fun run" in again
    assert await rows(site, "SELECT id FROM faq_change") == []
    fields |= {
        "section": "personal-use",
        "phrasings": "\n".join(
            (
                "may I stream the fun run",
                "live video of a charity race",
                "streaming a sponsored run",
            )
        ),
    }
    status, page = await site.post("/dashboard/faq/entries", fields)
    assert status == 200 and "The entry is added" in page
    assert await ask(site, "can I live stream a charity race") == "charity-streams"
    stored = await rows(site, "SELECT kind, faq_id, section, source FROM faq_change")
    assert stored == [("entry", "charity-streams", "personal-use", "ticket Q-DONE01")]
    status, body = await site.get("/dashboard/faq/changes.yaml")
    assert status == 200 and "id: charity-streams" in body and "streaming a sponsored run" in body
    fields["id"] = "charity-streams"
    status, again = await site.post("/dashboard/faq/entries", fields)
    assert status == 400 and "already has this id" in again


async def test_another_server_takes_a_change_up_at_its_next_round(
    site: Site, content: Content
) -> None:
    other = Deps(
        content,
        FaqIndex(content.faq, content.vocabulary),
        site.services.store,
        site.clock,
        site.services.deps.cipher,
    )
    async with other.store() as uow:
        assert await editing.refresh(other, uow) == 1  # its first look: nothing to add
    page = await site.sign_in("hana@example.com")
    data = {"csrf": csrf(page), "text": GAP, "faq_id": "colleague-privacy"}
    await site.post("/dashboard/faq/phrasings", data)
    assert other.faq.match(GAP).faq_id is None
    async with other.store() as uow:
        assert await editing.refresh(other, uow) == 1
        assert await editing.refresh(other, uow) == 0  # up to date: nothing rebuilt
    assert other.faq.match(GAP).faq_id == "colleague-privacy"


async def test_no_session_wrong_role_and_missing_token_store_nothing(site: Site) -> None:
    for path in ("/dashboard/faq", "/dashboard/faq/new", "/dashboard/faq/topics.csv"):
        async with site.http.get(site.url + path, allow_redirects=False) as response:
            assert response.status == 303
            assert response.headers["Location"] == "/dashboard/sign-in"
    page = await site.sign_in("mona@example.com")  # a manager: no FAQ page
    for path in (
        "/dashboard/faq",
        "/dashboard/faq?q=doxxing",
        "/dashboard/faq/new",
        "/dashboard/faq/new?ticket=Q-WAIT01",
        "/dashboard/faq/changes.yaml",
    ):
        status, refused = await site.get(path)
        assert status == 403 and "hr role" in refused, path
    data = {"csrf": csrf(page), "text": GAP, "faq_id": "colleague-privacy"}
    entry = {"csrf": csrf(page), "id": "mine", "question": GAP, "section": "personal-use"}
    for path, form in (
        ("/dashboard/faq/phrasings", data),
        ("/dashboard/faq/entries", entry),
        ("/dashboard/faq/changes/abc123/retire", {"csrf": csrf(page)}),
    ):
        status, refused = await site.post(path, form)
        assert status == 403 and "hr role" in refused, path
    await site.sign_in("hana@example.com")
    status, _ = await site.post("/dashboard/faq/phrasings", {**data, "csrf": "wrong"})
    assert status == 403
    assert await rows(site, "SELECT id FROM faq_change") == []
    assert await ask(site, GAP) is None
