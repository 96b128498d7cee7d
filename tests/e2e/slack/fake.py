"""A local fake of the Slack Web API: records every call, enforces Block Kit limits, and can
answer with rate limits (429 + Retry-After), server errors and `ok: false` errors on demand."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web


@dataclass
class Call:
    """One Web API call as the fake received it."""

    method: str
    args: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class FakeSlack:
    """Start with `await fake.start()`; point SLACK_API_URL at `fake.url`."""

    calls: list[Call] = field(default_factory=list)
    script: dict[str, deque[tuple[int, dict[str, Any], dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    url: str = ""
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition | None = None

    def then(
        self, method: str, status: int = 200, body: dict[str, Any] | None = None, **headers: str
    ) -> None:
        """Answer the next call of `method` this way (then behave normally again)."""
        self.script[method].append((status, body or {"ok": True}, headers))

    def of(self, method: str, ok_only: bool = False) -> list[Call]:
        """The calls of one method, optionally only those answered 200 with ok: true."""
        return [c for c in self.calls if c.method == method and (not ok_only or c.status == 200)]

    async def wait_for(self, method: str, count: int = 1, within: float = 10.0) -> list[Call]:
        """Wait until at least `count` calls of `method` arrived."""
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.of(method)) >= count), within
            )
        return self.of(method)

    async def start(self) -> None:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/api/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update({k: v[0] for k, v in parse_qs(raw).items()})
        if not request.headers.get("Authorization", "").startswith("Bearer xoxb-"):
            return await self._answer(method, args, 200, {"ok": False, "error": "not_authed"}, {})
        if self.script[method]:
            status, body, headers = self.script[method].popleft()
            return await self._answer(method, args, status, body, headers)
        return await self._answer(method, args, 200, self._normal(method, args), {})

    async def _answer(
        self,
        method: str,
        args: dict[str, Any],
        status: int,
        body: dict[str, Any],
        headers: dict[str, str],
    ) -> web.Response:
        ok = status == 200 and body.get("ok", False)
        self.calls.append(Call(method, args, time.monotonic(), status if ok else status or 200))
        if status == 200 and not body.get("ok", False):
            self.calls[-1].status = 0  # an ok: false answer
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()
        return web.json_response(body, status=status, headers=headers)

    def _normal(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT", "team_id": "T0001"}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method == "chat.postMessage":
            problem = block_problem(args.get("blocks"))
            if problem:
                return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
            if not args.get("text") and not args.get("blocks"):
                return {"ok": False, "error": "no_text"}
            return {"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"}
        if method in ("views.open", "views.publish"):
            view = args.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            problem = block_problem((view or {}).get("blocks"), limit=100)
            if problem:
                return {"ok": False, "error": "invalid_arguments", "errors": [problem]}
            return {"ok": True, "view": {"id": "V0NEW", **(view or {})}}
        return {"ok": True}


def block_problem(blocks: Any, limit: int = 50) -> str | None:
    """What real Slack would reject in a list of blocks, or None."""
    if blocks is None:
        return None
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if len(blocks) > limit:
        return f"no more than {limit} items allowed [json-pointer:/blocks]"
    for n, block in enumerate(blocks):
        text = (block.get("text") or {}).get("text", "")
        if block.get("type") == "section" and len(text) > 3000:
            return f"must be less than 3001 characters [json-pointer:/blocks/{n}/text/text]"
        if block.get("type") == "actions":
            ids = [e.get("action_id") for e in block.get("elements", [])]
            if len(ids) != len(set(ids)):
                return f"action_id already exists [json-pointer:/blocks/{n}/elements]"
    all_ids = [
        e.get("action_id") for b in blocks for e in b.get("elements", []) if "action_id" in e
    ]
    if len(all_ids) != len(set(all_ids)):
        return "action_id must be unique within a message"
    return None
