"""Teams end to end: Bot Framework activities to the real app, replies at a fake connector."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlmodel import col, select

from storage.askhr import TicketRow
from storage.tables import AddressRow, OutboxRow, PersonRow, SeenEventRow
from tests.e2e import helpers
from tests.e2e.helpers import eventually
from tests.e2e.teams.conftest import APP_ID, SAM, Server, activity
from tests.e2e.teams.fake import FakeConnector, Sent
from tests.e2e.teams.tokens import CLOCK_TOLERANCE, TokenIssuer, new_key
from tests.people import person_rows

HANA = "29:1hanaHrUserId"


def shown(sent: Sent) -> str:
    """Everything an activity shows: text and card content."""
    text: str = sent.body.get("text", "")
    return text + json.dumps(sent.body.get("attachments", []))


async def count(server: Server, table: Any) -> int:
    return await helpers.count(server.services, table)


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


async def test_replies_reuse_connections_to_the_connector(
    server: Server, connector: FakeConnector
) -> None:
    """One client per service URL, kept between turns: not a new HTTP connection per reply."""
    for n in range(8):
        await server.post(activity("message_personal.json", connector.url, id=f"reuse-{n}"))
        await connector.wait_for(n + 1)
    assert len(connector.delivered()) == 8
    assert len(connector.connections) <= 2


async def test_replayed_activity_is_answered_once(server: Server, connector: FakeConnector) -> None:
    body = activity("message_personal.json", connector.url)
    responses = await asyncio.gather(*(server.post(body) for _ in range(3)))
    assert all(r.status in (200, 201) for r in responses)
    await connector.wait_for(1)
    await asyncio.sleep(0.5)
    assert len(connector.delivered()) == 1
    assert await count(server, SeenEventRow) == 1


async def test_dialog_round_trip_with_a_validation_error(
    server: Server, connector: FakeConnector
) -> None:
    # The help menu offers "Ask HR directly"; pressing it returns the form as a card button.
    press = activity(
        "message_personal.json",
        connector.url,
        text=None,
        id="press-1",
        value={"policybot": "ask_hr_form", "value": ""},
    )
    await server.post(press)
    (card,) = await connector.wait_for(1)
    opener = card.body["attachments"][0]["content"]["actions"][0]
    assert opener["data"]["msteams"] == {"type": "task/fetch"}

    fetch = activity("invoke_task_fetch.json", connector.url)
    fetch["value"]["data"] = opener["data"]
    fetched = await server.post(fetch)
    assert fetched.status == 200
    task = (await fetched.json())["task"]
    assert task["type"] == "continue"
    form = task["value"]["card"]["content"]
    assert [b["id"] for b in form["body"] if b["type"].startswith("Input.")] == ["question"]

    empty = activity("invoke_task_submit.json", connector.url)
    empty["value"]["data"]["question"] = "   "
    refused = await server.post(empty)
    again = (await refused.json())["task"]
    assert again["type"] == "continue"
    assert "Please write your question." in json.dumps(again["value"]["card"])
    assert await count(server, TicketRow) == 0

    accepted = await server.post(activity("invoke_task_submit.json", connector.url))
    assert (await accepted.json())["task"]["type"] == "message"
    calls = await connector.wait_for(2)
    assert "Sent to HR as Q-" in shown(calls[1])
    assert await count(server, TicketRow) == 1


async def test_action_execute_is_answered_with_a_card(
    server: Server, connector: FakeConnector
) -> None:
    response = await server.post(activity("invoke_adaptive_card_action.json", connector.url))
    assert response.status == 200
    body = await response.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["type"] == "AdaptiveCard"
    assert "Ask me anything about the social media policy" in json.dumps(body["value"])


async def _hana_is_hr_with_a_conversation(server: Server, connector: FakeConnector) -> None:
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


async def test_proactive_send_after_429_arrives_once_and_escaped(
    server: Server, connector: FakeConnector
) -> None:
    await _hana_is_hr_with_a_conversation(server, connector)
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
    await _hana_is_hr_with_a_conversation(server, connector)
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


async def test_confidential_report_flow_through_teams(
    server: Server, connector: FakeConnector
) -> None:
    await _hana_is_hr_with_a_conversation(server, connector)
    press = activity(
        "message_personal.json",
        connector.url,
        text=None,
        id="sam-press-1",
        value={"policybot": "report_start", "value": ""},
    )
    await server.post(press)
    calls = await connector.wait_for(2)
    opener = calls[-1].body["attachments"][0]["content"]["actions"][0]
    fetch = activity("invoke_task_fetch.json", connector.url)
    fetch["value"]["data"] = opener["data"]
    task = (await (await server.post(fetch)).json())["task"]
    inputs = [b["id"] for b in task["value"]["card"]["content"]["body"] if "id" in b]
    assert {"danger", "category", "severity", "what", "identity", "exclude"} <= set(inputs)
    submit = activity("invoke_task_submit.json", connector.url)
    submit["value"]["data"] = {
        "policybot_form_id": "report",
        "policybot_context": "",
        "danger": "no",
        "category": "harassment",
        "severity": "high",
        "identity": "confidential",
        "what": "A pile of abusive replies under my conference talk",
        "where": "",
        "when": "",
        "exclude": "",
    }
    done = await server.post(submit)
    assert (await done.json())["task"]["type"] == "message"
    calls = await connector.wait_for(4)  # Sam's receipt message and Hana's case card
    to_hana = [c for c in calls if c.conversation == "a:hanaConversation"]
    card = to_hana[-1].body["attachments"][0]["content"]
    assert "Sam Rivera" in json.dumps(card)  # confidential: the handler sees who reported
    ack = next(a for a in card["actions"] if a["data"]["policybot"] == "case_ack")
    hana_press = activity(
        "message_personal.json",
        connector.url,
        text=None,
        id="hana-press-1",
        conversation={"conversationType": "personal", "id": "a:hanaConversation"},
        value=ack["data"],
        **{"from": {"id": HANA, "name": "Hana HR"}},
    )
    await server.post(hana_press)
    calls = await connector.wait_for(6)  # Hana's confirmation, and Sam is told
    to_sam = [shown(c) for c in calls if c.conversation == "a:1personalConversationIdForSam"]
    assert any("was received by a handler" in s for s in to_sam)
    follow = activity("message_personal.json", connector.url, text="follow-up", id="sam-f-1")
    await server.post(follow)
    calls = await connector.wait_for(8)
    assert "acknowledged" in shown(calls[-2])


async def test_survey_flow_through_teams(server: Server, connector: FakeConnector) -> None:
    await _hana_is_hr_with_a_conversation(server, connector)
    await server.post(activity("message_personal.json", connector.url, text="hello", id="s-0"))
    await connector.wait_for(2)  # Sam is known and has a conversation
    hana = {"conversationType": "personal", "id": "a:hanaConversation"}
    as_hana = {"from": {"id": HANA, "name": "Hana HR"}, "conversation": hana}
    submit = activity("invoke_task_submit.json", connector.url, **as_hana)
    submit["value"]["data"] = {
        "policybot_form_id": "survey_new",
        "policybot_context": "",
        "survey": "training-pulse",
        "audience": "everyone",
        "days": "7",
    }
    assert (await (await server.post(submit)).json())["task"]["type"] == "message"
    calls = await connector.wait_for(5)  # Hana's confirmation and both invitations
    invitation = next(
        c
        for c in calls
        if c.conversation == "a:1personalConversationIdForSam" and "survey" in shown(c).lower()
    )
    take = invitation.body["attachments"][0]["content"]["actions"][0]["data"]
    assert take["policybot"] == "survey_take"
    await server.post(
        activity("message_personal.json", connector.url, text=None, id="s-1", value=take)
    )
    calls = await connector.wait_for(6)
    opener = calls[-1].body["attachments"][0]["content"]["actions"][0]
    fetch = activity("invoke_task_fetch.json", connector.url)
    fetch["value"]["data"] = opener["data"]
    form = (await (await server.post(fetch)).json())["task"]["value"]["card"]["content"]
    assert "Anonymous" in json.dumps(form)
    answer = activity("invoke_task_submit.json", connector.url)
    answer["value"]["data"] = {
        "policybot_form_id": "survey_answer",
        "policybot_context": take["value"],
        "useful": "5",
        "length": "About right",
        "comments": "",
    }
    thanks = (await (await server.post(answer)).json())["task"]
    assert thanks["type"] == "continue"
    assert "recorded anonymously" in json.dumps(thanks)
    await asyncio.sleep(0.3)
    assert len(connector.delivered()) == 6  # nothing about answering reached the chat


async def test_quiz_flow_through_teams(server: Server, connector: FakeConnector) -> None:
    await server.post(activity("message_personal.json", connector.url, text="quiz", id="q-0"))
    (question,) = await connector.wait_for(1)
    card = question.body["attachments"][0]["content"]
    assert "Question 1 of 5" in json.dumps(card)
    choice = card["actions"][0]["data"]
    assert choice["policybot"] == "quiz_answer"
    press = activity("message_personal.json", connector.url, text=None, id="q-1", value=choice)
    await server.post(press)
    calls = await connector.wait_for(3)  # feedback, then question 2
    assert "Question 2 of 5" in shown(calls[-1])
    await server.post(
        activity("message_personal.json", connector.url, text=None, id="q-2", value=choice)
    )
    calls = await connector.wait_for(4)
    assert "already answered" in shown(calls[-1])


async def test_personal_replies_to_a_channel_mention_go_to_the_personal_chat(
    server: Server, connector: FakeConnector
) -> None:
    await _hana_is_hr_with_a_conversation(server, connector)
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


async def test_a_slow_dialog_says_it_is_working_and_then_shows_the_receipt(
    server: Server, connector: FakeConnector
) -> None:
    from tests.e2e.helpers import hold_the_database

    await hold_the_database(server.services.engine, 4.0)  # longer than the dialog's deadline
    submit = activity("invoke_task_submit.json", connector.url)
    submit["value"]["data"] = {
        "policybot_form_id": "report",
        "policybot_context": "",
        "danger": "no",
        "category": "doxxing",
        "severity": "high",
        "identity": "anonymous",
        "what": "My address was posted under the conference video",
        "where": "",
        "when": "",
        "exclude": "",
    }
    first = (await (await server.post(submit)).json())["task"]
    assert first["type"] == "continue" and first["value"]["title"] == "Working on it"
    card = first["value"]["card"]["content"]
    token = next(a["data"]["policybot_context"] for a in card["actions"] if "data" in a)
    await asyncio.sleep(4.5)
    ask = activity("invoke_task_submit.json", connector.url)
    ask["value"]["data"] = {"policybot_form_id": "dialog_result", "policybot_context": token}
    result = (await (await server.post(ask)).json())["task"]
    assert result["type"] == "continue"
    shown_text = json.dumps(result["value"]["card"])
    assert "Your receipt:" in shown_text and "Your passphrase:" in shown_text


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
