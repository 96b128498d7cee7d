"""Teams end to end, the messaging endpoint: channel tokens, malformed and deeply nested
bodies, replayed activities, and text that is not valid Unicode."""

from __future__ import annotations

import asyncio
import json

from storage.tables import PersonRow, SeenEventRow
from tests.e2e.teams.conftest import APP_ID, Server, activity, count, shown
from tests.e2e.teams.fake import FakeConnector
from tests.e2e.teams.tokens import CLOCK_TOLERANCE, TokenIssuer, new_key


async def test_replayed_activity_is_answered_once(server: Server, connector: FakeConnector) -> None:
    body = activity("message_personal.json", connector.url)
    responses = await asyncio.gather(*(server.post(body) for _ in range(3)))
    assert all(r.status in (200, 201) for r in responses)
    await connector.wait_for(1)
    await asyncio.sleep(0.5)
    assert len(connector.delivered()) == 1
    assert await count(server, SeenEventRow) == 1


async def test_malformed_bodies_get_400_and_store_nothing(
    server: Server, connector: FakeConnector
) -> None:
    bad = await server.post('{"type": "message", "text": ')
    no_type = await server.post(json.dumps({"text": "hi"}))
    array = await server.post("[1, 2]")
    assert [bad.status, no_type.status, array.status] == [400, 400, 400]
    await asyncio.sleep(0.3)
    assert connector.calls == []
    assert await count(server, PersonRow) == 0


async def test_tokens_are_checked(secured: Server, issuer: TokenIssuer) -> None:
    service_url = "https://smba.trafficmanager.net/emea/"
    typing = activity("message_personal.json", service_url, type="typing", text=None)
    ok = await secured.post(typing, issuer.token(APP_ID, service_url))
    assert ok.status in (200, 201), await ok.text()
    cases = {
        "no token": None,
        "garbage": "garbage",
        "malformed jwt": "a.b.c",
        "wrong audience": issuer.token("someone-else", service_url),
        "expired": issuer.token(APP_ID, service_url, expires_in=-(CLOCK_TOLERANCE + 300)),
        "unsigned": issuer.token(APP_ID, service_url, sign=False),
        "other key": issuer.token(APP_ID, service_url, key=new_key()),
        "other service url": issuer.token(APP_ID, "https://evil.example/"),
    }
    for name, token in cases.items():
        response = await secured.post(typing, token)
        assert response.status == 401, name
    assert await count(secured, PersonRow) == 0


async def test_deeply_nested_json_without_a_token_is_refused_not_a_server_error(
    secured: Server, connector: FakeConnector
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    nested_value = '{"type": "message", "value": ' + deep + "}"
    responses = [await secured.post(deep), await secured.post(nested_value)]
    assert [r.status for r in responses] == [400, 400]
    assert await count(secured, PersonRow) == 0


async def test_a_lone_surrogate_in_a_message_gets_a_normal_answer(
    server: Server, connector: FakeConnector
) -> None:
    # A question the bot cannot answer, so that its text is stored for HR to see.
    body = activity("message_personal.json", connector.url, text="zqxv blorf frobnicate")
    raw = json.dumps(body).replace("blorf", "blorf\\ud800")  # valid JSON, invalid text
    assert "\\ud800" in raw
    response = await server.post(raw)
    assert response.status in (200, 201)
    (reply,) = await connector.wait_for(1)
    assert server.services.deps.content.chat.unavailable not in shown(reply)
    assert "not sure" in shown(reply)
