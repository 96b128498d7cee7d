"""The stories page (HR): the moderation queue (approve, or decline with a reason the author
reads) and the recognition rounds (open one, close one early, each one's votes as a chart).

What people wrote is shown as text, never as markup, and their links are not made clickable.
Forms post with their token and answer with a redirect whose `done` or `problem` says what
happened.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.web import render
from adapters.web.charts import Chart
from adapters.web.security import form, view
from bot.deps import Deps
from bot.features.stories import admin
from bot.features.stories.admin import RoundView
from bot.model import Person
from bot.ports import UnitOfWork

STORY = "{id:[Ss]-[A-Za-z0-9]{6}}"
ROUND = "{id:[Rr]-[A-Za-z0-9]{6}}"
DONE = {
    "approved": "Approved. The author has been told.",
    "declined": "Declined. The author has been told why.",
    "opened": "The round is open: everyone is being invited to vote.",
    "closed": "The round is closed; a winner is announced to everyone.",
}
PROBLEMS = {
    "decided": admin.DECIDED,
    "reason": "Say why, kindly: the author reads the reason. Nothing was changed.",
    "days": "Voting is open from 1 to 31 days. Nothing was opened.",
    "entries": "A round needs at least two approved stories that may be shown.",
    "closed": "That round is already closed.",
}
Change = Callable[[Deps, UnitOfWork, Person], Awaitable[object]]


def votes_chart(r: RoundView) -> Chart:
    """A round's votes per entry."""
    rows = tuple((e.title, e.votes) for e in r.entries)
    return Chart(f"votes-{r.round.id.lower()}", f"Votes in \u201c{r.round.title}\u201d", "Story",
                 "votes", rows, whole=r.votes or None)  # fmt: skip


async def page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/stories."""
    b = await view(request, admin.board)
    context = {
        "b": b,
        "viewer": b.viewer,
        "charts": {r.round.id: votes_chart(r) for r in b.rounds},
        "done": DONE.get(request.query.get("done", ""), ""),
        "problem": PROBLEMS.get(request.query.get("problem", ""), ""),
    }
    return await render.page(request, "stories.html", context)


async def _act(request: web.Request, done: str, change: Change) -> web.StreamResponse:
    """Run one change; back to the page, saying what happened."""

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> str:
        try:
            await change(deps, uow, person)
        except admin.Invalid as invalid:
            return invalid.field
        except admin.Refused as refused:
            return next((k for k, v in PROBLEMS.items() if v == str(refused)), "decided")
        return ""

    problem = await view(request, build)
    raise web.HTTPSeeOther(
        f"/dashboard/stories?problem={problem}" if problem else f"/dashboard/stories?done={done}"
    )


async def approve(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/stories/{id}/approve."""
    await form(request)
    story_id = request.match_info["id"].upper()

    async def change(deps: Deps, uow: UnitOfWork, person: Person) -> object:
        return await admin.approve(deps, uow, person, story_id)

    return await _act(request, "approved", change)


async def decline(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/stories/{id}/decline: with the reason the author reads."""
    fields = await form(request)
    story_id = request.match_info["id"].upper()

    async def change(deps: Deps, uow: UnitOfWork, person: Person) -> object:
        return await admin.decline(deps, uow, person, story_id, fields.get("reason", ""))

    return await _act(request, "declined", change)


async def open_round(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/stories/rounds: a new recognition round."""
    fields = await form(request)

    async def change(deps: Deps, uow: UnitOfWork, person: Person) -> object:
        title, days = fields.get("title", ""), fields.get("days", "")
        return await admin.open_round(deps, uow, person, title, days)

    return await _act(request, "opened", change)


async def close_round(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/stories/rounds/{id}/close: before its time."""
    await form(request)
    round_id = request.match_info["id"].upper()

    async def change(deps: Deps, uow: UnitOfWork, person: Person) -> object:
        return await admin.close_round(deps, uow, person, round_id)

    return await _act(request, "closed", change)


async def votes_csv(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/stories/rounds/{id}/votes.csv: one round's chart."""
    b = await view(request, admin.board)
    found = next((r for r in b.rounds if r.round.id == request.match_info["id"].upper()), None)
    if found is None:
        raise web.HTTPNotFound()
    return render.download(f"{found.round.id}-votes.csv", votes_chart(found).csv())


def routes(app: web.Application) -> None:
    """Mount the stories page on the dashboard's application."""
    app.router.add_get("/stories", page)
    app.router.add_post(f"/stories/{STORY}/approve", approve)
    app.router.add_post(f"/stories/{STORY}/decline", decline)
    app.router.add_post("/stories/rounds", open_round)
    app.router.add_post(f"/stories/rounds/{ROUND}/close", close_round)
    app.router.add_get(f"/stories/rounds/{ROUND}/votes.csv", votes_csv)
