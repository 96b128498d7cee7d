"""The web channel: the HR dashboard, server-rendered, on the app's own aiohttp server.

The anonymous web intake (/report, /follow-up: `intake`) is mounted on the app itself,
outside the dashboard: it has no session, no cookie and no sign-in.

Everything else lives under /dashboard, in a sub-application with its own middlewares
(headers, error pages, the encrypted session), so that no other route gets a cookie or a
page.
Scripts and styles are served from `static/`; nothing is loaded from anywhere else.

A new page is a view that asks `security.view(request, build)` for what a core function
`build(deps, uow, person)` returns (the core checks the role), a template extending
`base.html`, its routes, and an entry in `render.NAV`; a form posts its `csrf` field and is
read with `security.form(request)`.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from aiohttp import web
from aiohttp_session import session_middleware

from adapters.web import (
    announcements,
    cases,
    faq,
    intake,
    overview,
    policy,
    render,
    security,
    session,
    signin,
    stories,
    surveys,
    training,
)
from bot.deps import Deps

STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger("policybot.web")


def mount(app: web.Application, deps: Deps, secret: bytes) -> None:
    """Serve the dashboard under /dashboard and the intake on `app`; `secret` is the
    installation's key."""
    # aiohttp-session keeps its objects under plain string keys, which aiohttp now warns of.
    warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module="aiohttp_session")
    secure = deps.site_url.startswith("https://")
    dashboard = web.Application(
        middlewares=[
            security.headers(secure),
            session_middleware(session.storage(secret, secure)),
            security.errors,
        ]
    )
    dashboard[security.DEPS] = deps
    render.setup(dashboard)
    dashboard.router.add_static("/static", STATIC, name="static", append_version=True)
    signin.routes(dashboard)
    overview.routes(dashboard)
    cases.routes(dashboard)
    announcements.routes(dashboard)
    faq.routes(dashboard)
    training.routes(dashboard)
    surveys.routes(dashboard)
    stories.routes(dashboard)
    policy.routes(dashboard)
    app.add_subapp("/dashboard", dashboard)
    intake.routes(app, deps)
    log.info("dashboard: %s/dashboard (the links the bot sends; PUBLIC_URL sets it)", deps.site_url)
