"""Teams end to end, cards and dialogs: asking HR, card actions, a confidential report, a
survey and a quiz, and a slow dialog that says it is working."""

from __future__ import annotations

import asyncio
import json

from storage.askhr import TicketRow
from tests.e2e.teams.conftest import (
    HANA,
    Server,
    activity,
    count,
    hana_is_hr_with_a_conversation,
    shown,
)
from tests.e2e.teams.fake import FakeConnector


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


async def test_confidential_report_flow_through_teams(
    server: Server, connector: FakeConnector
) -> None:
    await hana_is_hr_with_a_conversation(server, connector)
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
    await hana_is_hr_with_a_conversation(server, connector)
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
