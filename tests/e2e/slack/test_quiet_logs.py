"""`python app.py` at LOG_LEVEL=DEBUG: an anonymous report through Slack, the handler's
message and the reporter's follow-up leave none of what was written in the log."""

from __future__ import annotations

import asyncio
import csv
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.conftest import free_port, policybot
from tests.e2e.slack.conftest import EMPLOYEE, HR, SECRET, Endpoint, press, submit
from tests.e2e.slack.fake import FakeSlack

ROOT = Path(__file__).resolve().parents[3]
WHAT = "Someone keeps posting my home address under the launch video, it is 14 Elm Row"
WHERE = "the video site, comment thread of the launch clip"
HANDLER_SAYS = "We asked the site to take the comments with your address down today"
REPORTER_ADDS = "They have started posting photos of my front door as well"


def receipt_of(*views: Any) -> tuple[str, str]:
    """The receipt and passphrase from whichever view shows them."""
    text = json.dumps(views)
    receipt = text.split("Your receipt: ", 1)[1].split("\\n", 1)[0]
    passphrase = text.split("Your passphrase: ", 1)[1].split("\\n", 1)[0]
    return receipt.rstrip("\\"), passphrase.rstrip("\\")


def acknowledgeable(call: Any) -> bool:
    """A new case's card: it has an acknowledge button (a training reminder has none)."""
    return any(
        e.get("action_id", "").startswith("case_ack")
        for b in call.args.get("blocks") or []
        if b.get("type") == "actions"
        for e in b["elements"]
    )


async def wait_up(http: aiohttp.ClientSession, url: str, proc: Any) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.returncode is None, "the server exited"
        try:
            async with http.get(f"{url}/healthz") as response:
                if response.status in (200, 503):
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("the server did not come up")


async def test_debug_log_holds_nothing_anyone_wrote(env: dict[str, str], tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    with people.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["email", "name", "slack_user_id", "roles"])
        writer.writerow([HR["profile"]["email"], HR["real_name"], HR["id"], "hr;handler"])
    fake = FakeSlack(users={"U0EMPLOYEE": EMPLOYEE, "U0HR": HR})
    await fake.start()
    port = free_port()
    server_env = {
        **env,
        "PORT": str(port),
        "LOG_LEVEL": "DEBUG",
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
    }
    imported = await asyncio.to_thread(policybot, "people", "import", str(people), env=env)
    assert imported.returncode == 0, imported.stderr
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log_file:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "app.py", cwd=ROOT, env=server_env, stdout=log_file, stderr=log_file
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await wait_up(http, url, proc)
            server = Endpoint(url, http)  # the app runs in its own process
            await server.send(press("report_start", "-"), form=True)
            await fake.wait_for("views.open")
            fields = {
                "danger": "no",
                "category": "doxxing",
                "severity": "high",
                "what": WHAT,
                "where": WHERE,
                "when": "since Monday",
                "identity": "anonymous",
                "exclude": "",
            }
            sent = await server.send(submit("report", fields), form=True)
            answer = await sent.json() if sent.content_length else {}
            (card,) = await fake.wait_for("chat.postMessage", where=acknowledgeable)
            updates = [c.args for c in fake.of("views.update")]
            receipt, passphrase = receipt_of(answer, updates)
            assert card.args["channel"] == "U0HR"  # the handler's card
            case_id = next(
                e["value"]
                for b in card.args["blocks"]
                if b["type"] == "actions"
                for e in b["elements"]
                if e["action_id"].startswith("case_ack")
            )
            await server.send(press("case_ack", case_id, user="U0HR"), form=True)
            await server.send(press("case_message", case_id, user="U0HR"), form=True)
            (_, message_form) = await fake.wait_for("views.open", 2)
            view = message_form.args["view"]
            view = json.loads(view) if isinstance(view, str) else view
            reply = submit("case_message", {"message": HANDLER_SAYS}, "U0HR")
            reply["view"]["private_metadata"] = view["private_metadata"]
            await server.send(reply, form=True)
            followed = await server.send(
                submit(
                    "report_followup",
                    {"receipt": receipt, "passphrase": passphrase, "message": REPORTER_ADDS},
                ),
                form=True,
            )
            assert followed.status == 200
            shown = json.dumps([await followed.text(), [c.args for c in fake.of("views.update")]])
            assert HANDLER_SAYS in shown  # the follow-up worked
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), timeout=20)
        await fake.stop()
    log = log_path.read_text()
    assert " DEBUG policybot: logging at DEBUG" in log
    for secret in (receipt, passphrase, WHAT, WHERE, HANDLER_SAYS, REPORTER_ADDS):
        for piece in (secret, secret[:24], secret.replace("-", "")):
            assert piece not in log, f"{piece!r} is in the log"
    for identity in ("U0EMPLOYEE", "Sam Rivera", "sam@example.com"):  # the anonymous reporter
        assert identity not in log, f"{identity!r} is in the log"
