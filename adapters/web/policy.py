"""The policy page: its versions, what changed section by section, the review date and, for
HR, the review summary (suggestions by section as a chart with its table and CSV)."""

from __future__ import annotations

from aiohttp import web

from adapters.web import render
from adapters.web.charts import Chart
from adapters.web.security import view
from bot.deps import Deps
from bot.features.review import policy as review_policy
from bot.features.review.policy import PolicyPage
from bot.features.review.review import Review
from bot.model import Person
from bot.ports import UnitOfWork


def suggestions_chart(p: PolicyPage, r: Review) -> Chart:
    """Suggestions since publication, by the section they are about."""
    rows = tuple(
        (p.titles.get(section_id, section_id), len(items))
        for section_id, items in sorted(r.inputs.by_section.items())
    )
    return Chart("suggestions", "Suggestions by section", "Section", "suggestions", rows)


def _version(request: web.Request) -> int | None:
    found = request.match_info.get("version")
    return int(found) if found else None


async def _build(request: web.Request) -> PolicyPage:
    version = _version(request)

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> PolicyPage:
        return await review_policy.page(deps, uow, person, version)

    return await view(request, build)


async def page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/policy, /dashboard/policy/v{n}: version n against the one before."""
    p = await _build(request)
    chart = suggestions_chart(p, p.review) if p.review and p.review.inputs.by_section else None
    context = {"p": p, "chart": chart, "viewer": p.viewer, "path": "/dashboard/policy"}
    return await render.page(request, "policy.html", context)


async def suggestions_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/policy/suggestions.csv: the chart's figures (HR)."""
    p = await _build(request)
    if p.review is None:
        raise web.HTTPNotFound()
    return render.download("policy-suggestions.csv", suggestions_chart(p, p.review).csv())


def routes(app: web.Application) -> None:
    """Mount the policy page on the dashboard's application."""
    app.router.add_get("/policy", page)
    app.router.add_get("/policy/v{version:[0-9]{1,3}}", page)
    app.router.add_get("/policy/suggestions.csv", suggestions_csv)
