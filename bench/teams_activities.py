"""Teams activities throughput and latency: Policy Bot against a bare botbuilder echo bot.

Usage: python bench/teams_activities.py [--rate 100] [--paced-seconds 4]
       [--saturated-seconds 3] [--senders 64] [--rounds 3] [--database-url URL]

Both servers run as subprocesses (authentication off, as with the Emulator) and answer
`message` activities through a local fake Bot Connector that runs here. Prints, for each:
HTTP response time and time until the reply reaches the fake (p50/p99) in a paced open-loop
phase, answered activities per second in a saturated phase (slices alternate between the two
servers to cancel machine drift), activities lost or answered twice, and Policy Bot's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
SERVICE_URL = [""]  # the fake connector's address, once it runs
QUESTIONS = [
    "can I talk about my salary online?",
    "may I post photos of my colleagues?",
    "a journalist messaged me on linkedin, what do I do",
    "is the policy survey anonymous?",
    "how do I report online harassment?",
    "can I use instagram at work?",
]
DUPLICATE_EVERY = 20  # every 20th activity is delivered twice, as a channel retry would be


@dataclass
class Fake:
    """A lean fake Bot Connector: notes when each conversation got its reply."""

    replies: dict[str, list[float]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def activity(self, request: web.Request) -> web.Response:
        conversation = unquote(request.match_info["conversation"])
        await request.read()
        self.replies.setdefault(conversation, []).append(time.perf_counter())
        self.changed.set()
        return web.json_response({"id": "1"}, status=201)

    async def member(self, request: web.Request) -> web.Response:
        member = unquote(request.match_info["member"])
        return web.json_response({"id": member, "name": member, "email": f"{member}@example.com"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed(
    n: int, prefix: str, service_url: str, retry: bool = False
) -> tuple[bytes, dict[str, str], str]:
    conversation = f"a:{prefix}{n}"
    body = json.dumps(
        {
            "type": "message",
            "id": f"m{n}",
            "channelId": "msteams",
            "serviceUrl": service_url,
            "from": {"id": f"29:user{n % 50}", "name": f"User {n % 50}"},
            "conversation": {"id": conversation, "conversationType": "personal"},
            "recipient": {"id": "28:bot", "name": "Policy Bot"},
            "text": QUESTIONS[n % len(QUESTIONS)],
            "timestamp": "2026-11-25T14:30:00.000Z",
        }
    )
    return body.encode(), {"Content-Type": "application/json"}, conversation


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
    body, headers, channel = signed(n, prefix, SERVICE_URL[0])
    start = time.perf_counter()
    async with http.post(target.url, data=body, headers=headers) as response:
        await response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"{target.name}: HTTP {response.status}")
    ack = time.perf_counter() - start
    if n % DUPLICATE_EVERY == 0:
        body, headers, _ = signed(n, prefix, SERVICE_URL[0], retry=True)
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
    """Policy Bot (embedded defaults unless --database-url) and the bare echo bot."""
    data = tempfile.mkdtemp(prefix="policybot-bench-")
    ours_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(ours_port),
        "POLICYBOT_DATA_DIR": data,
        "POLICYBOT_SECRET_KEY": "b" * 43,
        "TEAMS_EMULATOR": "true",
        "LOG_LEVEL": "WARNING",
    }
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    quiet = subprocess.DEVNULL
    log_file = (Path(data) / "server.log").open("wb")
    ours = Target(
        "ours",
        f"http://127.0.0.1:{ours_port}/api/messages",
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
        f"http://127.0.0.1:{bare_port}/api/messages",
        subprocess.Popen(
            [sys.executable, "bench/bare_echo.py", str(bare_port)],
            cwd=ROOT,
            stdout=quiet,
            stderr=quiet,
        ),
    )
    ours.log = str(Path(data) / "server.log")
    return ours, bare


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--paced-seconds", type=float, default=4)
    parser.add_argument("--saturated-seconds", type=float, default=3)
    parser.add_argument("--senders", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", default="", help="write Policy Bot's cProfile stats here")
    args = parser.parse_args()

    fake = Fake()
    fake_app = web.Application()
    fake_app.router.add_post("/v3/conversations/{conversation}/activities", fake.activity)
    fake_app.router.add_post(
        "/v3/conversations/{conversation}/activities/{reply_to}", fake.activity
    )
    fake_app.router.add_get("/v3/conversations/{conversation}/members/{member}", fake.member)
    runner = web.AppRunner(fake_app, access_log=None)
    await runner.setup()
    fake_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", fake_port).start()
    api_url = f"http://127.0.0.1:{fake_port}/"
    SERVICE_URL[0] = api_url

    ours, bare = start_servers(args, api_url)
    try:
        await wait_up(ours.url.replace("/api/messages", "/healthz"))
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
