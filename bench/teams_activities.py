"""Teams activities throughput and latency: Policy Bot against a bare botbuilder echo bot.

Usage: python bench/teams_activities.py [--rate 100] [--paced-seconds 4]
       [--saturated-seconds 3] [--senders 64] [--rounds 3] [--database-url URL] [--profile FILE]
       [--questions six|varied]

Both servers run as subprocesses (authentication off, as with the Emulator) and answer
`message` activities through a local fake Bot Connector that runs here. Prints, for each:
HTTP response time and time until the reply reaches the fake (p50/p99) in a paced open-loop
phase, answered activities per second in a saturated phase (slices alternate between the two
servers to cancel machine drift), activities lost or answered twice (the same message posted
twice), and Policy Bot's peak RSS. `--questions` as in bench/slack_events.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote

import harness
from aiohttp import web
from harness import ROOT, Replies, Target, arguments, free_port, policybot, run

SERVICE_URL = [""]  # the fake connector's address, once it runs


def routes(fake: Replies) -> object:
    async def activity(request: web.Request) -> web.Response:
        body = await request.json()
        # What a card says (its body), not its buttons: those carry a new id in every answer.
        said = body.get("text") or json.dumps(
            [a["content"].get("body") for a in body.get("attachments") or []]
        )
        fake.got(unquote(request.match_info["conversation"]), said)
        return web.json_response({"id": "1"}, status=201)

    async def member(request: web.Request) -> web.Response:
        who = unquote(request.match_info["member"])
        return web.json_response({"id": who, "name": who, "email": f"{who}@example.com"})

    def add(app: web.Application) -> None:
        app.router.add_post("/v3/conversations/{conversation}/activities", activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", activity)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", member)

    return add


def signer(n: int, prefix: str, retry: bool) -> tuple[bytes, dict[str, str], str]:
    conversation = f"a:{prefix}{n}"
    body = {
        "type": "message",
        "id": f"m{n}",
        "channelId": "msteams",
        "serviceUrl": SERVICE_URL[0],
        "from": {"id": f"29:user{n % 50}", "name": f"User {n % 50}"},
        "conversation": {"id": conversation, "conversationType": "personal"},
        "recipient": {"id": "28:bot", "name": "Policy Bot"},
        "text": harness.QUESTIONS.text(prefix, n),
    }
    return json.dumps(body).encode(), {"Content-Type": "application/json"}, conversation


def main() -> None:
    args = arguments(rate=100)
    data = Path(tempfile.mkdtemp(prefix="policybot-bench-"))
    ours_port, bare_port = free_port(), free_port()

    def start(base: str) -> tuple[Target, Target]:
        SERVICE_URL[0] = base
        env = {
            **os.environ,
            "PORT": str(ours_port),
            "POLICYBOT_DATA_DIR": str(data),
            "POLICYBOT_SECRET_KEY": "b" * 43,
            "TEAMS_EMULATOR": "true",
            "LOG_LEVEL": "WARNING",
        }
        ours = Target(
            "ours",
            f"http://127.0.0.1:{ours_port}/api/messages",
            policybot(args, env, data / "server.log"),
            signer,
        )
        ours.log = str(data / "server.log")
        bare = Target(
            "bare",
            f"http://127.0.0.1:{bare_port}/api/messages",
            subprocess.Popen(
                [sys.executable, "bench/bare_echo.py", str(bare_port)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ),
            signer,
        )
        return ours, bare

    fake = Replies()
    health = f"http://127.0.0.1:{ours_port}/healthz"
    asyncio.run(run(args, fake, routes(fake), start, health))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
