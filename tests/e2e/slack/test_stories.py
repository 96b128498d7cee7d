"""Stories, suggestions and "what changed?" through Slack's HTTP endpoint and the fake Web API."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from adapters.broadcast import Broadcaster
from storage.announcements import AnnouncementRow
from storage.suggestions import SuggestionRow
from tests.e2e.helpers import eventually
from tests.e2e.slack.conftest import (
    Server,
    buttons,
    fixture,
    press,
    shown,
    slash,
    staff,
    submit,
)
from tests.e2e.slack.fake import FakeSlack

NASTY = "<!channel> *Launch* <https://evil.example|click> & more"


def to(fake: FakeSlack, user: str) -> list[Any]:
    return [c for c in fake.of("chat.postMessage") if c.args["channel"] == user]


async def test_story_to_vote_with_user_text_escaped(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, broadcaster = hub
    users = await staff(server, 3)
    story = {"title": NASTY[:100], "text": f"We did it. {NASTY}", "link": "", "share": "yes"}
    for user in users[:2]:
        await server.send(submit("story", story, user=user), form=True)

    # HR is told of each story, with the text escaped: no mass mention, no disguised link.
    async def reviewed() -> bool:
        return len(to(fake, "U0HR")) >= 2

    assert await eventually(reviewed)
    review = to(fake, "U0HR")[0]
    text = shown(review)
    assert "<!channel>" not in text and "<https://evil.example|click>" not in text
    assert "&lt;!channel&gt;" in text and "&amp; more" in text
    ids = [buttons(c)["story_approve"] for c in to(fake, "U0HR")[:2]]
    for story_id in ids:
        await server.send(press("story_approve", story_id, user="U0HR"), form=True)

    async def approved() -> bool:
        return all(any("approved" in shown(c) for c in to(fake, u)) for u in users[:2])

    assert await eventually(approved)  # the authors are told
    await server.send(
        submit("round_new", {"title": "Best post", "days": "7"}, user="U0HR"), form=True
    )
    await broadcaster.engine.tick()

    async def invited() -> bool:
        return all(any("Read and vote" in shown(c) for c in to(fake, u)) for u in users)

    assert await eventually(invited, 20)
    invitation = next(c for c in to(fake, users[2]) if "Read and vote" in shown(c))
    round_id = buttons(invitation)["round_ballot"]
    posted = len(fake.of("chat.postMessage"))
    await server.send(press("round_ballot", round_id, user=users[2]), form=True)
    ballot = (await fake.wait_for("chat.postMessage", posted + 3))[posted:]
    cards = [c for c in ballot if "round_vote" in buttons(c)]
    assert len(cards) == 2
    assert all("<!channel>" not in shown(c) and "&lt;!channel&gt;" in shown(c) for c in cards)
    posted = len(fake.of("chat.postMessage"))
    await server.send(
        press("round_vote", buttons(cards[1])["round_vote"], user=users[2]), form=True
    )
    (thanks,) = (await fake.wait_for("chat.postMessage", posted + 1))[posted:]
    assert "your vote goes to" in shown(thanks)


async def test_anonymous_suggestion_and_what_changed_through_slack(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, _ = hub
    users = await staff(server, 1)
    fields = {
        "section": "work-time",
        "kind": "unclear",
        "text": "How long may a break be?",
        "identity": "anonymous",
    }
    sent = submit("suggest", fields, user=users[0])
    sent["view"]["state"]["values"]["section"]["value"] = {
        "type": "static_select",
        "selected_option": {"value": "work-time"},
    }
    for name in ("kind", "identity"):
        sent["view"]["state"]["values"][name]["value"] = {
            "type": "static_select",
            "selected_option": {"value": fields[name]},
        }
    await server.send(sent, form=True)
    (thanks,) = await fake.wait_for("chat.postMessage")
    assert "anonymously" in shown(thanks)
    async with server.services.store() as uow:
        (row,) = list(await uow.session.exec(select(SuggestionRow)))
        assert row.person_id is None and row.section_id == "work-time"
        assert b"break" not in row.box

    body = {
        "type": "event_callback",
        "event_id": "EvWHATCHANGED",
        "team_id": "T0001",
        "event": {
            "type": "message",
            "channel_type": "im",
            "channel": "D0X",
            "user": users[0],
            "text": "what changed?",
            "ts": "1.0",
        },
    }
    await server.send(body)
    answers = await fake.wait_for("chat.postMessage", 2)
    assert "What changed in version 2" in shown(answers[-1])
    assert "Added: AI-generated content and impersonation" in shown(answers[-1])
    async with server.services.store() as uow:
        assert not list(await uow.session.exec(select(AnnouncementRow)))
    assert json.dumps(answers[-1].args["blocks"]).count("Removed: Blogs and podcasts") == 1


async def test_slash_subcommands_for_the_newer_features(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, _ = hub
    await staff(server, 1)
    await server.send(slash("changes", user="U00000"), form=True)
    (changes,) = await fake.wait_for("chat.postMessage")
    assert "What changed in version 2" in shown(changes)
    await server.send(slash("suggest", user="U00000"), form=True)
    (opened,) = await fake.wait_for("views.open")  # the form opens as a modal at once
    assert opened.args["view"]["callback_id"] == "suggest"
    await server.send(slash("vote", user="U00000"), form=True)
    calls = await fake.wait_for("chat.postMessage", 2)
    assert "no vote open" in shown(calls[-1])


async def test_app_home_shows_training_progress_and_open_surveys(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    from datetime import timedelta

    from bot.features.surveys.model import Campaign
    from bot.model import new_id

    server, _ = hub
    users = await staff(server, 1)
    today = server.services.deps.clock.now().date()
    async with server.services.store() as uow:
        campaign = Campaign(
            new_id(), "policy-awareness", "everyone", today, today + timedelta(days=7)
        )
        await uow.campaigns.add(campaign)
        await uow.commit()
    home = fixture("app_home_opened.json")
    home["event"]["user"] = users[0]
    await server.send(home)
    (publish,) = await fake.wait_for("views.publish")
    view = json.dumps(publish.args["view"])
    modules = len(server.services.deps.content.quizzes.modules)
    assert f"0 of {modules} required modules done" in view
    assert "These surveys are open for you" in view and "survey_take" in view
    ids = [
        e["action_id"]
        for b in publish.args["view"]["blocks"]
        for e in b.get("elements", [])
        if "action_id" in e
    ]
    assert len(ids) == len(set(ids))
