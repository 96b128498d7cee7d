"""Announcements through Teams: proactive 1:1 messages via the fake Bot Connector.

The app runs for real (Emulator mode) with taskiq's in-memory broker; the connector throttles
above its limit and answers 403 for a user who blocked the bot.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from adapters.broadcast import Broadcaster
from bot.features.announcements import announcements
from bot.messages import Action, ConversationRef, Submission, UserRef
from bot.settings import load_settings
from storage.announcements import AcknowledgementRow, AnnouncementRow, RecipientRow
from storage.tables import AddressRow, PersonRow
from tests.conftest import database_url
from tests.e2e.helpers import broadcasting, eventually, serve, task_queue
from tests.e2e.teams.conftest import SAM, Server, activity
from tests.e2e.teams.fake import FakeConnector
from tests.people import person_rows
from tests.replies import as_choices, as_text

PEOPLE = 60
CHANNEL = "19:policyUpdatesChannel@thread.tacv2"


@pytest.fixture
async def hub(
    engine: object, connector: FakeConnector, tmp_path: Path, content: Any, faq: Any
) -> AsyncIterator[tuple[Server, Broadcaster]]:
    settings = load_settings(
        channels=True,
        **await task_queue(),
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_SECRET_KEY="k" * 43,
        POLICYBOT_WORKER="false",
        TEAMS_EMULATOR="true",
        TEAMS_RATE="40",
        BROADCAST_LEASE_SECONDS="2",
    )
    async for url, services, http in serve(settings, content, faq):
        async for broadcaster in broadcasting(services):
            yield Server(url, services, http), broadcaster


async def announce(server: Server) -> str:
    """HR composes and confirms an announcement (as `policybot announce create --send`)."""
    deps = server.services.deps
    async with server.services.store() as uow:
        hana = await uow.people.get("hana")
        assert hana is not None
        user = UserRef("console", "hana@example.com")
        where = ConversationRef("console", user.id)
        fields = {
            "title": "Version 2",
            "summary": "Please read version 2.",
            "version": "2",
            "channels": CHANNEL,
        }
        replies = await announcements.create(
            deps, uow, hana, Submission(user, where, "announce_new", fields)
        )
        announcement_id = as_choices(replies[-1]).buttons[0].value
        await announcements.send(deps, uow, hana, Action(user, where, "", announcement_id))
        await uow.commit()
    return announcement_id


async def test_broadcast_reaches_every_teams_user_once_through_throttling(
    hub: tuple[Server, Broadcaster], connector: FakeConnector
) -> None:
    server, broadcaster = hub
    users = [f"29:user-{n:04d}" for n in range(PEOPLE)]
    async with server.services.store() as uow:
        uow.session.add(
            PersonRow(id="hana", display_name="Hana", email="hana@example.com", roles="hr")
        )
        for n, user in enumerate(users):
            uow.session.add_all(
                person_rows(
                    id=f"p{n}", display_name=f"P{n}", email=f"p{n}@x.com", accounts={"teams": user}
                )
            )
        await uow.commit()
    # Sam writes first, so the bot knows the tenant's service address for proactive messages.
    await server.post(activity("message_personal.json", connector.url))
    await connector.wait_for(1)
    connector.blocked.add(users[7])
    connector.rate = 20.0  # the connector allows 20/s; we are configured for 40/s
    for _ in range(5):  # and it starts with a storm of 429s
        connector.then(429, **{"Retry-After": "1"})

    announcement_id = await announce(server)
    await broadcaster.engine.tick()

    async def sent() -> bool:
        async with server.services.store() as uow:
            row = await uow.session.get(AnnouncementRow, announcement_id)
            return row is not None and row.status == "sent"

    assert await eventually(sent, 30)
    assert [c for c in connector.calls if c.status == 429], "the connector should have throttled"
    for user in users:
        expected = 0 if user == users[7] else 1
        assert len(connector.to(user)) == expected, user
    card = connector.to(users[0])[0].body["attachments"][0]["content"]
    ack = next(a for a in card["actions"] if a["title"] == "I have read it")
    async with server.services.store() as uow:
        states = {
            r.person_id: (r.state, r.reason)
            for r in await uow.session.exec(
                select(RecipientRow).where(RecipientRow.announcement_id == announcement_id)
            )
        }
        blocked = await uow.session.get(AddressRow, ("p7", "teams"))
        assert blocked is not None and blocked.unreachable_at is not None
    assert states.pop(f"#{CHANNEL}"[:32]) == ("delivered", "")
    assert len([c for c in connector.delivered() if c.conversation == CHANNEL]) == 1
    assert states.pop("p7") == ("failed", "blocked")
    assert states.pop("hana") == ("failed", "not installed")  # no Teams account known
    assert set(states.values()) == {("delivered", "")}

    # The card's button, pressed twice by the same person, records one acknowledgement.
    connector.rate = None
    for n in range(2):
        press = activity(
            "message_personal.json",
            connector.url,
            text=None,
            id=f"ack-{n}",
            value=ack["data"],
        )
        press["from"]["id"] = users[0]
        await server.post(press)

    async def acknowledged() -> bool:
        return len([c for c in connector.calls if "already confirmed" in str(c.body)]) == 1

    assert await eventually(acknowledged)
    async with server.services.store() as uow:
        acks = [a.person_id for a in await uow.session.exec(select(AcknowledgementRow))]
    assert acks == ["p0"]


async def test_hr_composes_an_announcement_in_a_teams_dialog(
    hub: tuple[Server, Broadcaster], connector: FakeConnector
) -> None:
    server, _ = hub
    async with server.services.store() as uow:
        uow.session.add_all(
            person_rows(
                id="sam",
                display_name="Sam",
                email="sam@example.com",
                roles="hr",
                accounts={"teams": SAM},
            )
        )
        await uow.commit()
    await server.post(activity("message_personal.json", connector.url, text="announce"))
    (card,) = await connector.wait_for(1)
    opener = card.body["attachments"][0]["content"]["actions"][0]
    assert opener["data"]["msteams"] == {"type": "task/fetch"}
    fetch = activity("invoke_task_fetch.json", connector.url)
    fetch["value"]["data"] = opener["data"]
    form = (await (await server.post(fetch)).json())["task"]["value"]["card"]["content"]
    inputs = [b["id"] for b in form["body"] if b["type"].startswith("Input.")]
    assert inputs == ["title", "summary", "link", "version", "ack", "audience", "channels", "when"]

    submit = activity("invoke_task_submit.json", connector.url)
    submit["value"]["data"] = {
        "policybot_form_id": "announce_new",
        "policybot_context": "",
        "title": "Version 2",
        "summary": "Please read version 2.",
        "link": "",
        "version": "2",
        "ack": "yes",
        "audience": "everyone",
        "when": "",
    }
    answer = await server.post(submit)
    assert (await answer.json())["task"]["type"] == "message"
    calls = await connector.wait_for(3)  # the preview, then what confirming will do
    assert "preview: only you can see this" in json.dumps(calls[1].body)
    assert "Send now" in json.dumps(calls[2].body)
    async with server.services.store() as uow:
        (draft,) = await uow.announcements.recent()
    assert draft.status == "draft" and draft.author_id == "sam"


async def test_a_correction_updates_delivered_teams_messages_in_place(
    hub: tuple[Server, Broadcaster], connector: FakeConnector
) -> None:
    server, broadcaster = hub
    async with server.services.store() as uow:
        uow.session.add(
            PersonRow(id="hana", display_name="Hana", email="hana@example.com", roles="hr")
        )
        for n in range(3):
            uow.session.add_all(
                person_rows(
                    id=f"p{n}",
                    display_name=f"P{n}",
                    email=f"p{n}@x.com",
                    accounts={"teams": f"29:u{n}"},
                )
            )
        await uow.commit()
    await server.post(activity("message_personal.json", connector.url))
    await connector.wait_for(1)
    announcement_id = await announce(server)
    await broadcaster.engine.tick()
    # Sam's answer, then the announcement to Sam (in the directory since he wrote), three
    # more people and the channel.
    await connector.wait_for(1 + 4 + 1)
    deps = server.services.deps
    user = UserRef("console", "hana@example.com")
    where = ConversationRef("console", user.id)
    async with server.services.store() as uow:
        hana = await uow.people.get("hana")
        assert hana is not None
        fixed = {"title": "Version 2", "summary": "Please read version 2 by Friday.", "link": ""}
        submission = Submission(user, where, "announce_correct", fixed, announcement_id)
        (done,) = await announcements.correct(deps, uow, hana, submission)
        await uow.commit()
    assert "Corrected" in as_text(done).text
    await broadcaster.engine.tick()

    async def updated() -> bool:
        return len(connector.updated) == 5

    assert await eventually(updated)
    for put in connector.updated:
        assert "by Friday" in json.dumps(put.body)
        assert put.path.rsplit("/", 1)[1].startswith("reply-")  # the delivered activity's id
    assert len(connector.updated) == 5
    assert len(connector.delivered()) == 6  # no second copy for anyone


async def test_story_and_suggestion_through_teams(
    hub: tuple[Server, Broadcaster], connector: FakeConnector
) -> None:
    server, _ = hub
    async with server.services.store() as uow:
        uow.session.add_all(
            person_rows(
                id="hana",
                display_name="Hana",
                email="hana@example.com",
                roles="hr",
                accounts={"teams": "29:hana"},
            )
        )
        await uow.commit()

    async def dialog(form_id: str, **fields: str) -> dict[str, Any]:
        submit = activity("invoke_task_submit.json", connector.url)
        submit["value"]["data"] = {"policybot_form_id": form_id, "policybot_context": "", **fields}
        return dict(await (await server.post(submit)).json())

    answer = await dialog(
        "story",
        title="Our <b>launch</b> post",
        text="It went **well** & fast.",
        link="",
        share="yes",
    )
    assert answer["task"]["type"] == "message"
    answer = await dialog(
        "suggest", section="work-time", kind="unclear", text="Breaks?", identity="anonymous"
    )
    assert answer["task"]["type"] == "message"

    async def delivered() -> bool:
        texts = [json.dumps(c.body) for c in connector.delivered()]
        return any("HR will read" in t for t in texts) and any("anonymously" in t for t in texts)

    assert await eventually(delivered)
    async with server.services.store() as uow:
        (story,) = await uow.stories.all()
        (suggestion,) = await uow.suggestions.since(story.created_at.date())
    assert story.title == "Our <b>launch</b> post" and story.status == "submitted"
    assert suggestion[0] == "work-time" and suggestion[3] is None  # no identity
