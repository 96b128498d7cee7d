"""Slack end to end: signed requests to the real app, replies observed at a fake Web API."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from typing import Any

from sqlalchemy import text
from sqlmodel import SQLModel, select

from bot.messages import TextReply
from storage.askhr import TicketRow
from storage.tables import OutboxRow, PersonRow, SeenEventRow
from tests.e2e import helpers
from tests.e2e.helpers import eventually
from tests.e2e.slack.conftest import Server, fixture, press, submit
from tests.e2e.slack.fake import Call, FakeSlack, block_problem
from tests.people import flat, person_rows


async def add_people(server: Server, *people: SQLModel | list[SQLModel]) -> None:
    """Put people in the directory, as an HR import would."""
    async with server.services.store() as uow:
        uow.session.add_all(flat(people))
        await uow.commit()


def dm(text: str, event_id: str, user: str = "U0EMPLOYEE", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = fixture("message_im.json")
    body["event_id"] = event_id
    body["event"].update(text=text, user=user, ts=f"{time.time():.6f}", **extra)
    return body


def texts(call: Call) -> str:
    """Everything a posted message shows, as one string."""
    blocks = call.args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    text: str = call.args.get("text", "")
    return text + "\n" + json.dumps(blocks)


async def count(server: Server, table: Any) -> int:
    return await helpers.count(server.services, table)


async def settle(seconds: float = 0.4) -> None:
    """Give background work the time to do something it should not."""
    await asyncio.sleep(seconds)


async def test_url_verification_echoes_the_challenge(server: Server) -> None:
    body = fixture("url_verification.json")
    response = await server.send(body)
    assert response.status == 200
    assert body["challenge"] in await response.text()


async def test_dm_question_gets_the_faq_answer(server: Server, fake: FakeSlack) -> None:
    response = await server.send(fixture("message_im.json"))
    assert response.status == 200
    (reply,) = await fake.wait_for("chat.postMessage")
    assert reply.args["channel"] == "D0DMCHANNEL"
    assert "Nothing in this policy limits your right to discuss your pay" in texts(reply)
    assert block_problem(reply.args["blocks"]) is None
    assert "link_names" not in reply.args
    async with server.services.store() as uow:
        (person,) = await uow.people.all()
        assert (person.email, person.accounts) == ("sam@example.com", {"slack": "U0EMPLOYEE"})


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


async def test_user_text_cannot_ping_channels_or_inject_links(
    server: Server, fake: FakeSlack
) -> None:
    # Hana is HR: the employee's question reaches her as a notification card.
    fake.users["U0HR"]["profile"]["email"] = "hana@example.com"
    await server.send(dm("hello", "Ev0HRHELLO", user="U0HR", channel="D0HRDM"))
    await fake.wait_for("chat.postMessage")
    async with server.services.store() as uow:
        hana = (await uow.session.exec(select(PersonRow))).one()
        hana.roles = "employee,hr"
        uow.session.add(hana)
        await uow.commit()
    nasty = "<!channel> <!here> <@U0CEO> <https://evil.example|payroll> can I get a parking space?"
    await server.send(dm(nasty, "Ev0NASTY"))
    await fake.wait_for("chat.postMessage", 2)
    await server.send(dm("yes", "Ev0YES"))
    calls = await fake.wait_for("chat.postMessage", 4)  # confirmation and HR's card
    hr_card = next(c for c in calls if c.args["channel"] == "U0HR")
    for call in calls:
        shown = texts(call)
        for raw in ("<!channel>", "<!here>", "<@U0CEO>", "<https://evil"):
            assert raw not in shown, (raw, call.args["channel"])
        assert "link_names" not in call.args
    assert "&lt;!channel&gt;" in texts(hr_card)


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


async def test_mention_is_answered_in_thread_without_the_mention(
    server: Server, fake: FakeSlack
) -> None:
    body: dict[str, Any] = fixture("app_mention.json")
    await server.send(body)
    (reply,) = await fake.wait_for("chat.postMessage")
    assert reply.args["channel"] == "C0GENERAL"
    assert reply.args["thread_ts"] == body["event"]["ts"]
    assert "Communications team" in texts(reply)


async def test_slash_command_ask_and_unknown_subcommand(server: Server, fake: FakeSlack) -> None:
    command = fixture("slash_command.txt")
    response = await server.send(command, form=True)
    assert response.status == 200
    (answer,) = await fake.wait_for("chat.postMessage")
    assert answer.args["channel"] == "U0EMPLOYEE"
    assert "at least five people" in texts(answer)
    unknown = command.replace("text=ask+is+the+survey+anonymous%3F", "text=frobnicate")
    await server.send(unknown, form=True)
    calls = await fake.wait_for("chat.postMessage", 2)
    assert "Here is what I can do" in texts(calls[1])


async def test_app_home_is_published(server: Server, fake: FakeSlack) -> None:
    await server.send(fixture("app_home_opened.json"))
    (publish,) = await fake.wait_for("views.publish")
    assert publish.args["user_id"] == "U0EMPLOYEE"
    view = publish.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    shown = json.dumps(view)
    assert "Social Media Policy" in shown and "Ask HR directly" in shown


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


def mention(text: str, event_id: str, user: str = "U0EMPLOYEE") -> dict[str, Any]:
    body: dict[str, Any] = fixture("app_mention.json")
    body["event_id"] = event_id
    body["event"].update(text=f"<@U0BOT> {text}", user=user, ts=f"{time.time():.6f}")
    return body


async def test_personal_replies_to_a_channel_mention_go_to_direct_messages(
    server: Server, fake: FakeSlack
) -> None:
    await add_people(
        server,
        person_rows(
            id="hr",
            display_name="Hana HR",
            email="hana@example.com",
            roles="employee,hr",
            accounts={"slack": "U0HR"},
        ),
        person_rows(
            id="sam",
            display_name="Sam Rivera",
            email="sam@example.com",
            department="Warehouse",
            accounts={"slack": "U0EMPLOYEE"},
        ),
    )
    question = "Where do I find the rota for the Christmas weekend shifts?"
    await server.send(dm(question, "Ev0PQ1"))
    await fake.wait_for("chat.postMessage", 1)  # the offer to ask HR, read before "yes"
    await server.send(dm("yes", "Ev0PQ2"))
    await fake.wait_for("chat.postMessage", 3)  # the confirmation, HR's notice

    def in_channel() -> list[str]:
        return [texts(c) for c in fake.of("chat.postMessage") if c.args["channel"] == "C0GENERAL"]

    for n, (who, said) in enumerate(
        [("U0HR", "tickets"), ("U0HR", "training report"), ("U0EMPLOYEE", "follow up")]
    ):
        before = len(fake.of("chat.postMessage"))
        await server.send(mention(said, f"Ev0PM{n}", user=who))
        await fake.wait_for("chat.postMessage", before + 2)  # the pointer and the DM
        pointer = in_channel()[-1]
        assert "direct message" in pointer, said
        dms = [texts(c) for c in fake.of("chat.postMessage")[before:] if c.args["channel"] == who]
        assert dms, said
    shown = "\n".join(in_channel())
    # Nothing personal reached the channel: not the question, the asker, nor any figure.
    for private in (question, "Sam Rivera", "Warehouse", "Overdue", "Report R-"):
        assert private not in shown, private
    assert len(in_channel()) == 3
    hr_dm = "\n".join(texts(c) for c in fake.of("chat.postMessage") if c.args["channel"] == "U0HR")
    assert "Christmas weekend" in hr_dm


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
