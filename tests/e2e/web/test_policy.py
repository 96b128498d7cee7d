"""The policy page over HTTP: versions, the section-by-section comparison and the review date
for every dashboard role, against the content; the review summary for HR only, against the
database, with what staff wrote escaped; the refusals."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import text

from bot.directory import NotAllowed
from bot.dispatch import handle
from bot.features.review import changes, review
from bot.features.review import policy as review_policy
from bot.messages import Card, ConversationRef, Text, UserRef
from tests.e2e.web.conftest import Site

SCRIPT_SUGGESTION = "Say more about <script>alert('s')</script> posts"
SCRIPT_QUESTION = "Can I post <b>this</b>?"


async def rows(site: Site, query: str, **params: Any) -> list[tuple[Any, ...]]:
    async with site.services.store() as uow:
        conn = await uow.session.connection()
        return [tuple(r) for r in (await conn.execute(text(query), params)).all()]


async def staff_input(site: Site) -> None:
    """Three suggestions (one named, two anonymous) and a question the bot could not answer."""
    store, version = site.services.store, site.services.deps.content.current.version
    assert store.cipher is not None
    today = site.clock.now().date()
    async with store() as uow:
        for section, words, who in (
            ("work-time", "Lunch breaks count as personal time?", "r1"),
            ("work-time", "Say what counts as work time.", None),
            ("reporting", SCRIPT_SUGGESTION, None),
        ):
            box = store.cipher.seal(words.encode(), b"suggestion")
            await uow.suggestions.add(section, "change", box, who, today, version)
        await uow.faq_log.unanswered(SCRIPT_QUESTION, today)
        await uow.commit()


def day(value: Any) -> str:
    return f"{value.day} {value:%b %Y}"


async def test_versions_comparison_and_review_date_for_every_role(site: Site) -> None:
    deps = site.services.deps
    d = changes.latest(deps.content)
    assert d is not None
    await staff_input(site)
    for who in ("hana", "mona", "hal"):
        await site.sign_in(f"{who}@example.com")
        status, page = await site.get("/dashboard/policy")
        assert status == 200, who
        assert '<a href="/dashboard/policy" aria-current="page">Policy</a>' in page
        versions = page.split('id="versions"')[1].split("</table>")[0]
        for p in deps.content.policies:
            assert f"<td>{escape(p.meta.title)}</td>" in versions
            assert f"<td>{day(p.meta.published)}</td>" in versions
        assert f"due for review on <strong>{day(review.review_date(deps))}</strong>" in page
        unchanged = len(d.new.sections) - len(d.added) - len(d.reworded)
        assert (
            f"{len(d.added)} added, {len(d.reworded)} reworded,\n    {len(d.removed)} removed; "
            f"{unchanged} unchanged." in page
        )
        for s in d.added:
            assert f"Added: {escape(s.title)}" in page
        for s in d.removed:
            assert f"Removed: {escape(s.title)}" in page
        for s in d.added + d.removed:  # as plain sentences, not the Markdown source
            assert all(f"<li>{escape(x)}</li>" in page for x in changes.sentences(s.body))
        for r in d.reworded:
            assert f"Reworded: {escape(r.section.title)}" in page
            assert all(f"<li>{escape(x)}</li>" in page for x in r.added + r.removed)
        if who == "hana":
            assert "Review summary: version" in page
        else:  # what staff wrote is HR's to read
            assert "Review summary" not in page and "Lunch breaks" not in page
            status, _ = await site.get("/dashboard/policy/suggestions.csv")
            assert status == 404
    status, page = await site.get(f"/dashboard/policy/v{d.new.version}")
    assert status == 200 and f"Version {d.new.version} compared with version" in page
    for missing in (f"v{d.old.version}", "v99"):  # no version before the first; no such one
        status, _ = await site.get(f"/dashboard/policy/{missing}")
        assert status == 404


async def test_hr_reads_the_review_summary_from_the_database(site: Site) -> None:
    await staff_input(site)
    await site.sign_in("hana@example.com")
    status, page = await site.get("/dashboard/policy")
    summary = page.split('id="review"')[1]
    by_section = await rows(site, "SELECT section_id, count(*) FROM suggestion GROUP BY section_id")
    titles = {s.id: s.title for s in site.services.deps.content.current.sections}
    status, body = await site.get("/dashboard/policy/suggestions.csv")
    assert status == 200
    head, *lines = list(csv.reader(io.StringIO(body)))
    assert head == ["section", "suggestions"]
    assert sorted(lines) == sorted([titles[s], str(n)] for s, n in by_section)
    assert f"Suggestions ({sum(n for _, n in by_section)})" in summary
    assert 'Lunch breaks count as personal time?</span> <span class="since">(Ria One)' in summary
    assert summary.count("(anonymous)") == 2
    assert SCRIPT_SUGGESTION not in page and str(escape(SCRIPT_SUGGESTION)) in summary
    assert SCRIPT_QUESTION not in page and str(escape(SCRIPT_QUESTION)) in summary
    missed = await rows(
        site, "SELECT question_id FROM quiz_answer GROUP BY question_id HAVING count(*) >= 5"
    )
    assert all(f'<th scope="row">{q}</th>' in summary for (q,) in missed)
    (answered,) = await rows(
        site, "SELECT count(*) FROM survey_participant WHERE campaign_id = 'c1'"
    )
    assert f"{answered[0]} answered: too few to show results" in summary
    # The chat's review summary is the same summary.
    hr = UserRef("slack", "U0HR")
    (card,) = await handle(
        site.services.deps, Text(hr, ConversationRef("slack", "D0HR"), "review summary")
    )
    assert isinstance(card, Card) and "Suggestions: 3" in card.body


async def test_an_employee_gets_no_policy_page(site: Site) -> None:
    deps = site.services.deps
    async with deps.store() as uow:
        employee = await uow.people.get("e6")
        assert employee is not None
        with pytest.raises(NotAllowed):
            await review_policy.page(deps, uow, employee)
        with pytest.raises(NotAllowed):
            await review.review_summary(deps, uow, employee)
    async with site.http.get(site.url + "/dashboard/policy", allow_redirects=False) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/dashboard/sign-in"
