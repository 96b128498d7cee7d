"""Slack end to end, replies at the fake Web API: connections reused, rate limits and server
errors retried, long text split, unreachable users and an unreachable Web API, events that
keep failing, and the inbox in /healthz."""

from __future__ import annotations

from sqlmodel import select

from bot.messages import TextReply
from storage.tables import OutboxRow
from tests.e2e.slack.conftest import Server, add_people, count, dm, fixture, settle, texts
from tests.e2e.slack.fake import FakeSlack, block_problem
from tests.people import person_rows


async def test_web_api_calls_reuse_connections(server: Server, fake: FakeSlack) -> None:
    """One HTTP session for the app's Web API calls: not a new connection (a new TLS
    handshake with Slack) for every reply."""
    for n in range(6):
        event = fixture("message_im.json")
        event["event_id"] = f"EvReuse{n}"
        await server.send(event)
        await fake.wait_for("chat.postMessage", n + 1)
    assert len(fake.of("chat.postMessage")) == 6
    assert len(fake.connections) <= 2


async def test_rate_limited_reply_is_retried_after_retry_after(
    server: Server, fake: FakeSlack
) -> None:
    fake.then(
        "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, **{"Retry-After": "1"}
    )
    await server.send(dm("is the policy survey anonymous?", "Ev0RATE"))
    limited, delivered = await fake.wait_for("chat.postMessage", 2)
    assert limited.status == 429 and delivered.status == 200
    assert delivered.at - limited.at >= 0.9
    assert "anonymous" in texts(delivered).lower()
    await settle()
    assert len(fake.of("chat.postMessage", ok_only=True)) == 1


async def test_server_error_is_retried(server: Server, fake: FakeSlack) -> None:
    fake.then("chat.postMessage", 500, {"ok": False, "error": "internal_error"})
    await server.send(dm("can I use the company logo on my profile?", "Ev0FIVEXX"))
    calls = await fake.wait_for("chat.postMessage", 2)
    assert [c.status for c in calls] == [500, 200]


async def test_long_text_is_split_within_block_kit_limits(server: Server, fake: FakeSlack) -> None:
    from adapters.slack.bot import SlackChannel

    channel = server.services.slack
    assert isinstance(channel, SlackChannel)
    paragraph = (
        "All work and no play makes Sam a careful poster & a <good> colleague. " * 14
    ).strip()
    long_text = "\n\n".join([paragraph] * 20)[:10_000]
    assert len(long_text) == 10_000
    many = "\n\n".join(["x" * 2900] * 60)  # 60 sections: more than one message's 50 blocks
    error = await channel.post("D0DMCHANNEL", [TextReply(long_text), TextReply(many)])
    assert error == ""
    calls = fake.of("chat.postMessage")
    assert len(calls) == 3
    for call in calls:
        assert block_problem(call.args["blocks"]) is None
        assert len(call.args["text"]) <= 3000
    shown = "".join(b["text"]["text"] for b in calls[0].args["blocks"])
    assert shown.count("&lt;good&gt;") == long_text.count("<good>")


async def test_unreachable_user_is_recorded_not_retried(server: Server, fake: FakeSlack) -> None:
    await add_people(
        server,
        person_rows(
            id="gone",
            display_name="Gone HR",
            email="gone@example.com",
            roles="employee,hr",
            accounts={"slack": "U0GONE"},
        ),
    )
    fake.then("chat.postMessage", 200, {"ok": True, "ts": "1.0"})  # the employee's confirmation
    fake.then("chat.postMessage", 200, {"ok": False, "error": "account_inactive"})
    await server.send(fixture("view_submission.json"), form=True)
    await fake.wait_for("chat.postMessage", 2)
    await settle(2.5)  # longer than the delivery loop's interval
    assert len([c for c in fake.of("chat.postMessage") if c.args["channel"] == "U0GONE"]) == 1
    async with server.services.store() as uow:
        row = (await uow.session.exec(select(OutboxRow))).one()
        assert row.failed_at is not None and row.error == "account_inactive"
        assert row.box is None and row.payload is None  # what it said is gone


async def test_an_event_that_keeps_failing_is_dropped_with_an_apology(
    server: Server, fake: FakeSlack
) -> None:
    from datetime import UTC, datetime

    from adapters.slack.bot import MAX_ATTEMPTS
    from storage.tables import InboxRow

    channel = server.services.slack
    event = {
        "user": "U0EMPLOYEE",
        "channel": "D0DMCHANNEL",
        "thread": None,
        "text": "can I post about politics?",
        "delivery": "slack:Ev0FAILING",
    }
    assert await channel.inbox.record("slack:Ev0FAILING", "slack", event)
    async with server.services.store() as uow:
        row = await uow.session.get(InboxRow, "slack:Ev0FAILING")
        assert row is not None
        row.attempts, row.lease_until = MAX_ATTEMPTS, datetime(2000, 1, 1, tzinfo=UTC)
        uow.session.add(row)
        await uow.commit()
    await channel.recover()
    (apology,) = [c for c in fake.of("chat.postMessage") if c.args["channel"] == "D0DMCHANNEL"]
    assert "nothing was saved" in texts(apology)
    assert await count(server, InboxRow) == 0


async def test_an_event_while_the_web_api_is_unreachable_is_acknowledged_and_answered_later(
    server: Server, fake: FakeSlack
) -> None:
    channel = server.services.slack
    channel.lease = 1.0  # take over unsent replies after a second, not thirty
    port = int(fake.url.rsplit(":", 1)[1].split("/", 1)[0])
    await fake.stop()  # Slack's Web API is unreachable
    response = await server.send(dm("can I post about politics?", "Ev0DOWN"))
    assert response.status == 200  # recorded, so acknowledged (it got 500 before)
    await settle(1.0)
    await fake.start(port)  # back
    (answer,) = await fake.wait_for("chat.postMessage", within=15)
    assert answer.args["channel"] == "D0DMCHANNEL"
    await settle(1.5)
    assert len(fake.of("chat.postMessage")) == 1  # answered once


async def test_health_reports_the_inbox_and_a_stuck_one_is_degraded(
    server: Server, fake: FakeSlack
) -> None:
    from datetime import UTC, datetime

    from storage.tables import InboxRow

    async with server.http.get(f"{server.url}/healthz") as response:
        body = await response.json()
    assert body["inbox"] == {"status": "ok", "waiting": 0, "oldest_seconds": 0.0}
    event = {
        "user": "U0EMPLOYEE",
        "channel": "D0DMCHANNEL",
        "thread": None,
        "text": "hello",
        "delivery": "slack:Ev0STUCK",
    }
    assert await server.services.slack.inbox.record("slack:Ev0STUCK", "slack", event)
    async with server.services.store() as uow:
        row = await uow.session.get(InboxRow, "slack:Ev0STUCK")
        assert row is not None
        row.received_at = datetime(2026, 1, 1, tzinfo=UTC)
        uow.session.add(row)
        await uow.commit()
    async with server.http.get(f"{server.url}/healthz") as response:
        body = await response.json()
        assert response.status == 503
    assert body["inbox"]["status"] == "degraded" and body["inbox"]["waiting"] == 1
