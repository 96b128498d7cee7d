"""Socket Mode: with SLACK_APP_TOKEN the app opens a WebSocket to Slack instead of serving
/slack/events; events arrive as envelopes, are acked, and answered through the Web API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.settings import load_settings
from tests.conftest import database_url
from tests.e2e.helpers import serve
from tests.e2e.slack.conftest import Server, fixture, shown
from tests.e2e.slack.fake import FakeSlack


@pytest.fixture
async def socket_server(
    engine: object, fake: FakeSlack, tmp_path: Path, content: Any, faq: Any
) -> AsyncIterator[Server]:
    settings = load_settings(
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_SECRET_KEY="k" * 43,
        POLICYBOT_WORKER="false",
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_APP_TOKEN="xapp-1-test-token",
        SLACK_API_URL=fake.url,
    )
    async for url, services, http in serve(settings, content, faq):
        yield Server(url, http, services)


def envelope(envelope_id: str, retry: int = 0) -> dict[str, Any]:
    body = fixture("message_im.json")
    return {
        "envelope_id": envelope_id,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry,
        "retry_reason": "timeout" if retry else "",
        "payload": body,
    }


async def test_events_over_socket_mode_are_acked_and_answered_once(
    socket_server: Server, fake: FakeSlack
) -> None:
    assert fake.of("apps.connections.open") and fake.sockets  # connected at start-up
    # No public route: requests to /slack/events are not served.
    response = await socket_server.http.post(f"{socket_server.url}/slack/events", data=b"{}")
    assert response.status == 404

    await fake.push(envelope("env-1"))
    assert (await fake.wait_for_ack("env-1"))["envelope_id"] == "env-1"
    (answer,) = await fake.wait_for("chat.postMessage")
    assert "pay" in shown(answer).lower()
    # Slack redelivers the same event (a retry after a lost ack): answered once.
    await fake.push(envelope("env-2", retry=1))
    await fake.wait_for_ack("env-2")
    await fake.wait_for("chat.postMessage", 1)
    await asyncio.sleep(0.5)
    assert len(fake.of("chat.postMessage")) == 1


async def test_a_message_is_acked_over_socket_mode_only_once_recorded(
    socket_server: Server, fake: FakeSlack
) -> None:
    """While the inbox cannot be written the envelope is left unacknowledged (so Slack keeps
    it and sends it again); once it can, the redelivered envelope is acked and answered once."""
    await fake.wait_for("apps.connections.open")
    engine = socket_server.services.store.engine
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE inbox RENAME TO inbox_away"))
    try:
        await fake.push(envelope("env-down"))
        with pytest.raises(TimeoutError):
            await fake.wait_for_ack("env-down", within=1.5)
        assert not fake.of("chat.postMessage")
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE inbox_away RENAME TO inbox"))
    await fake.push(envelope("env-again", retry=1))  # Slack's redelivery of the same event
    await fake.wait_for_ack("env-again")
    (answer,) = await fake.wait_for("chat.postMessage")
    assert "pay" in shown(answer).lower()
    await asyncio.sleep(0.5)
    assert len(fake.of("chat.postMessage")) == 1
