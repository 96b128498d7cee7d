"""A local fake of the Bot Connector API: records what the bot sends, and can answer 429 with
Retry-After, 403 (bot blocked) and 500 on demand."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web


@dataclass
class Sent:
    """One connector call as the fake received it."""

    path: str
    conversation: str
    body: dict[str, Any]
    at: float
    status: int


@dataclass
class FakeConnector:
    """Start with `await fake.start()`; put `fake.url` in activities' serviceUrl."""

    calls: list[Sent] = field(default_factory=list)
    script: deque[tuple[int, dict[str, str], str]] = field(default_factory=deque)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)  # users who blocked the bot: 403
    rate: float | None = None  # activities per second for the app; above it: 429
    updated: list[Sent] = field(default_factory=list)
    connections: set[tuple[str, int]] = field(default_factory=set)  # client address and port
    url: str = ""
    _bucket: tuple[float, float] | None = None
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition | None = None
    _ids: Any = field(default_factory=lambda: defaultdict(int))

    def then(self, status: int, conversation: str = "", **headers: str) -> None:
        """Answer the next activity post (to `conversation`, if given) with this status."""
        self.script.append((status, headers, conversation))

    def delivered(self) -> list[Sent]:
        """Activities the connector accepted."""
        return [c for c in self.calls if c.status in (200, 201) and "/activities" in c.path]

    async def wait_for(self, count: int = 1, within: float = 10.0) -> list[Sent]:
        """Wait until at least `count` activities were accepted."""
        assert self._changed is not None
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.delivered()) >= count), within
            )
        return self.delivered()

    async def start(self) -> None:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post(
            "/v3/conversations/{conversation}/activities/{reply_to}", self._activity
        )
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_put("/v3/conversations/{conversation}/activities/{id}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        (_, port) = self._runner.addresses[0]  # the port the system chose
        self.url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, request: web.Request, body: dict[str, Any], status: int) -> None:
        conversation = unquote(request.match_info.get("conversation", ""))
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer:
            self.connections.add((str(peer[0]), int(peer[1])))
        self.calls.append(Sent(request.path, conversation, body, time.monotonic(), status))
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def _activity(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = unquote(request.match_info.get("conversation", ""))
        scripted = next((s for s in self.script if s[2] in ("", conversation)), None)
        if scripted is not None:
            self.script.remove(scripted)
            status, headers, _ = scripted
            await self._record(request, body, status)
            error = {"error": {"code": f"HTTP{status}", "message": "scripted failure"}}
            return web.json_response(error, status=status, headers=headers)
        if self._over_limit():
            await self._record(request, body, 429)
            error = {"error": {"code": "Throttled", "message": "too many requests"}}
            return web.json_response(error, status=429, headers={"Retry-After": "1"})
        if conversation.removeprefix("a:dm-") in self.blocked:
            await self._record(request, body, 403)
            error = {"error": {"code": "ConversationBlockedByUser", "message": "blocked"}}
            return web.json_response(error, status=403)
        if not body.get("type"):
            await self._record(request, body, 400)
            return web.json_response({"error": {"code": "BadArgument"}}, status=400)
        await self._record(request, body, 201)
        self._ids["n"] += 1
        return web.json_response({"id": f"reply-{self._ids['n']}"}, status=201)

    def _over_limit(self) -> bool:
        if self.rate is None:
            return False
        now = time.monotonic()
        tokens, at = self._bucket or (max(1.0, self.rate * 0.2), now)
        tokens = min(max(1.0, self.rate * 0.2), tokens + (now - at) * self.rate)
        self._bucket = (tokens - 1 if tokens >= 1 else tokens, now)
        return tokens < 1

    def to(self, user: str) -> list[Sent]:
        """Activities accepted in the 1:1 conversation the bot opened with `user`."""
        return [c for c in self.delivered() if c.conversation == f"a:dm-{user}"]

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._record(request, body, 201)
        members = body.get("members") or [{}]
        user = str(members[0].get("id", ""))
        conversation = f"a:dm-{user}"
        return web.json_response({"id": conversation, "serviceUrl": self.url})

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = unquote(request.match_info["conversation"])
        self.updated.append(Sent(request.path, conversation, body, time.monotonic(), 200))
        return web.json_response({"id": request.match_info["id"]})

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(unquote(request.match_info["member"]))
        if member is None:
            return web.json_response({"error": {"code": "MemberNotFound"}}, status=404)
        return web.json_response(member)
