"""Slack end to end, the events endpoint: URL verification, signatures, malformed and
oversized bodies, retries and duplicates, events it ignores, and acknowledgements that come
in time and only once their effect is committed."""

from __future__ import annotations

import asyncio
import json
import time

from sqlalchemy import text

from storage.tables import PersonRow, SeenEventRow
from tests.e2e import helpers
from tests.e2e.slack.conftest import (
    Server,
    add_people,
    count,
    dm,
    fixture,
    press,
    settle,
    submit,
    texts,
)
from tests.e2e.slack.fake import FakeSlack
from tests.people import person_rows


async def test_url_verification_echoes_the_challenge(server: Server) -> None:
    body = fixture("url_verification.json")
    response = await server.send(body)
    assert response.status == 200
    assert body["challenge"] in await response.text()


async def test_retries_and_duplicates_are_answered_once(server: Server, fake: FakeSlack) -> None:
    body = dm("may I post photos of my colleagues?", "Ev0RETRY")
    first = await server.send(body)
    retries = await asyncio.gather(
        *(
            server.send(
                body, headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"}
            )
            for n in (1, 2, 3)
        )
    )
    assert first.status == 200 and all(r.status == 200 for r in retries)
    await fake.wait_for("chat.postMessage")
    await settle()
    assert len(fake.of("chat.postMessage")) == 1
    assert await count(server, SeenEventRow) == 1


async def test_bad_signature_and_stale_timestamp_get_401(server: Server, fake: FakeSlack) -> None:
    body = dm("can I talk about my salary?", "Ev0FORGED")
    forged = await server.send(body, secret="not-the-secret")
    stale = await server.send(body, timestamp=int(time.time()) - 6 * 60)
    unsigned = await server.http.post(f"{server.url}/slack/events", json=body)
    assert (forged.status, stale.status, unsigned.status) == (401, 401, 401)
    await settle()
    # Never processed: nothing sent, nothing stored.
    assert fake.calls == []
    assert await count(server, SeenEventRow) == 0
    assert await count(server, PersonRow) == 0


async def test_malformed_bodies_get_400_and_store_nothing(server: Server, fake: FakeSlack) -> None:
    bad_json = await server.send('{"type": "event_callback", "event": {')
    not_object = await server.send("[1, 2, 3]")
    bad_form = await server.send("payload=%7Bnot-json", form=True)
    junk_form = await server.send("&&&===", form=True)
    binary = await server.http.post(
        f"{server.url}/slack/events",
        data=b"\xff\xfe\x00junk",
        headers={"Content-Type": "application/json", **_sign_bytes(b"\xff\xfe\x00junk")},
    )
    assert [r.status for r in (bad_json, not_object, bad_form, junk_form, binary)] == [400] * 5
    assert "malformed JSON" in await bad_json.text()
    await settle()
    assert fake.calls == []
    assert await count(server, SeenEventRow) == 0
    assert await count(server, PersonRow) == 0


async def test_nested_json_and_malformed_interactions_get_400_not_500(
    server: Server, fake: FakeSlack
) -> None:
    nested = await server.send("[" * 100_000 + "]" * 100_000)
    nested_payload = await server.send("payload=" + "%5B" * 50_000 + "%5D" * 50_000, form=True)
    no_actions = await server.send(
        {"type": "block_actions", "user": {"id": "U0EMPLOYEE"}, "actions": []}, form=True
    )
    bad_state = await server.send(
        {
            "type": "view_submission",
            "user": {"id": "U0EMPLOYEE"},
            "view": {"callback_id": "ask_hr", "state": {"values": {"b": "not a dict"}}},
        },
        form=True,
    )
    statuses = [r.status for r in (nested, nested_payload, no_actions, bad_state)]
    assert statuses == [400] * 4
    await settle()
    assert fake.calls == [] and await count(server, PersonRow) == 0


def _sign_bytes(raw: bytes) -> dict[str, str]:
    import hashlib
    import hmac

    from tests.e2e.slack.conftest import SECRET

    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + raw, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


async def test_oversized_body_is_refused(server: Server, fake: FakeSlack) -> None:
    huge = dm("x" * (2 * 1024 * 1024), "Ev0HUGE")
    response = await server.send(huge)
    assert response.status == 413
    await settle()
    assert fake.calls == []


async def test_own_edits_deletes_and_other_bots_are_ignored(
    server: Server, fake: FakeSlack
) -> None:
    await server.send(dm("can I post about politics?", "Ev0BOT", bot_id="B0OTHER"))
    await server.send(dm("can I post about politics?", "Ev0SELF", user="U0BOT"))
    edited = dm("can I post about politics?", "Ev0EDIT", subtype="message_changed")
    await server.send(edited)
    deleted = dm("", "Ev0DEL", subtype="message_deleted")
    await server.send(deleted)
    await settle(0.6)
    assert fake.of("chat.postMessage") == []


async def test_a_burst_of_messages_and_retries_is_answered_once_each(
    server: Server, fake: FakeSlack
) -> None:
    """Forty people ask at once, each event also retried by Slack: messages that arrive while
    others are being answered share transactions, and still every person gets exactly one
    reply, the right one, in their own conversation."""
    asks = {
        "may I talk about my salary online?": "Nothing in this policy limits your right",
        "hello": "I'm Policy Bot",
        "a journalist messaged me on linkedin, what do I do": "journalist",
        "what is the capital of peru": "I'd rather not guess",
    }
    questions = list(asks)
    await add_people(
        server,
        *(
            person_rows(
                id=f"p{n}",
                display_name=f"P{n}",
                email=f"p{n}@example.com",
                accounts={"slack": f"U0BURST{n}"},
            )
            for n in range(40)
        ),
    )
    bodies = [
        dm(questions[n % 4], f"EvBurst{n}", user=f"U0BURST{n}", channel=f"D0BURST{n}")
        for n in range(40)
    ]
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    responses = await asyncio.gather(
        *(server.send(b) for b in bodies), *(server.send(b, headers=retry) for b in bodies)
    )
    assert {r.status for r in responses} == {200}
    await fake.wait_for("chat.postMessage", 40)
    await settle()
    posts = fake.of("chat.postMessage")
    assert sorted(p.args["channel"] for p in posts) == sorted(f"D0BURST{n}" for n in range(40))
    for post in posts:
        n = int(post.args["channel"].removeprefix("D0BURST"))
        assert asks[questions[n % 4]].lower() in texts(post).lower()
    assert await count(server, SeenEventRow) >= 40


async def test_a_slow_report_shows_working_then_the_receipt_in_the_same_modal(
    server: Server, fake: FakeSlack
) -> None:
    await add_people(
        server,
        person_rows(
            id="hal",
            display_name="Hal Handler",
            email="hal@example.com",
            roles="employee,handler",
            accounts={"slack": "U0HR"},
        ),
    )
    await helpers.hold_the_database(
        server.services.engine, 4.0
    )  # longer than Slack's three seconds
    values = {
        "danger": "no",
        "category": "doxxing",
        "severity": "high",
        "what": "My address was posted under the launch video",
        "where": "video site",
        "when": "today",
        "identity": "anonymous",
        "exclude": "",
    }
    sent = await server.send(submit("report", values), form=True)
    first = await sent.json()
    # Answered in time, with a view that says it is in hand (not an error, not the receipt).
    assert first["response_action"] == "update"
    assert first["view"]["callback_id"] == "working"
    (updated,) = await fake.wait_for("views.update", within=15)
    view = updated.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "report_receipt"
    intro = view["blocks"][0]["text"]["text"]
    assert "Your receipt: " in intro and "Your passphrase: " in intro
    assert updated.args["view_id"] == fixture("view_submission.json")["view"]["id"]
    assert await count(server, PersonRow) >= 1
    async with server.services.store() as uow:
        conn = await uow.session.connection()
        cases = (await conn.execute(text("SELECT count(*) FROM report_case"))).one()
    assert cases[0] == 1
    # Nothing of it went to the reporter's chat history.
    assert not [c for c in fake.of("chat.postMessage") if c.args["channel"] != "U0HR"]


async def test_a_button_is_acknowledged_once_its_effect_is_committed(
    server: Server, fake: FakeSlack
) -> None:
    await server.send(dm("can I post about politics?", "Ev0FB1"))
    (answer,) = await fake.wait_for("chat.postMessage")
    blocks = answer.args["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    value = next(
        e["value"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("faq_feedback")
    )
    await helpers.hold_the_database(server.services.engine, 1.0)  # a busy moment
    response = await server.send(press("faq_feedback", value), form=True)
    assert response.status == 200
    # No waiting: when Slack has its acknowledgement, the vote is in the database (read on a
    # connection of its own, not queued behind the app's).
    from storage.db import make_engine

    url = server.services.engine.url.render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            voted = (await conn.execute(text("SELECT helpful FROM faq_answer"))).all()
    finally:
        await engine.dispose()
    assert [v[0] for v in voted if v[0] is not None] != []
