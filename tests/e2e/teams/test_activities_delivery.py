"""Teams end to end, replies at the fake connector: connections reused, throttled sends
retried once and escaped, blocked users marked unreachable, chats opened with people who
never wrote, and replies a crash left unsent."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from storage.tables import AddressRow, OutboxRow
from tests.e2e import helpers
from tests.e2e.helpers import eventually
from tests.e2e.teams.conftest import HANA, Server, activity, hana_is_hr_with_a_conversation, shown
from tests.e2e.teams.fake import FakeConnector
from tests.people import person_rows


async def test_replies_reuse_connections_to_the_connector(
    server: Server, connector: FakeConnector
) -> None:
    """One client per service URL, kept between turns: not a new HTTP connection per reply."""
    for n in range(8):
        await server.post(activity("message_personal.json", connector.url, id=f"reuse-{n}"))
        await connector.wait_for(n + 1)
    assert len(connector.delivered()) == 8
    assert len(connector.connections) <= 2


async def test_proactive_send_after_429_arrives_once_and_escaped(
    server: Server, connector: FakeConnector
) -> None:
    await hana_is_hr_with_a_conversation(server, connector)
    connector.then(429, **{"Retry-After": "1"})  # the employee's confirmation is throttled once
    submit = activity("invoke_task_submit.json", connector.url)
    submit["value"]["data"]["question"] = "[click me](https://evil.example) <at>CEO</at> podcast?"
    await server.post(submit)
    calls = await connector.wait_for(3)
    to_hana = [c for c in calls if c.conversation == "a:hanaConversation"]
    assert len(to_hana) == 2  # her hello reply, then exactly one notification
    card = shown(to_hana[1])
    assert "\\\\[click me\\\\]" in card and "<at>" not in card
    throttled = [c for c in connector.calls if c.status == 429]
    assert len(throttled) == 1
    later = [
        c for c in calls if c.conversation == throttled[0].conversation and c.at > throttled[0].at
    ]
    assert later and min(c.at for c in later) - throttled[0].at >= 0.9

    async def delivered() -> bool:
        # A delivered notification is deleted, with what it said.
        async with server.services.store() as uow:
            return (await uow.session.exec(select(OutboxRow))).first() is None

    assert await eventually(delivered)


async def test_forbidden_marks_the_user_unreachable(
    server: Server, connector: FakeConnector
) -> None:
    await hana_is_hr_with_a_conversation(server, connector)
    connector.then(403, conversation="a:hanaConversation")  # Hana blocked the bot
    await server.post(activity("invoke_task_submit.json", connector.url))

    async def recorded() -> bool:
        async with server.services.store() as uow:
            row = (await uow.session.exec(select(OutboxRow))).one()
            unreachable = await uow.session.exec(
                select(AddressRow).where(col(AddressRow.unreachable_at).is_not(None))
            )
            return row.failed_at is not None and len(unreachable.all()) == 1

    assert await eventually(recorded)
    await asyncio.sleep(2.5)  # longer than the delivery loop's interval
    async with server.services.store() as uow:
        row = (await uow.session.exec(select(OutboxRow))).one()
        assert row.error == "unreachable (403)" and row.box is None
    forbidden = [c for c in connector.calls if c.status == 403]
    assert len(forbidden) == 1  # not retried


async def test_notification_opens_a_chat_with_someone_who_never_wrote(
    server: Server, connector: FakeConnector
) -> None:
    # Hana comes from the HR import with her Teams id; she has the app but never wrote to it.
    async with server.services.store() as uow:
        uow.session.add_all(
            person_rows(
                id="hana",
                display_name="Hana HR",
                email="hana@example.com",
                roles="employee,hr",
                accounts={"teams": HANA},
            )
        )
        await uow.commit()
    await server.post(activity("message_personal.json", connector.url))  # Sam writes first
    await connector.wait_for(1)
    await server.post(activity("invoke_task_submit.json", connector.url))
    calls = await connector.wait_for(3)
    (create,) = [c for c in connector.calls if c.path == "/v3/conversations"]
    assert [m["id"] for m in create.body["members"]] == [HANA]
    assert create.body["channelData"]["tenant"]["id"] == "72f988bf-0000-4000-8000-0000000000aa"
    (to_hana,) = [c for c in calls if c.conversation == f"a:dm-{HANA}"]
    assert "podcast about our industry" in shown(to_hana)
    async with server.services.store() as uow:
        address = await uow.session.get(AddressRow, ("hana", "teams"))
        assert address is not None and f"a:dm-{HANA}" in address.reference


async def test_replies_lost_by_a_crash_are_sent_when_the_activity_comes_again(
    server: Server, connector: FakeConnector
) -> None:
    """The answer and its replies commit together; if the process died before sending them,
    the Bot Framework's retry of the activity sends the kept replies (nothing is lost), and
    replies that were sent are not kept."""
    from bot import dispatch
    from bot.messages import ConversationRef, Text, UserRef
    from storage.outbox import reply_id

    question = activity("message_personal.json", connector.url, id="crash-1")
    conversation = question["conversation"]["id"]
    delivery = f"teams:{conversation}:crash-1"
    # What a process that died right after its commit leaves: the answer, and its replies.
    died = Text(
        UserRef("teams", question["from"]["id"]),
        ConversationRef("teams", conversation),
        "can I post about politics?",
        delivery,
        durable=True,
    )
    await dispatch.handle(server.services.deps, died)
    assert await server.services.outbox.replies_of(reply_id(delivery))
    server.services.teams.lease = 0.5  # the retry comes after the lease (30 s by default)
    await asyncio.sleep(0.6)
    await server.post(question)  # the retry
    (sent,) = await connector.wait_for(1)
    assert "politic" in shown(sent).lower()
    assert await server.services.outbox.replies_of(reply_id(delivery)) is None
    fresh = activity("message_personal.json", connector.url, id="crash-2")
    await server.post(fresh)
    await connector.wait_for(2)
    assert await helpers.count(server.services, OutboxRow) == 0
