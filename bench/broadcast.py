"""Broadcast benchmark: one announcement to 10,000 people through a rate-limited fake Slack.

Two `policybot worker` processes share PostgreSQL (recipient rows) and Redis (task queue and
rate limiter). The fake Slack Web API enforces a workspace-wide limit (429 with Retry-After
above it) and one message per second per conversation. Prints the elapsed time, the achieved
rate as a fraction of the enforced limit, and recipients missing or duplicated. With
--kill-worker one worker is killed with SIGKILL when half the messages are out.

    python bench/broadcast.py [--recipients 10000] [--limit 200] [--kill-worker]

Needs PostgreSQL and Redis (see --database and --redis).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from storage.db import make_engine  # noqa: E402
from tests.e2e.slack.fake import FakeSlack  # noqa: E402


def policybot(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        sys.exit(f"policybot {' '.join(args[:2])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def start_worker(env: dict[str, str], log: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,  # type: ignore[arg-type]
        stderr=subprocess.STDOUT,
    )


async def reset(database: str, redis_url: str) -> None:
    from redis.asyncio import Redis

    base, _, name = database.rpartition("/")
    admin = make_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        exists = await conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if exists.scalar() is None:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    engine = make_engine(database)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    client = Redis.from_url(redis_url)
    await client.flushdb()
    await client.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=200.0, help="Slack's limit, messages/s")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-worker", action="store_true")
    parser.add_argument(
        "--database", default="postgresql://postgres@127.0.0.1:5432/policybot_bench"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    args = parser.parse_args()

    await reset(args.database, args.redis)
    slack = FakeSlack(rate=args.limit, burst=0.1, per_channel=1.0)
    await slack.start()
    work = Path(tempfile.mkdtemp(prefix="policybot-bench-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("POLICYBOT_", "SLACK_"))},
        "DATABASE_URL": args.database,
        "POLICYBOT_SECRET_KEY": "b" * 43,
        "POLICYBOT_DATA_DIR": str(work / "data"),
        "TASK_BROKER_URL": args.redis,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "s" * 32,
        "SLACK_API_URL": slack.url,
        "SLACK_RATE": str(args.limit),  # configured at the documented limit
        "BROADCAST_LEASE_SECONDS": "10",
        "LOG_LEVEL": "WARNING",
    }
    policybot("db", "upgrade", env=env)
    users = [f"U{n:06d}" for n in range(args.recipients)]
    lines = ["email,name,department,roles,slack_user_id", "hr@example.com,HR,HR,hr,UHR000000"]
    lines += [f"p{n}@example.com,P{n},Staff,employee,{u}" for n, u in enumerate(users)]
    (work / "people.csv").write_text("\n".join(lines) + "\n")
    policybot("people", "import", str(work / "people.csv"), env=env)
    total = args.recipients + 1

    logs = [(work / f"worker{n}.log").open("wb") for n in range(args.workers)]
    workers = [start_worker(env, log) for log in logs]
    await asyncio.sleep(3)  # workers start (content, connections)
    started = time.perf_counter()
    out = await asyncio.to_thread(
        policybot,
        "announce", "create", "--as", "hr@example.com", "--title", "Policy version 2",
        "--summary", "Please read version 2 of the social media policy.", "--version", "2",
        "--send", env=env,
    )  # fmt: skip
    announcement_id = out.split("Announcement ")[1].split()[0]
    engine = make_engine(args.database)
    killed = False
    status = ""
    try:
        while time.perf_counter() - started < 3600:
            ok = len(slack.of("chat.postMessage", ok_only=True))
            if args.kill_worker and not killed and ok >= total // 2:
                workers[0].send_signal(signal.SIGKILL)
                killed = True
                print(f"killed worker 1 (pid {workers[0].pid}) after {ok} messages", flush=True)
            async with engine.connect() as conn:
                status = (
                    await conn.execute(
                        text("SELECT status FROM announcement WHERE id = :id"),
                        {"id": announcement_id},
                    )
                ).scalar_one()
            if status == "sent":
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        async with engine.connect() as conn:
            states = dict(
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
        for proc in workers:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(10)
        await slack.stop()

    posts = slack.of("chat.postMessage")
    accepted = [c for c in posts if c.status == 200]
    limited = [c for c in posts if c.status == 429]
    counts = {u: 0 for u in [*users, "UHR000000"]}
    for c in accepted:
        counts[str(c.args["channel"])] = counts.get(str(c.args["channel"]), 0) + 1
    missing = sum(1 for n in counts.values() if n == 0)
    duplicated = sum(1 for n in counts.values() if n > 1)
    window = accepted[-1].at - accepted[0].at if len(accepted) > 1 else float("nan")
    rate = (len(accepted) - 1) / window if window else float("nan")
    print(f"recipients          {total}")
    print(f"workers             {args.workers}{' (one killed halfway)' if killed else ''}")
    print(f"enforced limit      {args.limit:.0f} messages/s workspace-wide, 1/s per conversation")
    print(f"status              {status}; rows {states}")
    print(f"elapsed             {elapsed:.1f} s from `announce create --send` to sent")
    print(f"achieved rate       {rate:.1f} messages/s = {rate / args.limit:.3f} of the limit")
    print(f"answered 429        {len(limited)}")
    print(f"missing             {missing}")
    print(f"duplicated          {duplicated}")


if __name__ == "__main__":
    asyncio.run(main())
