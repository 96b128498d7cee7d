"""`python app.py` as a real process while its task queue (Redis) is unreachable: health is
ok, questions are answered, a question for HR reaches HR, an announcement waits in the
database instead of failing, and the server shuts down cleanly."""

from __future__ import annotations

import asyncio
import copy
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

from storage.db import default_url, make_engine
from tests.e2e.conftest import free_port, policybot
from tests.e2e.slack.conftest import EMPLOYEE, HR, SECRET, fixture, press, shown, sign
from tests.e2e.slack.fake import Call, FakeSlack

ROOT = Path(__file__).resolve().parents[3]


def in_dm(call: Call) -> bool:
    """A message in the employee's DM (not, say, a training reminder to HR)."""
    return bool(call.args.get("channel") == "D0DMCHANNEL")


def dm(text: str, event_id: str) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(fixture("message_im.json"))
    body["event_id"] = event_id
    body["event"].update(text=text, ts=f"{time.time():.6f}")
    return body


def server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


async def post(http: aiohttp.ClientSession, url: str, body: dict[str, Any], form: bool) -> int:
    from urllib.parse import urlencode

    data = urlencode({"payload": json.dumps(body)}) if form else json.dumps(body)
    kind = "application/x-www-form-urlencoded" if form else "application/json"
    headers = {"Content-Type": kind, **sign(data)}
    async with http.post(f"{url}/slack/events", data=data.encode(), headers=headers) as response:
        await response.read()
        return response.status


async def test_chat_is_served_while_the_task_queue_is_down(
    env: dict[str, str], tmp_path: Path
) -> None:
    fake = FakeSlack(users={"U0EMPLOYEE": EMPLOYEE, "U0HR": HR})
    await fake.start()
    port = free_port()
    env = {
        **env,
        "PORT": str(port),
        "TASK_BROKER_URL": "redis://127.0.0.1:1/0",  # nothing listens there
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
    }
    people = tmp_path / "people.csv"
    people.write_text("email,name,roles,slack_user_id\nhana@example.com,Hana HR,hr,U0HR\n")
    assert (
        await asyncio.to_thread(policybot, "people", "import", str(people), env=env)
    ).returncode == 0
    log = tmp_path / "server.log"
    proc = server(env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                assert proc.poll() is None, log.read_text()
                try:
                    async with http.get(f"{url}/healthz") as response:
                        health = await response.json()
                        break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            assert response.status == 200 and health["status"] == "ok", health

            # A policy question is answered.
            assert (
                await post(http, url, dm("can I talk about my salary online?", "EvQ1"), False)
                == 200
            )
            answer = (await fake.wait_for("chat.postMessage", 1, within=20, where=in_dm))[0]
            assert "discuss your pay" in shown(answer)
            # A question the bot cannot answer goes to HR, and HR is told.
            assert (
                await post(http, url, dm("How many vacation days do I get?", "EvQ2"), False) == 200
            )
            await fake.wait_for("chat.postMessage", 2, within=20, where=in_dm)
            assert await post(http, url, press("ask_hr_send", ""), True) == 200
            to_hr = await fake.wait_for(
                "chat.postMessage",
                within=20,
                where=lambda c: "vacation days" in shown(c) and not in_dm(c),
            )
            assert to_hr

        # An announcement sent meanwhile waits in the database: nothing fails, nothing is lost.
        created = await asyncio.to_thread(
            policybot,
            "announce", "create", "--as", "hana@example.com", "--title", "Version 2",
            "--summary", "Please read it.", "--send",
            env=env,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        announcement_id = created.stdout.split("Announcement ")[1].split()[0]
        await asyncio.sleep(1)
        engine = make_engine(
            env.get("DATABASE_URL") or default_url(Path(env["POLICYBOT_DATA_DIR"]))
        )
        try:
            async with engine.connect() as conn:
                status = (
                    await conn.execute(
                        text("SELECT status FROM announcement WHERE id = :id"),
                        {"id": announcement_id},
                    )
                ).scalar_one()
        finally:
            await engine.dispose()
        assert status == "scheduled"
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 20)
        await fake.stop()
    out = log.read_text()
    assert proc.returncode == 0, out
    assert "task queue unreachable (ConnectionError): check TASK_BROKER_URL" in out
    assert "Traceback" not in out
