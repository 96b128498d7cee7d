"""Slack end to end, conversations: direct messages, mentions, slash commands and App Home
answered where they belong, user text escaped, and personal replies kept out of channels."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlmodel import select

from storage.tables import PersonRow
from tests.e2e.slack.conftest import Server, add_people, dm, fixture, texts
from tests.e2e.slack.fake import FakeSlack, block_problem
from tests.people import person_rows


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
