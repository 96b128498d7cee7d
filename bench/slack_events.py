"""Slack events throughput and latency: Policy Bot against two bare Bolt apps.

Usage: python bench/slack_events.py [--rate 250] [--paced-seconds 4] [--saturated-seconds 3]
       [--senders 64] [--rounds 3] [--database-url URL] [--profile FILE] [--questions six|varied]

The peers are a bare Bolt app that answers every message with a fixed text (bench/bare_bolt.py)
and one that answers from the FAQ with the same hybrid matcher, one model call per event
(bench/bare_semantic.py). All run as subprocesses answering signed `message.im` events through
a local fake Slack Web API that runs here. Prints, for each: time to ack and until the reply
reaches the fake (p50/p99) in a paced open-loop phase, answered events per second in a
saturated phase (slices alternate between the servers to cancel machine drift), events lost or
answered twice (the same message posted twice), and each one's peak RSS. `--questions six`
asks six common questions over and over; `--questions varied` asks thousands of different
ones (see harness.Questions).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness
from aiohttp import web
from harness import ROOT, Replies, Target, arguments, free_port, policybot, run

SECRET = "bench-signing-secret"


def routes(fake: Replies) -> object:
    async def handle(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT"})
        if method == "users.info":
            user = request.query.get("user") or "U"
            profile = {"real_name": user, "email": f"{user.lower()}@example.com"}
            return web.json_response({"ok": True, "user": {"id": user, "profile": profile}})
        if method == "chat.postMessage":
            body = await request.json()
            fake.got(body["channel"], str(body.get("text", "")))
            return web.json_response({"ok": True, "ts": "1.0", "channel": body["channel"]})
        return web.json_response({"ok": True})

    def add(app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", handle)

    return add


def signer(n: int, prefix: str, retry: bool) -> tuple[bytes, dict[str, str], str]:
    channel = f"D{prefix}{n}"
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": f"U{n % 50:04d}",
        "text": harness.QUESTIONS.text(prefix, n),
        "ts": f"{time.time():.6f}",
    }
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0001",
            "event_id": f"Ev{prefix}{n}",
            "event_time": int(time.time()),
            "event": event,
        }
    )
    ts = str(int(time.time()))
    sig = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={sig}",
    }
    if retry:
        headers.update({"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    return body.encode(), headers, channel


def main() -> None:
    args = arguments(rate=250)
    data = Path(tempfile.mkdtemp(prefix="policybot-bench-"))
    ours_port, bare_port, semantic_port = free_port(), free_port(), free_port()

    def start(base: str) -> tuple[Target, ...]:
        env = {
            **os.environ,
            "PORT": str(ours_port),
            "POLICYBOT_DATA_DIR": str(data),
            "POLICYBOT_SECRET_KEY": "b" * 43,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": base + "api/",
            "LOG_LEVEL": "WARNING",
        }
        ours = Target(
            "ours",
            f"http://127.0.0.1:{ours_port}/slack/events",
            policybot(args, env, data / "server.log"),
            signer,
        )
        ours.log = str(data / "server.log")
        peers = [ours]
        for name, script, port in (
            ("bare", "bench/bare_bolt.py", bare_port),
            ("bare-semantic", "bench/bare_semantic.py", semantic_port),
        ):
            command = [sys.executable, script, str(port), base + "api/", SECRET]
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            peers.append(Target(name, f"http://127.0.0.1:{port}/slack/events", process, signer))
        return tuple(peers)

    fake = Replies()
    health = f"http://127.0.0.1:{ours_port}/healthz"
    asyncio.run(run(args, fake, routes(fake), start, health))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
