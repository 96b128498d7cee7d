"""Crash tests through the real server process: a burst of signed Slack events, the server
killed (SIGKILL) or stopped (SIGTERM) in the middle and started again, and a sender that,
like Slack, sends again every event it did not see acknowledged. Every event must be
answered exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.conftest import free_port
from tests.e2e.helpers import eventually
from tests.e2e.slack.conftest import SECRET, sign
from tests.e2e.slack.fake import FakeSlack

ROOT = Path(__file__).resolve().parents[3]
EVENTS = 400
CONCURRENT = 32
QUESTIONS = (
    "can I talk about my salary online?",
    "may I post photos of my colleagues?",
    "a journalist messaged me on linkedin, what do I do",
    "is the policy survey anonymous?",
)


def _event(run: str, n: int) -> dict[str, object]:
    return {
        "token": "t",
        "team_id": "T0TEAM",
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": f"Ev{run}{n:04d}",
        "event_time": int(time.time()),
        "authorizations": [{"user_id": "U0BOT", "is_bot": True}],
        "event": {
            "type": "message",
            "channel_type": "im",
            "user": f"U{run}{n:04d}",
            "channel": f"D{run}{n:04d}",
            "text": QUESTIONS[n % len(QUESTIONS)],
            "ts": f"{time.time():.6f}",
        },
    }


class Server:
    """`python app.py` as a real process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{env['PORT']}"

    def spawn(self) -> None:
        with open(Path(self.env["POLICYBOT_DATA_DIR"]).parent / "server.log", "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "app.py"], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )

    async def start(self, http: aiohttp.ClientSession) -> None:
        self.spawn()
        assert self.proc is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                async with http.get(self.url + "/healthz") as response:
                    if response.status in (200, 503):
                        return
            except aiohttp.ClientError:
                pass
            assert self.proc.poll() is None, "the server exited at start-up"
            await asyncio.sleep(0.1)
        raise AssertionError("the server did not start")

    def stop(self, how: signal.Signals) -> None:
        assert self.proc is not None
        self.proc.send_signal(how)
        self.proc.wait(timeout=30)

    def kill(self) -> None:
        """Make sure no server outlives the test (one left running keeps working on the
        shared test database and disturbs the tests after it)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


async def _crash_and_restart(env: dict[str, str], how: signal.Signals) -> None:
    fake = FakeSlack()
    await fake.start()
    port = free_port()
    env = {
        **env,
        "PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url + "/",
        "INBOX_LEASE_SECONDS": "2",
    }
    server = Server(env)
    run = secrets.token_hex(2).upper()
    acked: set[int] = set()
    queue: asyncio.Queue[tuple[int, int]] = asyncio.Queue()
    for n in range(EVENTS):
        queue.put_nowait((n, 0))
    crashed = asyncio.Event()

    async def sender(http: aiohttp.ClientSession) -> None:
        while len(acked) < EVENTS:
            try:
                n, tries = queue.get_nowait()
            except asyncio.QueueEmpty:
                await asyncio.sleep(0.05)
                continue
            body = json.dumps(_event(run, n))
            headers = {"Content-Type": "application/json", **sign(body)}
            if tries:
                headers["X-Slack-Retry-Num"] = str(tries)
                headers["X-Slack-Retry-Reason"] = "http_timeout"
            try:
                async with http.post(server.url + "/slack/events", data=body, headers=headers) as r:
                    await r.read()
                    ok = r.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok:
                acked.add(n)
                if len(acked) >= EVENTS * 3 // 8 and not crashed.is_set():
                    crashed.set()
            else:
                await asyncio.sleep(0.2)  # Slack waits before it sends again
                queue.put_nowait((n, tries + 1))

    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        senders: list[asyncio.Task[None]] = []
        try:
            await server.start(http)
            senders += [asyncio.create_task(sender(http)) for _ in range(CONCURRENT)]
            await asyncio.wait_for(crashed.wait(), 60)
            server.stop(how)
            await server.start(http)
            await asyncio.wait_for(asyncio.gather(*senders), 120)

            def replied() -> Counter[str]:
                return Counter(
                    channel
                    for channel, messages in fake.posted.items()
                    for _ in messages
                    if channel.startswith(f"D{run}")
                )

            async def all_replied() -> bool:
                return len(replied()) >= EVENTS

            await eventually(all_replied, within=60)
            server.stop(signal.SIGTERM)
        finally:
            for task in senders:
                task.cancel()
            server.kill()
    await fake.stop()

    tags = Counter(
        (channel, json.dumps(m.get("metadata") or {}, sort_keys=True))
        for channel, messages in fake.posted.items()
        if channel.startswith(f"D{run}")
        for m in messages
    )
    got = {channel for channel, _ in tags}
    lost = [n for n in range(EVENTS) if f"D{run}{n:04d}" not in got]
    twice = [key for key, times in tags.items() if times > 1]
    print(f"{how.name}: {EVENTS} events, lost {len(lost)}, answered twice {len(twice)}")
    assert lost == [] and twice == []


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
async def test_a_crash_mid_burst_loses_nothing_and_answers_nothing_twice(
    env: dict[str, str], how: signal.Signals
) -> None:
    if os.name != "posix":
        pytest.skip("needs POSIX signals")
    await _crash_and_restart(env, how)
