"""The real app on a local port in Teams mode, with a local fake Bot Connector."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

import app
from bot.settings import load_settings
from storage.tables import PersonRow
from tests.conftest import database_url
from tests.e2e import helpers
from tests.e2e.helpers import serve
from tests.e2e.teams.fake import FakeConnector, Sent
from tests.e2e.teams.tokens import TokenIssuer

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "teams"
SAM = "29:1employeeAbCdEfGhIjKlMnOpQrStUvWxYz"
APP_ID = "00000000-0000-4000-8000-00000000b07a"
HANA = "29:1hanaHrUserId"


def activity(name: str, service_url: str, **changes: Any) -> dict[str, Any]:
    """A recorded Teams activity, pointed at the fake connector."""
    body: dict[str, Any] = copy.deepcopy(json.loads((FIXTURES / name).read_text()))
    body["serviceUrl"] = service_url
    body.update(changes)
    return body


@dataclass
class Server:
    """The running app and an HTTP session to call it."""

    url: str
    services: app.Services
    http: aiohttp.ClientSession

    async def post(
        self, body: dict[str, Any] | str, token: str | None = None
    ) -> aiohttp.ClientResponse:
        """POST an activity to /api/messages."""
        data = body if isinstance(body, str) else json.dumps(body)
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.http.post(f"{self.url}/api/messages", data=data, headers=headers)
        await response.read()
        return response


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector(
        members={
            SAM: {
                "id": SAM,
                "name": "Sam Rivera",
                "email": "sam@example.com",
                "userPrincipalName": "sam@example.com",
                "aadObjectId": "6b3a2c1d-0000-4000-8000-000000000001",
            }
        }
    )
    await fake.start()
    yield fake
    await fake.stop()


async def _serve(settings: Any, content: Any, faq: Any) -> AsyncIterator[Server]:
    async for url, services, http in serve(settings, content, faq):
        yield Server(url, services, http)


@pytest.fixture
async def server(
    engine: object, connector: FakeConnector, tmp_path: Path, content: Any, faq: Any
) -> AsyncIterator[Server]:
    """Emulator mode: no app id, authentication off (as with the Bot Framework Emulator)."""
    settings = load_settings(
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_SECRET_KEY="k" * 43,
        POLICYBOT_WORKER="false",  # tests drive deadlines and reminders themselves
        TEAMS_EMULATOR="true",
    )
    async for running in _serve(settings, content, faq):
        yield running


@pytest.fixture
async def issuer() -> AsyncIterator[TokenIssuer]:
    tokens = TokenIssuer()
    await tokens.start()
    yield tokens
    await tokens.stop()


@pytest.fixture
async def secured(
    engine: object, issuer: TokenIssuer, tmp_path: Path, content: Any, faq: Any
) -> AsyncIterator[Server]:
    """With an app id: every request must carry a valid channel token."""
    settings = load_settings(
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_SECRET_KEY="k" * 43,
        POLICYBOT_WORKER="false",  # tests drive deadlines and reminders themselves
        MICROSOFT_APP_ID=APP_ID,
        MICROSOFT_APP_PASSWORD="not-used-in-these-tests",
        TEAMS_OPENID_METADATA_URL=issuer.metadata_url,
    )
    async for running in _serve(settings, content, faq):
        yield running


def shown(sent: Sent) -> str:
    """Everything an activity shows: text and card content."""
    text: str = sent.body.get("text", "")
    return text + json.dumps(sent.body.get("attachments", []))


async def count(server: Server, table: Any) -> int:
    return await helpers.count(server.services, table)


async def hana_is_hr_with_a_conversation(server: Server, connector: FakeConnector) -> None:
    connector.members[HANA] = {"id": HANA, "name": "Hana HR", "email": "hana@example.com"}
    hello = activity(
        "message_personal.json",
        connector.url,
        text="hello",
        id="hana-1",
        conversation={"conversationType": "personal", "id": "a:hanaConversation"},
        **{"from": {"id": HANA, "name": "Hana HR"}},
    )
    await server.post(hello)
    await connector.wait_for(1)
    async with server.services.store() as uow:
        hana = (await uow.session.exec(select(PersonRow))).one()
        hana.roles = "employee,hr"
        uow.session.add(hana)
        await uow.commit()
