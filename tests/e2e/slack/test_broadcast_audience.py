"""Announcements through Slack, who sends and who receives: only HR may announce, to
chosen departments and to channels, whose ids the form checks.

The app runs for real on a local port with its database (SQLite, or PostgreSQL with
TEST_DATABASE_URL) and taskiq's in-memory broker; Slack is the local fake Web API, which
enforces rate limits and refuses some users the way Slack does.
"""

from __future__ import annotations

from sqlmodel import select

from adapters.broadcast import Broadcaster
from storage.announcements import AnnouncementRow
from tests.e2e.helpers import eventually
from tests.e2e.slack.announcing import compose, finished, rows, tagged
from tests.e2e.slack.conftest import Server, press, shown, slash, staff, submit
from tests.e2e.slack.fake import FakeSlack
from tests.people import person_rows


async def test_only_hr_can_announce(hub: tuple[Server, Broadcaster], fake: FakeSlack) -> None:
    server, _ = hub
    await staff(server, 1)
    await server.send(slash("announce", user="U00000"), form=True)
    (refusal,) = await fake.wait_for("chat.postMessage")
    assert "only people with the hr role" in shown(refusal)
    assert not fake.of("views.open")
    forged = submit("announce_new", {"title": "x", "summary": "y"}, user="U00000")
    await server.send(forged, form=True)
    await fake.wait_for("chat.postMessage", 2)
    async with server.services.store() as uow:
        assert not list(await uow.session.exec(select(AnnouncementRow)))


async def test_announcement_also_posted_in_channels(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, broadcaster = hub
    users = await staff(server, 4)
    fake.refuse["C0SECRET"] = "not_in_channel"
    fake.per_channel = 1.0  # Slack: one message per second into one conversation
    announcement_id = await compose(server, fake, audience="Sales", channels="C0GENERAL C0SECRET")
    preview = fake.of("chat.postMessage")[-2]
    assert "to 2 people (Sales) and 2 channels" in shown(preview)
    await broadcaster.engine.tick()
    assert await finished(server, announcement_id)
    assert tagged(fake, "C0GENERAL", announcement_id) == 1
    assert tagged(fake, users[1], announcement_id) == tagged(fake, users[3], announcement_id) == 1
    assert tagged(fake, users[0], announcement_id) == 0  # Support is not in the audience
    by_person = {r.person_id: (r.state, r.reason) for r in await rows(server, announcement_id)}
    assert by_person["#C0GENERAL"] == ("delivered", "")
    assert by_person["#C0SECRET"] == ("failed", "not installed")  # the bot is not in it
    # Someone acknowledges from the channel message; channels themselves are never reminded
    # and do not count as outstanding.
    await server.send(press("announcement_ack", announcement_id, user=users[0]), form=True)

    async def acknowledged() -> bool:
        async with server.services.store() as uow:
            return await uow.announcements.acknowledged(announcement_id, "p0")

    assert await eventually(acknowledged)
    async with server.services.store() as uow:
        figures = await uow.announcements.figures(announcement_id, server.services.deps.clock.now())
        waiting = {p for p, *_ in await uow.announcements.unacknowledged(announcement_id)}
    assert (figures.delivered, figures.acknowledged, figures.outstanding) == (3, 1, 2)
    assert waiting == {"p1", "p3"}


async def test_a_bad_channel_id_is_refused_in_the_form(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, _ = hub
    await staff(server, 1)
    values = {"title": "T", "summary": "S", "version": "2", "ack": "yes", "audience": "everyone"}
    answer = await server.send(
        submit("announce_new", {**values, "channels": "#general"}, user="U0HR"), form=True
    )
    body = await answer.json()
    assert body["response_action"] == "errors" and "not a channel id" in body["errors"]["channels"]


async def test_announcement_to_chosen_departments(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, broadcaster = hub
    nobody = person_rows(
        id="ops",
        display_name="Ops",
        email="ops@example.com",
        department="Ops",
        accounts={"slack": "U0OPS"},
    )
    users = await staff(server, 4, ops=nobody)
    announcement_id = await compose(server, fake, audience="Sales,Support")
    preview = fake.of("chat.postMessage")[-2]
    assert "to 4 people (Sales, Support)" in shown(preview)
    await broadcaster.engine.tick()
    assert await finished(server, announcement_id)
    assert all(tagged(fake, u, announcement_id) == 1 for u in users)
    assert tagged(fake, "U0OPS", announcement_id) == 0
