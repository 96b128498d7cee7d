"""The real app on a local port, talking to a local fake Slack Web API."""

from __future__ import annotations

import asyncio
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
from sqlmodel import SQLModel

import app
from adapters.broadcast import Broadcaster
from bot.settings import load_settings
from tests.conftest import database_url
from tests.e2e import helpers
from tests.e2e.helpers import broadcasting, serve, task_queue
from tests.e2e.slack.fake import Call, FakeSlack
from tests.people import flat, person_rows

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slack"
EMPLOYEE: dict[str, Any] = {
    "id": "U0EMPLOYEE",
    "name": "sam",
    "real_name": "Sam Rivera",
    "tz": "Europe/London",
    "profile": {"real_name": "Sam Rivera", "email": "sam@example.com"},
}
HR: dict[str, Any] = {
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
    body: dict[str, Any] = copy.deepcopy(fixture("block_actions.json"))
    body["user"]["id"] = user
    if user != "U0EMPLOYEE":  # someone else's DM with the bot
        body["channel"]["id"] = body["container"]["channel_id"] = f"D{user}"
    body["actions"][0].update(action_id=f"{action_id}#0", value=value)
    return body


MULTISELECTS = frozenset({"audience"})
SELECTS = frozenset({"danger", "category", "severity", "identity", "version", "ack", "audience"})


def submit(callback: str, values: dict[str, str], user: str = "U0EMPLOYEE") -> dict[str, Any]:
    """A modal submission (view_submission) by `user`; select fields by their names."""
    body: dict[str, Any] = copy.deepcopy(fixture("view_submission.json"))
    body["user"]["id"] = user
    body["view"]["callback_id"] = callback
    state: dict[str, Any] = {}
    for name, value in values.items():
        kind = "static_select" if name in SELECTS else ""
        element: dict[str, Any] = (
            {"type": "static_select", "selected_option": {"value": value}}
            if kind
            else {"type": "plain_text_input", "value": value}
        )
        if name in MULTISELECTS:
            chosen = [{"value": v} for v in value.split(",") if v]
            element = {"type": "multi_static_select", "selected_options": chosen}
        state[name] = {"value": element}
    body["view"]["state"]["values"] = state
    return body


@dataclass
class Endpoint:
    """A running app's Slack endpoint (in this process or another): its URL and an HTTP
    session to call it."""

    url: str
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


@dataclass
class Server(Endpoint):
    """The app running in this process: its endpoint and its services."""

    services: app.Services


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
        yield Server(url, http, services)


def hr() -> list[SQLModel]:
    return person_rows(
        id="hana",
        display_name="Hana HR",
        email="hana@example.com",
        roles="hr",
        accounts={"slack": "U0HR"},
    )


@pytest.fixture
async def hub(
    engine: object, fake: FakeSlack, tmp_path: Path, content: Any, faq: Any
) -> AsyncIterator[tuple[Server, Broadcaster]]:
    """The app and a broadcaster (ticked by the test): on PostgreSQL with Redis as the task
    queue and limiter, on SQLite with the in-memory queue."""
    settings = load_settings(
        channels=True,
        **await task_queue(),
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_SECRET_KEY="k" * 43,
        POLICYBOT_WORKER="false",
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.url,
        SLACK_RATE="2000",
        BROADCAST_LEASE_SECONDS="2",
    )
    async for url, services, http in serve(settings, content, faq):
        async for broadcaster in broadcasting(services):
            yield Server(url, http, services), broadcaster


async def staff(server: Server, count: int, **extra: SQLModel | list[SQLModel]) -> list[str]:
    """HR plus `count` employees with Slack accounts; their Slack ids."""
    ids = [f"U{n:05d}" for n in range(count)]
    async with server.services.store() as uow:
        uow.session.add_all(hr())
        for n, user in enumerate(ids):
            uow.session.add_all(
                person_rows(
                    id=f"p{n}",
                    display_name=f"Person {n:05d}",
                    email=f"p{n}@example.com",
                    department="Sales" if n % 2 else "Support",
                    accounts={"slack": user},
                )
            )
        uow.session.add_all(flat(extra.values()))
        await uow.commit()
    return ids


def slash(text: str, user: str = "U0HR") -> str:
    command: str = fixture("slash_command.txt")
    return command.replace("text=ask+is+the+survey+anonymous%3F", f"text={text}").replace(
        "user_id=U0EMPLOYEE", f"user_id={user}"
    )


def shown(call: Call) -> str:
    text: str = call.args.get("text", "")
    return text + json.dumps(call.args.get("blocks") or [])


def buttons(call: Any) -> dict[str, str]:
    """A posted message's buttons: action id (without its index) -> value."""
    found = {}
    for block in call.args.get("blocks") or []:
        for element in block.get("elements", []):
            if "action_id" in element:
                found[element["action_id"].split("#")[0]] = element.get("value", "")
    return found


async def add_people(server: Server, *people: SQLModel | list[SQLModel]) -> None:
    """Put people in the directory, as an HR import would."""
    async with server.services.store() as uow:
        uow.session.add_all(flat(people))
        await uow.commit()


def dm(text: str, event_id: str, user: str = "U0EMPLOYEE", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = fixture("message_im.json")
    body["event_id"] = event_id
    body["event"].update(text=text, user=user, ts=f"{time.time():.6f}", **extra)
    return body


def texts(call: Call) -> str:
    """Everything a posted message shows, as one string."""
    blocks = call.args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    text: str = call.args.get("text", "")
    return text + "\n" + json.dumps(blocks)


async def count(server: Server, table: Any) -> int:
    return await helpers.count(server.services, table)


async def settle(seconds: float = 0.4) -> None:
    """Give background work the time to do something it should not."""
    await asyncio.sleep(seconds)
