"""The real app on a local port, talking to a local fake Slack Web API."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

import app
from bot.settings import load_settings
from tests.conftest import database_url
from tests.e2e.helpers import serve
from tests.e2e.slack.fake import FakeSlack

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slack"
EMPLOYEE = {
    "id": "U0EMPLOYEE",
    "name": "sam",
    "real_name": "Sam Rivera",
    "tz": "Europe/London",
    "profile": {"real_name": "Sam Rivera", "email": "sam@example.com"},
}
HR = {
    "id": "U0HR",
    "name": "hana",
    "real_name": "Hana HR",
    "tz": "Europe/London",
    "profile": {"real_name": "Hana HR", "email": "hana@example.com"},
}


def fixture(name: str) -> Any:
    """A recorded Slack payload."""
    path = FIXTURES / name
    return json.loads(path.read_text()) if path.suffix == ".json" else path.read_text()


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """Slack's request signature headers for `body`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def press(action_id: str, value: str, user: str = "U0EMPLOYEE") -> dict[str, Any]:
    """A button press (block_actions) by `user` in their DM with the bot."""
    body = copy.deepcopy(fixture("block_actions.json"))
    body["user"]["id"] = user
    if user != "U0EMPLOYEE":  # someone else's DM with the bot
        body["channel"]["id"] = body["container"]["channel_id"] = f"D{user}"
    body["actions"][0].update(action_id=f"{action_id}#0", value=value)
    return body


SELECTS = frozenset({"danger", "category", "severity", "identity", "version", "ack", "audience"})


def submit(callback: str, values: dict[str, str], user: str = "U0EMPLOYEE") -> dict[str, Any]:
    """A modal submission (view_submission) by `user`; select fields by their names."""
    body = copy.deepcopy(fixture("view_submission.json"))
    body["user"]["id"] = user
    body["view"]["callback_id"] = callback
    state: dict[str, Any] = {}
    for name, value in values.items():
        kind = "static_select" if name in SELECTS else ""
        element = (
            {"type": "static_select", "selected_option": {"value": value}}
            if kind
            else {"type": "plain_text_input", "value": value}
        )
        state[name] = {"value": element}
    body["view"]["state"]["values"] = state
    return body


@dataclass
class Server:
    """The running app: its URL, services and an HTTP session to call it."""

    url: str
    services: app.Services
    http: aiohttp.ClientSession

    async def send(
        self,
        body: dict[str, Any] | str,
        *,
        form: bool = False,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        secret: str = SECRET,
    ) -> aiohttp.ClientResponse:
        """POST a signed request to /slack/events (JSON, or form-encoded when `form`)."""
        text = body if isinstance(body, str) else json.dumps(body)
        if form and isinstance(body, dict):
            text = urlencode({"payload": json.dumps(body)})
        ctype = "application/x-www-form-urlencoded" if form else "application/json"
        all_headers = {"Content-Type": ctype, **sign(text, timestamp, secret), **(headers or {})}
        response = await self.http.post(
            f"{self.url}/slack/events", data=text.encode(), headers=all_headers
        )
        await response.read()
        return response


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack(users={"U0EMPLOYEE": EMPLOYEE, "U0HR": HR})
    await slack.start()
    yield slack
    await slack.stop()


@pytest.fixture
async def server(
    engine: object, fake: FakeSlack, tmp_path: Path, content: Any, faq: Any
) -> AsyncIterator[Server]:
    settings = load_settings(
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_SECRET_KEY="k" * 43,
        POLICYBOT_WORKER="false",  # tests drive deadlines and reminders themselves
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.url,
    )
    async for url, services, http in serve(settings, content, faq):
        yield Server(url, services, http)
