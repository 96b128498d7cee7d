"""Announcements through Slack, delivery: everyone gets it exactly once, through 429 storms,
refusals and a worker that died mid-send, and acknowledges it from the message or App
Home.

The app runs for real on a local port with its database (SQLite, or PostgreSQL with
TEST_DATABASE_URL) and taskiq's in-memory broker; Slack is the local fake Web API, which
enforces rate limits and refuses some users the way Slack does.
"""

from __future__ import annotations

import json
from collections import Counter

from sqlmodel import select

from adapters.broadcast import Broadcaster
from bot.features.announcements import card
from storage.announcements import AcknowledgementRow, RecipientRow
from storage.tables import PersonRow
from tests.e2e.helpers import eventually
from tests.e2e.slack.announcing import compose, finished, rows, tagged
from tests.e2e.slack.conftest import Server, buttons, fixture, press, shown, staff
from tests.e2e.slack.fake import FakeSlack


async def test_hr_announces_and_everyone_gets_it_exactly_once(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, broadcaster = hub
    users = await staff(server, 300)
    announcement_id = await compose(server, fake)
    assert await broadcaster.engine.tick() == 1
    assert await finished(server, announcement_id)

    # Everyone in the directory (HR too) has it once; nobody twice, nobody missing.
    for user in [*users, "U0HR"]:
        assert tagged(fake, user, announcement_id) == 1, user
    recipients = await rows(server, announcement_id)
    assert len(recipients) == 301
    assert Counter(r.state for r in recipients) == {"delivered": 301}
    message = next(c for c in fake.of("chat.postMessage") if c.args["channel"] == users[0])
    assert "I have read it" in shown(message)
    assert buttons(message)["announcement_ack"] == announcement_id

    # Acknowledging twice (a double click) records one acknowledgement with the version.
    for _ in range(2):
        await server.send(press("announcement_ack", announcement_id, user=users[0]), form=True)
    await server.send(press("announcement_ack", announcement_id, user=users[1]), form=True)
    async with server.services.store() as uow:
        acks = [
            (a.person_id, a.policy_version)
            for a in await uow.session.exec(select(AcknowledgementRow))
        ]
    assert sorted(acks) == [("p0", 2), ("p1", 2)]

    # HR's live figures match the recipient rows.
    await server.send(press("announce_status", announcement_id, user="U0HR"), form=True)

    async def status_shown() -> bool:
        return any("Live figures" in shown(c) for c in fake.of("chat.postMessage"))

    assert await eventually(status_shown)
    status = next(c for c in fake.of("chat.postMessage") if "Live figures" in shown(c))
    facts = shown(status)
    assert "*Delivered*\\n301" in facts
    assert "*Acknowledged*\\n2" in facts and "*Not yet acknowledged*\\n299" in facts

    # Another tick finds nothing to do and sends nothing more.
    sent = len(fake.of("chat.postMessage"))
    await broadcaster.engine.tick()
    await broadcaster.engine.run(announcement_id)
    assert len(fake.of("chat.postMessage")) == sent


async def test_a_429_storm_slows_the_broadcast_without_losing_anyone(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, broadcaster = hub
    users = await staff(server, 150)
    announcement_id = await compose(server, fake)
    fake.rate, fake.burst = 150.0, 0.1  # Slack allows 150/s; we are configured for 2,000/s
    for _ in range(3):  # and the broadcast starts into a storm, however fast this machine is
        fake.then(
            "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, **{"Retry-After": "1"}
        )
    await broadcaster.engine.tick()
    assert await finished(server, announcement_id)
    limited = [c for c in fake.of("chat.postMessage") if c.status == 429]
    assert len(limited) >= 3
    for user in [*users, "U0HR"]:
        assert tagged(fake, user, announcement_id) == 1, user
    # Everyone waited out Retry-After: in the second after the first 429, nothing reached
    # Slack but sends already on their way (at most one per sending task) ...
    first = limited[0].at
    during = [c for c in fake.of("chat.postMessage") if first + 0.05 < c.at < first + 0.95]
    assert len(during) <= broadcaster.engine.parallel
    # ... and the rate came down instead of hammering: far fewer 429s than messages.
    assert len(limited) < len(users) // 2


async def test_refusals_are_recorded_once_with_their_reason(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, broadcaster = hub
    nobody = PersonRow(id="pnone", display_name="No Slack", email="none@example.com")
    users = await staff(server, 6, nobody=nobody)
    fake.refuse[users[0]] = "cannot_dm_bot"
    fake.refuse[users[1]] = "account_inactive"
    fake.refuse[users[2]] = "user_not_found"
    fake.forbidden.add(users[3])
    announcement_id = await compose(server, fake)
    await broadcaster.engine.tick()
    assert await finished(server, announcement_id)
    by_person = {r.person_id: r for r in await rows(server, announcement_id)}
    assert (by_person["p0"].state, by_person["p0"].reason) == ("failed", "blocked")
    assert (by_person["p1"].state, by_person["p1"].reason) == ("failed", "deactivated")
    assert (by_person["p2"].state, by_person["p2"].reason) == ("failed", "user left")
    assert (by_person["p3"].state, by_person["p3"].reason) == ("failed", "blocked")
    assert (by_person["pnone"].state, by_person["pnone"].reason) == ("failed", "not installed")
    assert by_person["p4"].state == by_person["p5"].state == "delivered"
    # Permanent failures are not retried: one call each, even after more ticks.
    await broadcaster.engine.tick()
    await broadcaster.engine.run(announcement_id)
    for user in users[:4]:
        assert len([c for c in fake.of("chat.postMessage") if c.args["channel"] == user]) == 1
    async with server.services.store() as uow:
        figures = await uow.announcements.figures(announcement_id, server.services.deps.clock.now())
    assert figures.failed == {"blocked": 2, "deactivated": 1, "user left": 1, "not installed": 1}
    assert figures.delivered == 3 and figures.pending == 0  # p4, p5 and HR


async def test_a_send_in_flight_when_its_worker_died_is_found_not_repeated(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, broadcaster = hub
    users = await staff(server, 3)
    announcement_id = await compose(server, fake, audience="Sales")  # p1 only
    engine = broadcaster.engine
    started = await engine.broadcasts.due(server.services.deps.clock.now())
    assert started == [announcement_id]
    await engine.broadcasts.materialize(announcement_id, ["slack"], engine.now())
    # A worker claims the row, marks it in flight, Slack stores the message ... and the
    # worker dies before recording it.
    (job,) = await engine.broadcasts.claim(announcement_id, engine.now(), engine.lease, 10)
    assert await engine.broadcasts.in_flight(job, engine.now())
    announcement = await engine.broadcasts.announcement(announcement_id)
    assert announcement is not None

    result = await engine.senders["slack"].send(job, announcement, card.message(announcement))
    assert result.sent
    # The lease ran out (2 s in this test, set to the past here); another worker takes over.
    sent = len(fake.of("chat.postMessage"))
    async with server.services.store() as uow:
        row = await uow.session.get(RecipientRow, job.id)
        assert row is not None and row.in_flight and row.lease_until is not None
        row.lease_until = row.lease_until.replace(year=2000)
        uow.session.add(row)
        await uow.commit()
    # The first look at the history is rate limited: the row waits, nothing is sent blind.
    fake.then(
        "conversations.history", 429, {"ok": False, "error": "ratelimited"}, **{"Retry-After": "0"}
    )
    await engine.run(announcement_id)
    assert len(fake.of("chat.postMessage")) == sent  # found in the history: not sent again
    assert [c.status for c in fake.of("conversations.history")] == [429, 200]
    assert tagged(fake, users[1], announcement_id) == 1
    (row,) = await rows(server, announcement_id)
    assert row.state == "delivered" and row.message_ref.startswith("D")


async def test_app_home_lists_announcements_waiting_to_be_acknowledged(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, broadcaster = hub
    users = await staff(server, 2)
    announcement_id = await compose(server, fake)
    await broadcaster.engine.tick()
    assert await finished(server, announcement_id)
    home = fixture("app_home_opened.json")
    home["event"]["user"] = users[0]
    await server.send(home)
    (publish,) = await fake.wait_for("views.publish")
    view = json.dumps(publish.args["view"])
    assert "waiting for you to confirm" in view and announcement_id in view
    posted = len(fake.of("chat.postMessage"))
    await server.send(press("announcement_ack", announcement_id, user=users[0]), form=True)
    await fake.wait_for("chat.postMessage", posted + 1)
    home["event_id"] = "Ev0003HOMEAGAIN"  # a new event (the same id would be a retry)
    await server.send(home)
    published = await fake.wait_for("views.publish", 2)
    assert "waiting for you to confirm" not in json.dumps(published[-1].args["view"])
