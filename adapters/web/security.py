"""What every dashboard response gets: strict headers, error pages, form tokens, sign-in.

The headers allow nothing from outside the app itself (scripts, styles, images, frames,
form targets), no referrer (a sign-in link must not leak through one) and no framing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web

from adapters.web import render, session
from bot.deps import Deps
from bot.directory import NotAllowed
from bot.features.dashboard import dashboard
from bot.model import Person
from bot.ports import StoreUnavailable, UnitOfWork

log = logging.getLogger("policybot.web")
T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DEPS = web.AppKey("deps", Deps)
SIGN_IN = "/dashboard/sign-in"
POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)


class Refused(Exception):
    """The request is not allowed: a 403 page saying why."""


def headers(secure: bool) -> Any:
    """The middleware that sets the security headers on every response, errors included."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _harden(exc, secure)
            raise
        _harden(response, secure)
        return response

    return middleware


def _harden(response: web.StreamResponse, secure: bool) -> None:
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refusals, missing pages and an unreachable database as pages, not tracebacks."""
    try:
        return await handler(request)
    except Refused as refused:
        return await render.page(request, "error.html", _error(403, str(refused)), 403)
    except web.HTTPNotFound:
        return await render.page(request, "error.html", _error(404, NOT_FOUND), 404)
    except StoreUnavailable:
        log.warning("dashboard: store unavailable")
        return await render.page(request, "error.html", _error(503, UNAVAILABLE), 503)


NOT_FOUND = "There is no such page. The navigation above lists the pages there are."
UNAVAILABLE = "The database cannot be reached right now. Nothing was changed: try again soon."


def _error(status: int, message: str) -> dict[str, Any]:
    titles = {403: "Not allowed", 404: "Not found", 503: "Try again soon"}
    return {"status": status, "title": titles[status], "message": message}


async def form(request: web.Request) -> dict[str, str]:
    """A submitted form's fields, once its token is checked: refused (403) without it."""
    posted = await request.post()
    # A field sent more than once (the ticked boxes of a multiple choice) reads as the values
    # joined with commas, as the core's forms take them.
    fields = {
        k: ",".join(v for v in posted.getall(k) if isinstance(v, str)) for k in set(posted.keys())
    }
    if not await session.csrf_ok(request, fields.get("csrf", "")):
        log.info("dashboard: form refused (missing or wrong form token)")
        raise Refused(
            "This form has expired or did not come from this dashboard. "
            "Go back, reload the page and try again."
        )
    return fields


async def view(
    request: web.Request, build: Callable[[Deps, UnitOfWork, Person], Awaitable[T]]
) -> T:
    """What a page shows the signed-in person, with their role checked by the core.

    Without a session: to the sign-in page. Without the role: a 403 page.
    """
    person_id = await session.signed_in(request)
    if person_id is None:
        raise web.HTTPSeeOther(SIGN_IN + ("?note=expired" if request.get(session.EXPIRED) else ""))
    try:
        return await dashboard.page(request.config_dict[DEPS], person_id, build)
    except dashboard.SignedOut:
        await session.end(request)
        raise web.HTTPSeeOther(SIGN_IN) from None
    except dashboard.Forbidden as refused:
        log.info("dashboard: record refused")
        raise Refused(str(refused)) from None
    except dashboard.Missing:
        raise web.HTTPNotFound() from None
    except NotAllowed as refused:
        log.info("dashboard: page refused: needs role %s", refused)
        *others, last = str(refused).split(", ")
        roles = f"{', '.join(others)} or {last}" if others else last
        raise Refused(
            f"This page is for people with the {roles} role. Ask HR if you need access."
        ) from None
