"""The anonymous web intake: /report and /follow-up, on the app itself, outside the dashboard.

These pages take no session and set no cookie, log no address, browser or link, load nothing
from anywhere but the server and need no script. Submissions are rate-limited per link and in
total (`limits`), never per person or address. A form with problems comes back with them and
with everything typed (bar a passphrase), with a 400; nothing is stored until it is right.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web

from adapters.web import render, security
from adapters.web.limits import Window
from bot.deps import Deps
from bot.features.reports import intake, links
from bot.features.reports.followup import LOCKED_OUT, FollowUpRefused
from bot.features.reports.forms import Invalid
from bot.messages import Field, Form
from bot.ports import StoreUnavailable

log = logging.getLogger("policybot.web.intake")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STATIC = Path(__file__).resolve().parent / "static"
TEMPLATES = web.AppKey("intake_templates", jinja2.Environment)
DEPS = web.AppKey("intake_deps", Deps)
LIMITS = web.AppKey("intake_limits", dict[str, Window])
PER_LINK = (10, 3600.0)  # sends of one link's form in an hour (bad input sent again, mostly)
REPORTS = (30, 60.0)  # reports sent a minute, by everyone together
FOLLOW_UPS = (60, 60.0)  # follow-ups a minute, by everyone together (each a slow hash)
BUSY = "Too many reports are being sent right now. Nothing was sent: wait a minute and send again."
BUSY_LINK = (
    "This link's form has been sent too many times in the last hour. Nothing was sent: wait a "
    "while and send again."
)
GONE = (
    "This link has been used already or has expired (a link works once, for 24 hours). Type "
    "report to Policy Bot for a new link and paste it below, or open the new link."
)
SPENT = (
    "This link has been used already or has expired (a link works once, for 24 hours), so "
    "nothing was sent. Your report is still below: type report to Policy Bot for a new link, "
    "paste it here and send again."
)


def routes(app: web.Application, deps: Deps) -> None:
    """Mount the intake on the app (outside /dashboard, so the session never applies)."""
    env = aiohttp_jinja2.setup(
        app,
        app_key=TEMPLATES,
        loader=jinja2.PackageLoader("adapters.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(moment=render.moment)
    app[DEPS] = deps
    app[LIMITS] = {
        "link": Window(*PER_LINK),
        "reports": Window(*REPORTS),
        "follow-ups": Window(*FOLLOW_UPS),
    }
    secure = deps.site_url.startswith("https://")
    app.router.add_static("/report/static", STATIC, name="intake_static", append_version=True)
    for method, path, view in (
        ("GET", "/report", start_page),
        ("GET", "/report/{token}", report_page),
        ("POST", "/report", send_report),
        ("GET", "/follow-up", follow_up_page),
        ("POST", "/follow-up", send_follow_up),
    ):
        app.router.add_route(method, path, guarded(view, secure))


def guarded(view: Handler, secure: bool) -> Handler:
    """`view` with the dashboard's security headers, no caching, and error pages that log the
    kind of error only (aiohttp's own would log the client's address)."""
    headers = security.headers(secure)

    async def run(request: web.Request) -> web.StreamResponse:
        response: web.StreamResponse = await headers(request, _errors(view))
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    return run


def _errors(view: Handler) -> Handler:
    async def run(request: web.Request) -> web.StreamResponse:
        try:
            return await view(request)
        except web.HTTPException:
            raise
        except StoreUnavailable:
            log.warning("intake: store unavailable")
            return _page(request, "intake_error.html", {"message": security.UNAVAILABLE}, 503)
        except Exception as exc:
            log.error("intake: %s", type(exc).__name__, exc_info=exc)
            return _page(request, "intake_error.html", {"message": BROKEN}, 500)

    return run


BROKEN = "Something went wrong on our side and nothing was sent. Try again soon."


def _page(
    request: web.Request, template: str, context: Mapping[str, Any], status: int = 200
) -> web.Response:
    deps = request.config_dict[DEPS]
    common = {"emergency": deps.content.reports.emergency}
    return aiohttp_jinja2.render_template(
        template, request, {**common, **context}, app_key=TEMPLATES, status=status
    )


async def _fields(request: web.Request) -> dict[str, str]:
    """The form's text fields; a body that is no form reads as an empty one."""
    try:
        posted = await request.post()
    except (ValueError, AssertionError, aiohttp.ClientError, UnicodeDecodeError):
        return {}
    return {k: v for k, v in posted.items() if isinstance(v, str)}


async def start_page(request: web.Request) -> web.StreamResponse:
    """GET /report: how to get a link (the form needs one)."""
    return _page(request, "intake_start.html", {})


async def report_page(request: web.Request) -> web.StreamResponse:
    """GET /report/{token}: the report form (opening the link spends nothing)."""
    deps = request.config_dict[DEPS]
    token = request.match_info["token"]
    if not await intake.usable(deps, token):
        return _report(request, intake.form(deps), "", GONE, 403)
    return _report(request, intake.form(deps), token)


def _report(
    request: web.Request, form: Form, token: str, problem: str = "", status: int = 200
) -> web.Response:
    """The report form; without a usable link, with a field to paste a new one."""
    if not token:
        paste = Field("link", "Your new link from Policy Bot", max_length=300)
        form = replace(form, fields=(*form.fields, paste))
    context = {"form": form, "token": token, "problem": problem}
    return _page(request, "intake_report.html", context, status)


async def send_report(request: web.Request) -> web.StreamResponse:
    """POST /report: file the report with its link; the receipt and passphrase, once."""
    deps = request.config_dict[DEPS]
    limits = request.config_dict[LIMITS]
    fields = await _fields(request)
    token = links.token_of(fields.get("token", "") or fields.get("link", ""))
    typed = intake.form(deps, values=fields)
    link_key = deps.cipher.keyed_hash("intake limit", token)
    if not limits["reports"].allow() or not limits["link"].allow(link_key):
        log.info("intake: report refused (rate limit)")
        per_link = limits["link"].full(link_key)
        response = _report(request, typed, token, BUSY_LINK if per_link else BUSY, 429)
        wait = limits["link"].retry_after(link_key) if per_link else limits["reports"].retry_after()
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        receipt = await intake.file(deps, token, fields)
    except intake.Spent:
        return _report(request, typed, "", SPENT, 403)
    except Invalid as invalid:
        return _report(request, intake.form(deps, invalid.errors, fields), token, "", 400)
    return _page(request, "intake_receipt.html", {"r": receipt})


async def follow_up_page(request: web.Request) -> web.StreamResponse:
    """GET /follow-up: receipt, passphrase, and something to add."""
    return _page(request, "intake_followup.html", {"form": intake.followup_form(), "problem": ""})


async def send_follow_up(request: web.Request) -> web.StreamResponse:
    """POST /follow-up: the case's status and conversation, or the form again."""
    deps = request.config_dict[DEPS]
    limits = request.config_dict[LIMITS]
    fields = await _fields(request)
    if not limits["follow-ups"].allow():
        log.info("intake: follow-up refused (rate limit)")
        context = {"form": intake.followup_form(values=fields), "problem": BUSY_FOLLOW_UP}
        response = _page(request, "intake_followup.html", context, 429)
        response.headers["Retry-After"] = str(limits["follow-ups"].retry_after())
        return response
    try:
        status = await intake.follow_up(deps, fields)
    except FollowUpRefused as refused:
        form = intake.followup_form({refused.field: str(refused)}, fields)
        code = 429 if str(refused) == LOCKED_OUT else 400
        return _page(request, "intake_followup.html", {"form": form, "problem": ""}, code)
    return _page(request, "intake_status.html", {"s": status})


BUSY_FOLLOW_UP = "Too many follow-ups are being sent right now. Wait a minute, then try again."
