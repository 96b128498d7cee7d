"""Slack events throughput and latency: Policy Bot against a bare Bolt app.

Usage: python bench/slack_events.py [--rate 250] [--paced-seconds 4] [--saturated-seconds 3]
       [--senders 64] [--rounds 3] [--database-url URL]

Both servers run as subprocesses answering signed `message.im` events through a local fake
Slack Web API that runs here. Prints, for each: time to ack and until the reply reaches the
fake (p50/p99) in a paced open-loop phase, answered events per second in a saturated phase
(slices alternate between the two servers to cancel machine drift), events lost or answered
twice, and Policy Bot's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
QUESTIONS = [
    "can I talk about my salary online?",
    "may I post photos of my colleagues?",
    "a journalist messaged me on linkedin, what do I do",
    "is the policy survey anonymous?",
    "how do I report online harassment?",
    "can I use instagram at work?",
]
DUPLICATE_EVERY = 20  # every 20th event is delivered twice, as a Slack retry would be


@dataclass
class Fake:
    """A lean fake Web API: notes when each DM channel got its reply."""

    replies: dict[str, list[float]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "U0BOT", "bot_id": "B0BOT"})
        if method == "users.info":
            user = request.query.get("user") or "U"
            profile = {"real_name": user, "email": f"{user.lower()}@example.com"}
            return web.json_response({"ok": True, "user": {"id": user, "profile": profile}})
        if method == "chat.postMessage":
            body = await request.json()
            self.replies.setdefault(body["channel"], []).append(time.perf_counter())
            self.changed.set()
            return web.json_response({"ok": True, "ts": "1.0", "channel": body["channel"]})
        return web.json_response({"ok": True})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed(n: int, prefix: str, retry: bool = False) -> tuple[bytes, dict[str, str], str]:
    channel = f"D{prefix}{n}"
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "event_id": f"Ev{prefix}{n}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "channel": channel,
                "user": f"U{n % 50:04d}",
                "text": QUESTIONS[n % len(QUESTIONS)],
                "ts": f"{time.time():.6f}",
            },
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


@dataclass
class Target:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    acks: list[float] = field(default_factory=list)
    reply_lat: list[float] = field(default_factory=list)
    answered: int = 0
    busy: float = 0.0
    channels: set[str] = field(default_factory=set)
    log: str = ""


async def send(
    http: aiohttp.ClientSession, target: Target, n: int, prefix: str
) -> tuple[str, float, float]:
    body, headers, channel = signed(n, prefix)
    start = time.perf_counter()
    async with http.post(target.url, data=body, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{target.name}: HTTP {response.status}")
    ack = time.perf_counter() - start
    if n % DUPLICATE_EVERY == 0:
        body, headers, _ = signed(n, prefix, retry=True)
        async with http.post(target.url, data=body, headers=headers) as response:
            await response.read()
    target.channels.add(channel)
    return channel, start, ack


async def wait_replies(fake: Fake, channels: list[str], within: float = 30) -> None:
    deadline = time.perf_counter() + within
    while any(c not in fake.replies for c in channels):
        fake.changed.clear()
        left = deadline - time.perf_counter()
        if left <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake.changed.wait(), left)


async def paced(
    http: aiohttp.ClientSession, fake: Fake, target: Target, rate: float, seconds: float
) -> None:
    count = int(rate * seconds)
    t0 = time.perf_counter()
    tasks = []
    for n in range(count):
        delay = t0 + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(http, target, n, f"P{target.name[0]}")))
    results = await asyncio.gather(*tasks)
    await wait_replies(fake, [c for c, _, _ in results])
    for channel, start, ack in results:
        target.acks.append(ack * 1000)
        if channel in fake.replies:
            target.reply_lat.append((fake.replies[channel][0] - start) * 1000)


async def saturated(
    http: aiohttp.ClientSession, fake: Fake, target: Target, senders: int, seconds: float, base: int
) -> None:
    counter = iter(range(base, base + 10_000_000))
    stop = time.perf_counter() + seconds
    channels: list[str] = []

    async def sender() -> None:
        while time.perf_counter() < stop:
            channel, _, _ = await send(http, target, next(counter), f"S{target.name[0]}")
            channels.append(channel)

    start = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    await wait_replies(fake, channels)
    last = max((fake.replies[c][0] for c in channels if c in fake.replies), default=start)
    target.answered += sum(1 for c in channels if c in fake.replies)
    target.busy += last - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def wait_up(url: str) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(url) as r:
                    if r.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start_servers(args: argparse.Namespace, api_url: str) -> tuple[Target, Target]:
    """Policy Bot (embedded defaults unless --database-url) and the bare Bolt baseline."""
    data = tempfile.mkdtemp(prefix="policybot-bench-")
    ours_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(ours_port),
        "POLICYBOT_DATA_DIR": data,
        "POLICYBOT_SECRET_KEY": "b" * 43,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "LOG_LEVEL": "WARNING",
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    quiet = subprocess.DEVNULL
    log_file = (Path(data) / "server.log").open("wb")
    ours = Target(
        "ours",
        f"http://127.0.0.1:{ours_port}/slack/events",
        subprocess.Popen(
            [
                sys.executable,
                *(["-m", "cProfile", "-o", args.profile] if args.profile else []),
                "app.py",
            ],
            cwd=ROOT,
            env=env,
            stdout=quiet,
            stderr=log_file,
        ),
    )
    bare = Target(
        "bare",
        f"http://127.0.0.1:{bare_port}/slack/events",
        subprocess.Popen(
            [sys.executable, "bench/bare_bolt.py", str(bare_port), api_url, SECRET],
            cwd=ROOT,
            stdout=quiet,
            stderr=quiet,
        ),
    )
    ours.log = str(Path(data) / "server.log")
    return ours, bare


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=250)
    parser.add_argument("--paced-seconds", type=float, default=4)
    parser.add_argument("--saturated-seconds", type=float, default=3)
    parser.add_argument("--senders", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", default="", help="write Policy Bot's cProfile stats here")
    args = parser.parse_args()

    fake = Fake()
    fake_app = web.Application()
    fake_app.router.add_route("*", "/api/{method}", fake.handle)
    runner = web.AppRunner(fake_app, access_log=None)
    await runner.setup()
    fake_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", fake_port).start()
    api_url = f"http://127.0.0.1:{fake_port}/api/"

    ours, bare = start_servers(args, api_url)
    try:
        await wait_up(ours.url.replace("/slack/events", "/healthz"))
        await wait_up(bare.url)
        connector = aiohttp.TCPConnector(limit=args.senders * 2)
        async with aiohttp.ClientSession(connector=connector) as http:
            for target in (ours, bare):  # warm up: users seen, code paths imported
                await saturated(http, fake, target, 8, 0.5, 9_000_000)
                target.answered, target.busy = 0, 0.0
            for target in (ours, bare):
                await paced(http, fake, target, args.rate, args.paced_seconds)
            for r in range(args.rounds):
                for target in (ours, bare) if r % 2 == 0 else (bare, ours):
                    await saturated(
                        http, fake, target, args.senders, args.saturated_seconds, r * 1_000_000
                    )
        peak = rss_peak_mb(ours.proc.pid)
    finally:
        for t in (ours, bare):
            t.proc.send_signal(2)
            t.proc.wait(timeout=15)
        await runner.cleanup()

    for t in (ours, bare):
        lost = sum(1 for c in t.channels if c not in fake.replies)
        twice = sum(1 for c in t.channels if len(fake.replies.get(c, ())) > 1)
        throughput = t.answered / t.busy if t.busy else float("nan")
        print(f"{t.name}:")
        print(
            f"  paced {args.rate:.0f}/s: ack p50 {pct(t.acks, 0.5):.1f} ms,"
            f" p99 {pct(t.acks, 0.99):.1f} ms;"
            f" reply p50 {pct(t.reply_lat, 0.5):.1f} ms, p99 {pct(t.reply_lat, 0.99):.1f} ms"
        )
        print(f"  saturated ({args.senders} senders): {throughput:.0f} answered events/s")
        print(
            f"  events {len(t.channels)} (every {DUPLICATE_EVERY}th delivered twice), "
            f"lost {lost}, answered twice {twice}"
        )
        t.busy = throughput
    print(f"ours / bare throughput: {ours.busy / bare.busy:.2f}")
    print(f"ours peak RSS: {peak:.0f} MB")
    print(f"server log: {ours.log}")


if __name__ == "__main__":
    asyncio.run(main())
