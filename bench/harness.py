"""The load generator both platform benchmarks share: paced and saturated phases against
Policy Bot and a bare baseline, alternating, with latency, throughput, loss and memory."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
SIX = [
    "can I talk about my salary online?",
    "may I post photos of my colleagues?",
    "a journalist messaged me on linkedin, what do I do",
    "is the policy survey anonymous?",
    "how do I report online harassment?",
    "can I use instagram at work?",
]
# A few ways people open or close a question: with them, every question of the test sets
# becomes eight different texts, more than any cache of recent questions holds.
FRAMES = (
    "{q}",
    "hi, {q}",
    "quick question: {q}",
    "{q} thanks",
    "hello! {q}",
    "hey {q}",
    "{q}, please",
    "one more: {q}",
)


class Questions:
    """The text of each event: "six" cycles six common questions (every answer after the
    first comes from the bot's memory of recent questions); "varied" takes every question of
    the test sets in eight framings, shuffled: 4,224 texts, 4,136 of them different (the
    holdout set repeats some eval questions), so that hardly any comes back before thousands
    of others and the model's work is real."""

    def __init__(self, kind: str = "six") -> None:
        self.texts = list(SIX)
        if kind == "varied":
            asked = []
            for path in sorted((ROOT / "tests" / "data").glob("faq_*.yaml")):
                data = yaml.safe_load(path.read_text())
                asked += [i["q"] for i in data["in_scope"]] + list(data["out_of_scope"])
            self.texts = [frame.format(q=q) for q in asked for frame in FRAMES]
            random.Random(0).shuffle(self.texts)
        self._given: dict[tuple[str, int], str] = {}
        self._next: dict[str, int] = {}

    def text(self, prefix: str, n: int) -> str:
        """The text of event `n` under `prefix` (the same for its retry). Each target walks
        the list from its start, through its paced and saturated phases alike (`prefix` is
        the phase's letter, then the target's tag)."""
        if (prefix, n) not in self._given:
            walked = self._next.get(prefix[1:], 0)
            self._given[prefix, n] = self.texts[walked % len(self.texts)]
            self._next[prefix[1:]] = walked + 1
        return self._given[prefix, n]


QUESTIONS = Questions()
# Event and conversation ids are new in every run: a database kept from an earlier run (say
# PostgreSQL) would otherwise take them all for repeats and answer none.
RUN = secrets.token_hex(3)
DUPLICATE_EVERY = 20  # every 20th event is delivered twice, as a platform retry would be
# (n, prefix, retry) -> (body, headers, the conversation the reply must reach)
Signer = Callable[[int, str, bool], tuple[bytes, dict[str, str], str]]


@dataclass
class Replies:
    """What the fake platform received: reply times and texts per conversation."""

    at: dict[str, list[float]] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def got(self, conversation: str, text: str) -> None:
        self.at.setdefault(conversation, []).append(time.perf_counter())
        self.texts.setdefault(conversation, []).append(text)
        self.changed.set()

    def twice(self, conversation: str) -> bool:
        """The same message posted twice (an answer can be two messages: the answer and a
        reminder of a question still waiting for HR, say)."""
        said = self.texts.get(conversation, [])
        return len(set(said)) < len(said)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def arguments(rate: float) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=rate)
    parser.add_argument("--paced-seconds", type=float, default=4)
    parser.add_argument("--saturated-seconds", type=float, default=3)
    parser.add_argument("--senders", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--profile", default="", help="write Policy Bot's cProfile stats here")
    parser.add_argument(
        "--questions",
        choices=("six", "varied"),
        default="six",
        help="six common questions, or thousands of different ones (see harness.Questions)",
    )
    args = parser.parse_args()
    global QUESTIONS
    QUESTIONS = Questions(args.questions)
    return args


@dataclass
class Target:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    signer: Signer
    acks: list[float] = field(default_factory=list)
    reply_lat: list[float] = field(default_factory=list)
    answered: int = 0
    busy: float = 0.0
    channels: set[str] = field(default_factory=set)
    log: str = ""


def _tag(target: Target) -> str:
    """The target's name in its event and conversation ids (unique per target: "bare" and
    "bare-semantic" must not share conversations)."""
    return "".join(c for c in target.name if c.isalnum())


async def send(
    http: aiohttp.ClientSession, target: Target, n: int, prefix: str
) -> tuple[str, float, float]:
    body, headers, channel = target.signer(n, prefix, False)
    start = time.perf_counter()
    async with http.post(target.url, data=body, headers=headers) as response:
        await response.read()
        if response.status not in (200, 201):
            raise RuntimeError(f"{target.name}: HTTP {response.status}")
    ack = time.perf_counter() - start
    if n % DUPLICATE_EVERY == 0:
        body, headers, _ = target.signer(n, prefix, True)
        async with http.post(target.url, data=body, headers=headers) as response:
            await response.read()
    target.channels.add(channel)
    return channel, start, ack


async def wait_replies(fake: Replies, channels: list[str], within: float = 30) -> None:
    deadline = time.perf_counter() + within
    while any(c not in fake.at for c in channels):
        fake.changed.clear()
        left = deadline - time.perf_counter()
        if left <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake.changed.wait(), left)


async def paced(
    http: aiohttp.ClientSession, fake: Replies, target: Target, rate: float, seconds: float
) -> None:
    count = int(rate * seconds)
    t0 = time.perf_counter()
    tasks = []
    for n in range(count):
        delay = t0 + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(http, target, n, f"P{_tag(target)}{RUN}")))
    results = await asyncio.gather(*tasks)
    await wait_replies(fake, [c for c, _, _ in results])
    for channel, start, ack in results:
        target.acks.append(ack * 1000)
        if channel in fake.at:
            target.reply_lat.append((fake.at[channel][0] - start) * 1000)


async def saturated(
    http: aiohttp.ClientSession,
    fake: Replies,
    target: Target,
    senders: int,
    seconds: float,
    base: int,
) -> None:
    counter = iter(range(base, base + 10_000_000))
    stop = time.perf_counter() + seconds
    channels: list[str] = []

    async def sender() -> None:
        while time.perf_counter() < stop:
            channel, _, _ = await send(http, target, next(counter), f"S{_tag(target)}{RUN}")
            channels.append(channel)

    start = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    await wait_replies(fake, channels)
    last = max((fake.at[c][0] for c in channels if c in fake.at), default=start)
    target.answered += sum(1 for c in channels if c in fake.at)
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


async def run(
    args: argparse.Namespace,
    fake: Replies,
    routes: Callable[[web.Application], None],
    start: Callable[[str], tuple[Target, ...]],
    health: str,
) -> None:
    """Serve the fake platform, start Policy Bot and its peers, drive them, print the figures."""
    fake_app = web.Application()
    routes(fake_app)
    runner = web.AppRunner(fake_app, access_log=None)
    await runner.setup()
    fake_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", fake_port).start()
    targets = start(f"http://127.0.0.1:{fake_port}/")
    try:
        await wait_up(health)
        for peer in targets[1:]:
            await wait_up(peer.url)
        connector = aiohttp.TCPConnector(limit=args.senders * 2)
        async with aiohttp.ClientSession(connector=connector) as http:
            for target in targets:  # warm up: users seen, code paths imported
                await saturated(http, fake, target, 8, 0.5, 9_000_000)
                target.answered, target.busy = 0, 0.0
            for target in targets:
                await paced(http, fake, target, args.rate, args.paced_seconds)
            for r in range(args.rounds):
                # Each round in another order, to cancel machine drift.
                order = targets[r % len(targets) :] + targets[: r % len(targets)]
                for target in order if r % 2 == 0 else order[::-1]:
                    await saturated(
                        http, fake, target, args.senders, args.saturated_seconds, r * 1_000_000
                    )
        peaks = {t.name: rss_peak_mb(t.proc.pid) for t in targets}
    finally:
        for t in targets:
            t.proc.send_signal(2)
            try:
                t.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                t.proc.kill()
        await runner.cleanup()
    report(args, fake, targets, peaks)


def report(
    args: argparse.Namespace, fake: Replies, targets: tuple[Target, ...], peaks: dict[str, float]
) -> None:
    """Print the figures."""
    rates = {}
    for t in targets:
        lost = sum(1 for c in t.channels if c not in fake.at)
        twice = sum(1 for c in t.channels if fake.twice(c))
        rates[t.name] = t.answered / t.busy if t.busy else float("nan")
        print(f"{t.name}:")
        print(
            f"  paced {args.rate:.0f}/s: ack p50 {pct(t.acks, 0.5):.1f} ms,"
            f" p99 {pct(t.acks, 0.99):.1f} ms;"
            f" reply p50 {pct(t.reply_lat, 0.5):.1f} ms, p99 {pct(t.reply_lat, 0.99):.1f} ms"
        )
        print(f"  saturated ({args.senders} senders): {rates[t.name]:.0f} answered/s")
        print(
            f"  events {len(t.channels)} (every {DUPLICATE_EVERY}th delivered twice), "
            f"lost {lost}, answered twice {twice}"
        )
        print(f"  peak RSS: {peaks[t.name]:.0f} MB")
    ours = targets[0]
    for peer in targets[1:]:
        print(f"{ours.name} / {peer.name} throughput: {rates[ours.name] / rates[peer.name]:.2f}")
    print(f"server log: {ours.log}")


def policybot(args: argparse.Namespace, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Policy Bot as a subprocess (optionally under cProfile), logging to `log`."""
    profile = ["-m", "cProfile", "-o", args.profile] if args.profile else []
    if args.database_url:
        env = {**env, "DATABASE_URL": args.database_url}
    return subprocess.Popen(
        [sys.executable, *profile, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
