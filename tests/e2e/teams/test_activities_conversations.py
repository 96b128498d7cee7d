"""Teams end to end, conversations: personal questions, channel mentions and installs
answered where they belong, and personal replies kept out of channels."""

from __future__ import annotations

from sqlmodel import select

from storage.tables import AddressRow
from tests.e2e.teams.conftest import (
    HANA,
    SAM,
    Server,
    activity,
    hana_is_hr_with_a_conversation,
    shown,
)
from tests.e2e.teams.fake import FakeConnector


async def test_personal_question_gets_the_faq_answer(
    server: Server, connector: FakeConnector
) -> None:
    response = await server.post(activity("message_personal.json", connector.url))
    assert response.status in (200, 201)
    (reply,) = await connector.wait_for(1)
    assert reply.conversation == "a:1personalConversationIdForSam"
    assert reply.path.endswith("/activities/1732545000123")  # a reply to the message
    assert "Nothing in this policy limits your right to discuss your pay" in shown(reply)
    async with server.services.store() as uow:
        (person,) = await uow.people.all()
        assert (person.email, person.accounts) == ("sam@example.com", {"teams": SAM})
        address = (await uow.session.exec(select(AddressRow))).one()
        assert (
            address.platform == "teams" and "a:1personalConversationIdForSam" in address.reference
        )


async def test_channel_mention_is_answered_in_the_channel_without_the_mention(
    server: Server, connector: FakeConnector
) -> None:
    await server.post(activity("message_channel_mention.json", connector.url))
    (reply,) = await connector.wait_for(1)
    assert reply.conversation.startswith("19:general-channel-id@thread.tacv2")
    assert "Communications team" in shown(reply)


async def test_install_gets_a_welcome(server: Server, connector: FakeConnector) -> None:
    await server.post(activity("conversation_update_install.json", connector.url))
    (welcome,) = await connector.wait_for(1)
    assert "Policy Bot" in shown(welcome) and "help" in shown(welcome)


async def test_personal_replies_to_a_channel_mention_go_to_the_personal_chat(
    server: Server, connector: FakeConnector
) -> None:
    await hana_is_hr_with_a_conversation(server, connector)
    before = len(connector.delivered())
    for n, said in enumerate(("training report", "tickets")):
        mention = activity(
            "message_channel_mention.json",
            connector.url,
            text=f"<at>Policy Bot</at> {said}",
            id=f"hana-channel-{n}",
            **{"from": {"id": HANA, "name": "Hana HR"}},
        )
        await server.post(mention)
        await connector.wait_for(before + 2 * (n + 1))
    calls = connector.delivered()[before:]
    in_channel = [shown(c) for c in calls if c.conversation.startswith("19:general-channel")]
    to_hana = [shown(c) for c in calls if c.conversation == "a:hanaConversation"]
    assert len(in_channel) == 2 and all("direct message" in s for s in in_channel)
    assert any("Training" in s or "training" in s for s in to_hana)
    assert len(to_hana) >= 2
