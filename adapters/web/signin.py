"""Signing in with a one-time link from chat, and signing out.

Opening the link shows a page with a *Sign in* button; only pressing it spends the link, so
a link preview or a mail scanner fetching it cannot use it up (or sign anyone in).
"""

from __future__ import annotations

from aiohttp import web

from adapters.web import render, session
from adapters.web.security import DEPS, SIGN_IN, form
from bot.features.dashboard import dashboard

NOTES = {
    "signed-out": "You are signed out.",
    "expired": "Your session ended after 30 minutes without activity. Sign in again.",
}
SPENT = (
    "That link has already been used or has expired (links work once, for 10 minutes). "
    "Type dashboard to Policy Bot for a new one."
)


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    """How to get a link; what happened, when the visitor was sent here."""
    if await session.signed_in(request) is not None:
        raise web.HTTPSeeOther("/dashboard")
    note = NOTES.get(request.query.get("note", ""), "")
    return await render.page(request, "signin.html", {"note": note, "problem": ""})


async def confirm_page(request: web.Request) -> web.StreamResponse:
    """The page a link opens: one button that signs in (the link is not spent yet)."""
    token = request.match_info["token"]
    return await render.page(request, "confirm.html", {"token": token})


async def sign_in(request: web.Request) -> web.StreamResponse:
    """The button on the link's page: the link is spent, and its person signed in."""
    fields = await form(request)
    person_id = await dashboard.sign_in(request.config_dict[DEPS], fields.get("token", ""))
    if person_id is None:
        context = {"note": "", "problem": SPENT}
        return await render.page(request, "signin.html", context, status=403)
    await session.start(request, person_id)
    raise web.HTTPSeeOther("/dashboard")


async def sign_out(request: web.Request) -> web.StreamResponse:
    """Sign out (a form with its token, so no other site can sign anyone out)."""
    await form(request)
    await session.end(request)
    raise web.HTTPSeeOther(SIGN_IN + "?note=signed-out")


def routes(app: web.Application) -> None:
    """Mount the sign-in routes on the dashboard's application."""
    app.router.add_get("/sign-in", sign_in_page)
    app.router.add_get("/sign-in/{token}", confirm_page)
    app.router.add_post("/sign-in", sign_in)
    app.router.add_post("/sign-out", sign_out)
