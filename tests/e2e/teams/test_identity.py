"""A slow identity provider slows only the requests that need it: the signing keys and the
bot's own token are fetched off the event loop, so /healthz and other requests stay fast."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import jwt
import pytest

from tests.e2e.teams.conftest import APP_ID, Server, activity
from tests.e2e.teams.fake import FakeConnector
from tests.e2e.teams.tokens import TokenIssuer

DELAY = 4.0


async def timed(call: Any) -> tuple[int, float]:
    started = time.monotonic()
    response = await call
    return response.status, round(time.monotonic() - started, 3)


async def meanwhile(server: Server, connector: FakeConnector) -> list[tuple[int, float]]:
    """Requests that need nothing from the identity provider: health, a malformed body and an
    activity without a token."""
    tokenless = activity("message_personal.json", connector.url)
    return [
        await timed(server.http.get(f"{server.url}/healthz")),
        await timed(server.http.post(f"{server.url}/api/messages", data="{", headers=JSON)),
        await timed(server.post(tokenless)),
    ]


JSON = {"Content-Type": "application/json"}


async def test_slow_signing_keys_do_not_freeze_the_server(
    secured: Server, issuer: TokenIssuer, connector: FakeConnector
) -> None:
    issuer.delay = DELAY
    typing = activity("message_personal.json", connector.url, type="typing", text=None)
    started = time.monotonic()
    checked = asyncio.create_task(secured.post(typing, issuer.token(APP_ID, connector.url)))
    await asyncio.sleep(0.3)  # the token check is now waiting for the keys
    others = await meanwhile(secured, connector)
    # Measured from the start: a blocked loop would also have held up the sleep.
    assert time.monotonic() - started < 1.5, others
    assert not checked.done()  # ... while the provider was still answering
    assert [status for status, _ in others] == [200, 400, 401]
    assert (await checked).status in (200, 201)
    assert time.monotonic() - started >= DELAY  # the provider really was slow


async def test_a_slow_token_endpoint_does_not_freeze_the_server(
    secured: Server,
    issuer: TokenIssuer,
    connector: FakeConnector,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from botframework.connector.auth import MicrosoftAppCredentials

    fetched: list[str] = []

    def slow_token(self: Any, force_refresh: bool = False) -> str:
        # What msal does: a blocking call to the identity provider's token endpoint.
        fetched.append(threading.current_thread().name)
        time.sleep(DELAY)
        return jwt.encode({"exp": int(time.time()) + 3600, "aud": self.oauth_scope}, "k" * 32)

    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", slow_token)
    token = issuer.token(APP_ID, connector.url)
    started = time.monotonic()
    answered = asyncio.create_task(
        secured.post(activity("message_personal.json", connector.url), token)
    )
    await asyncio.sleep(0.3)  # the reply is now waiting for the bot's token
    others = await meanwhile(secured, connector)
    assert time.monotonic() - started < 1.5, others
    assert not answered.done()
    assert [status for status, _ in others] == [200, 400, 401]
    assert (await answered).status in (200, 201)
    (reply,) = await connector.wait_for(1)
    assert "pay" in str(reply.body)
    again = activity("message_personal.json", connector.url, id="second")
    assert (await secured.post(again, token)).status in (200, 201)
    await connector.wait_for(2)
    assert len(fetched) == 1  # kept for the next turns
    assert fetched[0] != threading.main_thread().name
