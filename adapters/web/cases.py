"""The cases pages: a handler's queue, one case, and the forms that act on it.

Every form posts (with its token) and is answered with a redirect to the case's page
(post-redirect-get), whose `done` or `problem` parameter says what happened.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.web import render
from adapters.web.security import form, view
from bot.deps import Deps
from bot.features.reports import actions, book
from bot.features.reports.actions import OUTCOMES
from bot.features.reports.model import Case
from bot.model import Person
from bot.ports import UnitOfWork

REF = "{ref:[Rr]-[A-Za-z0-9]{6}}"
DONE = {
    "acknowledged": "The report is acknowledged; a confidential reporter has been told.",
    "assigned": "The case is assigned.",
    "messaged": "Your message is sent. An anonymous reporter reads it when they next follow up.",
    "resolved": "The case is resolved.",
}
PROBLEMS = {
    "message": "Please write a message.",
    "outcome": "Choose an outcome.",
    "assignee": "Choose one of this case's handlers.",
}
Change = Callable[[Deps, UnitOfWork, Person, str], Awaitable[Case | None]]


async def queue_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/cases: the viewer's unresolved cases with their clocks."""
    q = await view(request, book.queue)
    return await render.page(request, "cases.html", {"q": q, "viewer": q.viewer})


async def case_page(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/cases/{ref}: the case, for its handlers (the read is audited)."""
    ref = request.match_info["ref"]

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> book.CaseView:
        return await book.open_case(deps, uow, person, ref)

    c = await view(request, build)
    context = {
        "c": c,
        "viewer": c.viewer,
        "outcomes": OUTCOMES,
        "done": DONE.get(request.query.get("done", ""), ""),
        "problem": PROBLEMS.get(request.query.get("problem", ""), ""),
    }
    return await render.page(request, "case.html", context)


async def _change(
    request: web.Request, done: str, make: Callable[[dict[str, str]], Change]
) -> web.StreamResponse:
    """Run one change on the case in one unit of work, then back to the case's page."""
    change = make(await form(request))
    ref = request.match_info["ref"].upper()

    async def build(deps: Deps, uow: UnitOfWork, person: Person) -> str:
        found = await change(deps, uow, person, await book.case_id(uow, ref))
        if found is None:
            raise book.NotYours(ref)
        return done

    try:
        outcome = await view(request, build)
    except actions.Invalid as invalid:
        raise web.HTTPSeeOther(f"/dashboard/cases/{ref}?problem={invalid.field}") from None
    raise web.HTTPSeeOther(f"/dashboard/cases/{ref}?done={outcome}")


async def acknowledge(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/cases/{ref}/acknowledge."""
    return await _change(request, "acknowledged", lambda fields: actions.acknowledge)


async def assign(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/cases/{ref}/assign: to the handler chosen (by default the viewer)."""

    def make(fields: dict[str, str]) -> Change:
        async def change(deps: Deps, uow: UnitOfWork, person: Person, case_id: str) -> Case | None:
            to = fields.get("assignee") or None
            return await actions.assign(deps, uow, person, case_id, to)

        return change

    return await _change(request, "assigned", make)


async def message(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/cases/{ref}/message: a message to the reporter."""

    def make(fields: dict[str, str]) -> Change:
        async def change(deps: Deps, uow: UnitOfWork, person: Person, case_id: str) -> Case | None:
            return await actions.message(deps, uow, person, case_id, fields.get("message", ""))

        return change

    return await _change(request, "messaged", make)


async def resolve(request: web.Request) -> web.StreamResponse:
    """POST /dashboard/cases/{ref}/resolve: close it with an outcome and a note."""

    def make(fields: dict[str, str]) -> Change:
        async def change(deps: Deps, uow: UnitOfWork, person: Person, case_id: str) -> Case | None:
            outcome, note = fields.get("outcome", ""), fields.get("note", "")
            return await actions.resolve(deps, uow, person, case_id, outcome, note)

        return change

    return await _change(request, "resolved", make)


def routes(app: web.Application) -> None:
    """Mount the cases pages on the dashboard's application."""
    app.router.add_get("/cases", queue_page)
    app.router.add_get(f"/cases/{REF}", case_page)
    app.router.add_post(f"/cases/{REF}/acknowledge", acknowledge)
    app.router.add_post(f"/cases/{REF}/assign", assign)
    app.router.add_post(f"/cases/{REF}/message", message)
    app.router.add_post(f"/cases/{REF}/resolve", resolve)
