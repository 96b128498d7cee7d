"""Separate worker processes on PostgreSQL and Redis: one is killed with SIGKILL mid-broadcast.

The real `policybot` command imports the directory and sends the announcement; two real
`policybot worker` processes share the Redis task queue and rate limiter and the PostgreSQL
recipient rows; Slack is the local fake Web API, which answers a little slowly so that the
kill lands while sends are in flight.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import make_engine
from tests.e2e.conftest import policybot
from tests.e2e.slack.fake import FakeSlack

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
PEOPLE = 400


async def _redis_or_skip() -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.flushdb()  # a private database number: queue and limiter start empty
    except OSError as exc:
        if os.environ.get("REQUIRE_TEST_REDIS"):
            raise
        pytest.skip(f"Redis at TEST_REDIS_URL is not reachable: {exc}")
    finally:
        await client.aclose()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(rate=150.0, burst=0.2, answer_delay=0.02)
    await fake.start()
    yield fake
    await fake.stop()


def worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


async def test_a_worker_killed_mid_broadcast_loses_and_repeats_no_one(
    env: dict[str, str], slack: FakeSlack, tmp_path: Path
) -> None:
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("separate workers need PostgreSQL: set TEST_DATABASE_URL")
    await _redis_or_skip()
    env = {
        **env,
        "TASK_BROKER_URL": REDIS_URL,
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": "s" * 32,
        "SLACK_API_URL": slack.url,
        "SLACK_RATE": "150",
        "BROADCAST_LEASE_SECONDS": "3",
    }
    lines = ["email,name,department,roles,slack_user_id", "hana@example.com,Hana,HR,hr,U0HR"]
    users = [f"U{n:05d}" for n in range(PEOPLE)]
    lines += [f"p{n}@example.com,Person {n},Sales,employee,{u}" for n, u in enumerate(users)]
    (tmp_path / "people.csv").write_text("\n".join(lines) + "\n")
    imported = await asyncio.to_thread(
        policybot, "people", "import", str(tmp_path / "people.csv"), env=env
    )
    assert imported.returncode == 0, imported.stderr

    workers = [worker(env, tmp_path / f"worker{n}.log") for n in range(2)]
    try:
        created = await asyncio.to_thread(
            policybot,
            "announce", "create", "--as", "hana@example.com", "--title", "Version 2",
            "--summary", "Please read version 2 of the policy.", "--version", "2", "--send",
            env=env,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        announcement_id = created.stdout.split("Announcement ")[1].split()[0]

        # Kill one worker with SIGKILL once a quarter of the messages are out.
        for _ in range(600):
            if len(slack.of("chat.postMessage", ok_only=True)) >= PEOPLE // 4:
                break
            await asyncio.sleep(0.05)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)

        engine = make_engine(env["DATABASE_URL"])
        try:
            for _ in range(1200):
                async with engine.connect() as conn:
                    status = (
                        await conn.execute(
                            text("SELECT status FROM announcement WHERE id = :id"),
                            {"id": announcement_id},
                        )
                    ).scalar_one()
                if status == "sent":
                    break
                await asyncio.sleep(0.1)
            assert status == "sent", (tmp_path / "worker1.log").read_text()[-3000:]
            async with engine.connect() as conn:
                states: dict[str, int] = dict(
                    (
                        await conn.execute(
                            text(
                                "SELECT state, count(*) FROM announcement_recipient "
                                "WHERE announcement_id = :id GROUP BY state"
                            ),
                            {"id": announcement_id},
                        )
                    ).all()
                )
        finally:
            await engine.dispose()
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)

    assert states == {"delivered": PEOPLE + 1}
    # Both workers paced themselves through the limiter they share in Redis: Slack hardly
    # ever had to say 429.
    limited = [c for c in slack.of("chat.postMessage") if c.status == 429]
    assert len(limited) < PEOPLE // 20
    for user in [*users, "U0HR"]:
        tagged = [
            m
            for m in slack.received(user)
            if (m.get("metadata") or {}).get("event_payload", {}).get("announcement_id")
            == announcement_id
        ]
        assert len(tagged) == 1, f"{user} got the announcement {len(tagged)} times"
