"""Slack end to end, buttons and modals: asking HR, an anonymous report, a survey and a quiz,
from the first button to the last reply."""

from __future__ import annotations

import copy
import json

from sqlmodel import select

from storage.askhr import TicketRow
from storage.tables import OutboxRow
from tests.e2e.helpers import eventually
from tests.e2e.slack.conftest import (
    Server,
    add_people,
    count,
    fixture,
    press,
    settle,
    submit,
    texts,
)
from tests.e2e.slack.fake import FakeSlack
from tests.people import person_rows


async def test_button_opens_modal_and_submission_reaches_hr(
    server: Server, fake: FakeSlack
) -> None:
    # Hana (HR) is in the directory with her Slack id, as an HR import would put her.
    await add_people(
        server,
        person_rows(
            id="hana",
            display_name="Hana HR",
            email="hana@example.com",
            roles="employee,hr",
            accounts={"slack": "U0HR"},
        ),
    )
    press = await server.send(fixture("block_actions.json"), form=True)
    assert press.status == 200
    (opened,) = await fake.wait_for("views.open")
    assert opened.args["trigger_id"] == fixture("block_actions.json")["trigger_id"]
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "ask_hr"
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == ["question"]

    empty = copy.deepcopy(fixture("view_submission.json"))
    empty["view"]["state"]["values"]["question"]["value"]["value"] = None
    refused = await server.send(empty, form=True)
    assert refused.status == 200
    assert await refused.json() == {
        "response_action": "errors",
        "errors": {"question": "Please write your question."},
    }
    assert await count(server, TicketRow) == 0

    accepted = await server.send(fixture("view_submission.json"), form=True)
    assert accepted.status == 200
    calls = await fake.wait_for("chat.postMessage", 2)
    by_channel = {c.args["channel"]: texts(c) for c in calls}
    assert "Sent to HR as Q-" in by_channel["D0DMCHANNEL"]
    assert "podcast about our industry" in by_channel["U0HR"]
    assert await count(server, TicketRow) == 1

    async def delivered() -> bool:
        # A delivered notification is deleted, with what it said.
        async with server.services.store() as uow:
            return (await uow.session.exec(select(OutboxRow))).first() is None

    assert await eventually(delivered)


async def test_anonymous_report_flow_through_slack(server: Server, fake: FakeSlack) -> None:
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
    # The employee opens the form from the button and sends an anonymous report.
    await server.send(press("report_start", "-"), form=True)
    (opened,) = await fake.wait_for("views.open")
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "report"
    what = "Strangers keep posting my home address <!channel> under our launch video"
    sent = await server.send(
        submit(
            "report",
            {
                "danger": "no",
                "category": "doxxing",
                "severity": "high",
                "what": what,
                "where": "video site",
                "when": "today",
                "identity": "anonymous",
                "exclude": "",
            },
        ),
        form=True,
    )
    update = await sent.json()
    assert update["response_action"] == "update"
    intro = update["view"]["blocks"][0]["text"]["text"]
    receipt = intro.split("Your receipt: ", 1)[1].split("\n", 1)[0]
    passphrase = intro.split("Your passphrase: ", 1)[1].split("\n", 1)[0]
    # The handler gets the case in a DM; the reporter's DM gets nothing at all.
    (card,) = await fake.wait_for("chat.postMessage")
    assert card.args["channel"] == "U0HR"
    assert "&lt;!channel&gt;" in texts(card) and "<!channel>" not in texts(card)
    assert "anonymous" in texts(card) and "Sam" not in texts(card)
    case_id = next(
        e["value"]
        for b in card.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("case_ack")
    )
    # The handler acknowledges and writes to the (anonymous) reporter.
    await server.send(press("case_ack", case_id, user="U0HR"), form=True)
    await server.send(press("case_message", case_id, user="U0HR"), form=True)
    (_, message_form) = await fake.wait_for("views.open", 2)
    meta = json.loads(
        (
            json.loads(message_form.args["view"])
            if isinstance(message_form.args["view"], str)
            else message_form.args["view"]
        )["private_metadata"]
    )
    reply = submit("case_message", {"message": "We have asked the site to remove it."}, "U0HR")
    reply["view"]["private_metadata"] = json.dumps(meta)
    await server.send(reply, form=True)
    # The reporter follows up with the receipt, from the form, and reads the answer.
    followed = await server.send(
        submit("report_followup", {"receipt": receipt, "passphrase": passphrase, "message": ""}),
        form=True,
    )
    status = await followed.json()
    assert status["response_action"] == "update"
    assert "We have asked the site to remove it." in json.dumps(status["view"])
    assert "acknowledged" in json.dumps(status["view"])
    assert not [c for c in fake.of("chat.postMessage") if c.args["channel"] == "D0DMCHANNEL"]


async def test_survey_flow_through_slack(server: Server, fake: FakeSlack) -> None:
    await add_people(
        server,
        person_rows(
            id="hana",
            display_name="Hana HR",
            email="hana@example.com",
            roles="employee,hr",
            accounts={"slack": "U0HR"},
        ),
        person_rows(
            id="sam",
            display_name="Sam Rivera",
            email="sam@example.com",
            accounts={"slack": "U0EMPLOYEE"},
        ),
    )
    # HR opens a campaign: everyone is invited by DM.
    await server.send(press("survey_new", "-", user="U0HR"), form=True)
    await fake.wait_for("views.open")
    opened = submit("survey_new", {"days": "7"}, user="U0HR")
    opened["view"]["state"]["values"]["survey"] = {
        "value": {"type": "static_select", "selected_option": {"value": "policy-awareness"}}
    }
    opened["view"]["state"]["values"]["audience"] = {
        "value": {"type": "static_select", "selected_option": {"value": "everyone"}}
    }
    await server.send(opened, form=True)
    calls = await fake.wait_for("chat.postMessage", 3)  # HR's confirmation, two invitations
    invitation = next(c for c in calls if c.args["channel"] == "U0EMPLOYEE")
    campaign = next(
        e["value"]
        for b in invitation.args["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("survey_take")
    )
    # Sam opens the form from the invitation and answers; thanks replace the modal.
    await server.send(press("survey_take", campaign), form=True)
    views = await fake.wait_for("views.open", 2)
    survey_view = views[-1].args["view"]
    survey_view = json.loads(survey_view) if isinstance(survey_view, str) else survey_view
    assert survey_view["callback_id"] == "survey_answer"
    assert "Anonymous" in json.dumps(survey_view)
    answers = submit("survey_answer", {"comments": "More examples please"})
    for question in ("understand", "confident-backlash", "know-report", "free-expression"):
        answers["view"]["state"]["values"][question] = {
            "value": {"type": "static_select", "selected_option": {"value": "4"}}
        }
    answers["view"]["private_metadata"] = json.dumps(
        {"channel": "D0DMCHANNEL", "context": campaign}
    )
    thanks = await (await server.send(answers, form=True)).json()
    assert thanks["response_action"] == "update"
    assert "recorded anonymously" in json.dumps(thanks["view"])
    before = len(fake.of("chat.postMessage"))
    await settle()
    assert len(fake.of("chat.postMessage")) == before  # nothing about answering in the chat


async def test_quiz_flow_through_slack(server: Server, fake: FakeSlack) -> None:
    command = fixture("slash_command.txt").replace(
        "text=ask+is+the+survey+anonymous%3F", "text=quiz"
    )
    await server.send(command, form=True)
    (question,) = await fake.wait_for("chat.postMessage")
    buttons = [e for b in question.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "Question 1 of 5" in texts(question)
    assert [e["action_id"].split("#")[0] for e in buttons][-1] == "quiz_stop"
    first = next(e for e in buttons if e["action_id"].startswith("quiz_answer"))
    await server.send(press("quiz_answer", first["value"]), form=True)
    calls = await fake.wait_for("chat.postMessage", 3)  # feedback, then question 2
    assert any("Right!" in texts(c) or "Not quite" in texts(c) for c in calls[1:])
    assert "Question 2 of 5" in texts(calls[-1])
    await server.send(press("quiz_answer", first["value"]), form=True)  # a double click
    calls = await fake.wait_for("chat.postMessage", 4)
    assert "already answered" in texts(calls[-1])
