"""A local fake of the Slack Web API: records every call, enforces Block Kit limits, and can
answer with rate limits (429 + Retry-After), server errors and `ok: false` errors on demand."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
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
    rate: float | None = None  # workspace-wide chat.postMessage per second; above it: 429
    burst: float = 1.0  # seconds' worth of messages the workspace bucket holds
    per_channel: float | None = None  # chat.postMessage per second into one conversation
    answer_delay: float = 0.0  # seconds between storing a message and answering
    refuse: dict[str, str] = field(default_factory=dict)  # user or channel -> error code
    forbidden: set[str] = field(default_factory=set)  # user or channel -> HTTP 403
    posted: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    url: str = ""
    _bucket: tuple[float, float] | None = None  # tokens, at
    sockets: list[web.WebSocketResponse] = field(default_factory=list)  # Socket Mode
    acks: list[dict[str, Any]] = field(default_factory=list)  # what the app acked
    connections: set[tuple[str, int]] = field(default_factory=set)  # client address and port
    _channels: dict[str, float] = field(default_factory=dict)  # channel -> next allowed time
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

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        within: float = 10.0,
        where: Callable[[Call], bool] | None = None,
    ) -> list[Call]:
        """Wait until at least `count` calls of `method` arrived (only those `where` accepts,
        when given: the bot also sends what nobody in the test asked for, such as a training
        reminder during working hours)."""
        assert self._changed is not None

        def matching() -> list[Call]:
            return [c for c in self.of(method) if where is None or where(c)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(matching()) >= count), within)
        return matching()

    async def start(self, port: int = 0) -> None:
        """Listen on `port` (a free one by default; the same one again after `stop`)."""
        self._changed = self._changed or asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        (_, port) = self._runner.addresses[0]  # the port the system chose
        self.url = f"http://127.0.0.1:{port}/api/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer:
            self.connections.add((str(peer[0]), int(peer[1])))
        args: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if raw:
            if request.content_type == "application/json":
                args.update(json.loads(raw))
            else:
                args.update({k: v[0] for k, v in parse_qs(raw).items()})
        if method == "apps.connections.open":
            # Socket Mode: an app-level token gets a WebSocket URL (here, this fake's own).
            if not request.headers.get("Authorization", "").startswith("Bearer xapp-"):
                return await self._answer(
                    method, args, 200, {"ok": False, "error": "not_authed"}, {}
                )
            link = self.url.replace("http://", "ws://").replace("/api/", "/link")
            return await self._answer(method, args, 200, {"ok": True, "url": link}, {})
        if not request.headers.get("Authorization", "").startswith("Bearer xoxb-"):
            return await self._answer(method, args, 200, {"ok": False, "error": "not_authed"}, {})
        if self.script[method]:
            status, body, headers = self.script[method].popleft()
            return await self._answer(method, args, status, body, headers)
        if method == "chat.postMessage":
            limited = self._limited(str(args.get("channel", "")))
            if limited:
                body = {"ok": False, "error": "ratelimited"}
                return await self._answer(method, args, 429, body, {"Retry-After": limited})
        if str(args.get("channel", "")) in self.forbidden:
            return await self._answer(method, args, 403, {"ok": False, "error": "forbidden"}, {})
        answer = self._normal(method, args)
        if self.answer_delay and method == "chat.postMessage":
            await asyncio.sleep(self.answer_delay)
        return await self._answer(method, args, 200, answer, {})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """A Socket Mode connection: "hello", then envelopes pushed by `push`; acks recorded."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {}})
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                self.acks.append(json.loads(message.data))
                assert self._changed is not None
                async with self._changed:
                    self._changed.notify_all()
        return ws

    async def push(self, envelope: dict[str, Any]) -> None:
        """Deliver an envelope over the newest Socket Mode connection."""
        await self.sockets[-1].send_json(envelope)

    async def wait_for_ack(self, envelope_id: str, within: float = 10.0) -> dict[str, Any]:
        assert self._changed is not None

        def acked() -> bool:
            return any(a.get("envelope_id") == envelope_id for a in self.acks)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(acked), within)
        return next(a for a in self.acks if a.get("envelope_id") == envelope_id)

    def _limited(self, channel: str) -> str:
        """Retry-After (seconds, as text) when this message is over a limit, else ""."""
        now = time.monotonic()
        if self.per_channel is not None:
            allowed = self._channels.get(channel, 0.0)
            if now < allowed:
                return str(max(1, round(allowed - now)))
        if self.rate is not None:
            capacity = max(1.0, self.rate * self.burst)
            tokens, at = self._bucket or (capacity, now)
            tokens = min(capacity, tokens + (now - at) * self.rate)
            if tokens < 1:
                self._bucket = (tokens, now)
                return "1"
            self._bucket = (tokens - 1, now)
        if self.per_channel is not None:
            self._channels[channel] = now + 1 / self.per_channel
        return ""

    def dm(self, user: str) -> str:
        """The direct-message conversation with a user, as Slack names it."""
        return "D" + user[1:] if user.startswith("U") else user

    def received(self, user: str) -> list[dict[str, Any]]:
        """Messages stored in the DM with `user` (or in a channel)."""
        return self.posted.get(self.dm(user), [])

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
            target = str(args.get("channel"))
            if target in self.refuse:
                return {"ok": False, "error": self.refuse[target]}
            channel = self.dm(target)
            ts = f"{time.time():.6f}"
            metadata = args.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            self.posted[channel].append(
                {
                    "ts": ts,
                    "text": args.get("text"),
                    "blocks": args.get("blocks"),
                    "metadata": metadata,
                }
            )
            return {"ok": True, "channel": channel, "ts": ts}
        if method == "chat.update":
            for message in self.posted.get(str(args.get("channel")), []):
                if message["ts"] == args.get("ts"):
                    message.update(text=args.get("text"), blocks=args.get("blocks"), edited=True)
                    return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
            return {"ok": False, "error": "message_not_found"}
        if method == "conversations.open":
            users = str(args.get("users", ""))
            return {"ok": True, "channel": {"id": self.dm(users.split(",")[0])}}
        if method == "conversations.history":
            messages = list(reversed(self.posted.get(str(args.get("channel")), [])))
            limit = int(args.get("limit") or 100)
            keep = str(args.get("include_all_metadata")).lower() in ("true", "1")
            shown = [
                {k: v for k, v in m.items() if keep or k != "metadata"} for m in messages[:limit]
            ]
            return {"ok": True, "messages": shown, "has_more": len(messages) > limit}
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
