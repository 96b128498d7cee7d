"""GET /healthz: a status per part of the bot, from named checks that each answer fast.

The checks map a name to an async check returning a dict with a "status" ("ok", "off" for a
part that is not configured, anything else when it is not working) and figures. The
composition root registers storage's (the database, the outbox) and the core's (`core`);
each channel registers its own, and so can any other part. All checks run at once, each
within DEADLINE seconds (one that takes longer is "unavailable": "timeout"); /healthz answers
200 when every part is "ok" or "off", 503 otherwise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.deps import Deps

Check = Callable[[], Awaitable[dict[str, Any]]]
DEADLINE = 0.8
GOOD = frozenset({"ok", "off"})
_running: dict[Check, asyncio.Future[dict[str, Any]]] = {}  # the latest run of each check


Problem = Callable[[BaseException], str]


def kind(error: BaseException) -> str:
    """What went wrong, by the kind of error only (never its message)."""
    return type(error).__name__


async def run(
    checks: Mapping[str, Check], deadline: float = DEADLINE, problem: Problem = kind
) -> dict[str, Any]:
    """Every check's result by name, and the overall "status" ("ok" or "degraded"); a check
    that raised says what went wrong as `problem` names it."""

    async def one(check: Check) -> dict[str, Any]:
        # A slow check is never cancelled: cancelling a query mid-way leaves its connection
        # to be torn down in the middle of its rollback. It runs on, and until it finishes
        # later requests wait for the same run instead of starting another.
        task = _running.get(check)
        if task is None or task.done():
            task = _running[check] = asyncio.ensure_future(check())
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
        done, _ = await asyncio.wait({task}, timeout=deadline)
        if not done:
            return {"status": "unavailable", "error": "timeout"}
        try:
            return task.result()
        except Exception as exc:
            return {"status": "unavailable", "error": problem(exc)}

    names = list(checks)
    results = await asyncio.gather(*(one(checks[name]) for name in names))
    ok = all(r.get("status") in GOOD for r in results)
    return {"status": "ok" if ok else "degraded", **dict(zip(names, results, strict=True))}


def off(reason: str) -> Check:
    """The check of a part that is not configured."""

    async def check() -> dict[str, Any]:
        return {"status": "off", "reason": reason}

    return check


def core(deps: Deps) -> dict[str, Check]:
    """The core's checks: the content and the FAQ matcher."""
    content = deps.content

    async def policy() -> dict[str, Any]:
        return {
            "status": "ok",
            "policy_version": content.current.version,
            "faq_entries": len(content.faq),
        }

    async def matcher() -> dict[str, Any]:
        return deps.faq.health()

    return {"content": policy, "faq": matcher}


def handler(
    checks: Mapping[str, Check], problem: Problem = kind
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The aiohttp handler of GET /healthz."""

    async def healthz(_: web.Request) -> web.Response:
        body = await run(checks, problem=problem)
        return web.json_response(body, status=200 if body["status"] == "ok" else 503)

    return healthz
