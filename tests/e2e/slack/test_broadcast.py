"""Announcements through Slack: HR composes in a modal, the broadcast reaches everyone once.

The app runs for real on a local port with its database (SQLite, or PostgreSQL with
TEST_DATABASE_URL) and taskiq's in-memory broker; Slack is the local fake Web API, which
enforces rate limits and refuses some users the way Slack does.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from adapters.broadcast import Broadcaster
from bot.features.announcements import card
from storage.announcements import AcknowledgementRow, AnnouncementRow, RecipientRow
from storage.tables import PersonRow
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
from tests.people import person_rows


async def compose(server: Server, fake: FakeSlack, **fields: str) -> str:
    """HR opens `/policy announce`, fills the modal in, and confirms the preview."""
    opens, posted = len(fake.of("views.open")), len(fake.of("chat.postMessage"))
    await server.send(slash("announce"), form=True)
    opened = (await fake.wait_for("views.open", opens + 1))[-1]
    view = opened.args["view"]
    assert view["callback_id"] == "announce_new"
    values = {
        "title": "Social media policy, version 2",
        "summary": "Version 2 adds a section on AI tools and impersonation.",
        "link": "https://intranet.example.com/policy/v2",
        "version": "2",
        "ack": "yes",
        "audience": "everyone",
        "when": "",
        **fields,
    }
    answer = await server.send(submit("announce_new", values, user="U0HR"), form=True)
    assert answer.status == 200
    posts = await fake.wait_for("chat.postMessage", posted + 2)
    preview, confirm = posts[-2:]
    assert "preview" in shown(preview) and "Version 2 adds a section" in shown(preview)
    announcement_id = buttons(confirm)["announce_send"]
    await server.send(press("announce_send", announcement_id, user="U0HR"), form=True)
    await fake.wait_for("chat.postMessage", posted + 3)
    return announcement_id


async def finished(server: Server, announcement_id: str, within: float = 30) -> bool:
    async def done() -> bool:
        async with server.services.store() as uow:
            row = await uow.session.get(AnnouncementRow, announcement_id)
            return row is not None and row.status == "sent"

    return await eventually(done, within)


async def rows(server: Server, announcement_id: str) -> list[RecipientRow]:
    async with server.services.store() as uow:
        found = await uow.session.exec(
            select(RecipientRow).where(RecipientRow.announcement_id == announcement_id)
        )
        return [RecipientRow.model_validate(r.model_dump()) for r in found]  # detached copies


def tagged(fake: FakeSlack, user: str, announcement_id: str) -> int:
    """Messages of this announcement in the user's DM (found by their metadata)."""
    return sum(
        1
        for m in fake.received(user)
        if (m.get("metadata") or {}).get("event_payload", {}).get("announcement_id")
        == announcement_id
    )


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


async def test_scheduled_announcement_can_be_cancelled_and_a_sent_one_corrected(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, broadcaster = hub
    users = await staff(server, 4)
    next_month = datetime.now(UTC) + timedelta(days=30)
    later = await compose(server, fake, when=f"{next_month:%Y-%m-%d} 09:00")
    await server.send(press("announce_cancel", later, user="U0HR"), form=True)

    async def cancelled() -> bool:
        async with server.services.store() as uow:
            row = await uow.session.get(AnnouncementRow, later)
            return row is not None and row.status == "cancelled"

    assert await eventually(cancelled)
    assert await broadcaster.engine.tick() == 0  # nothing to start

    announcement_id = await compose(server, fake)
    await broadcaster.engine.tick()
    assert await finished(server, announcement_id)
    await server.send(press("announce_correct", announcement_id, user="U0HR"), form=True)
    await fake.wait_for("views.open", 3)
    fixed = {
        "title": "Social media policy, version 2",
        "summary": "Version 2 adds a section on AI tools. Read it by Friday.",
        "link": "",
    }
    corrected = submit("announce_correct", fixed, user="U0HR")
    corrected["view"]["private_metadata"] = json.dumps(
        {"channel": "D0HR", "thread": "", "context": announcement_id}
    )
    await server.send(corrected, form=True)
    await broadcaster.engine.tick()

    async def updated() -> bool:
        return len(fake.of("chat.update")) >= 5

    assert await eventually(updated)
    for user in [*users, "U0HR"]:
        (message,) = [m for m in fake.received(user) if m.get("metadata")]
        assert message.get("edited") and "Read it by Friday" in json.dumps(message["blocks"])
    # Nobody got a second message for the correction.
    assert all(tagged(fake, u, announcement_id) == 1 for u in users)


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


async def revise(server: Server, announcement_id: str) -> None:
    """Correct a sent announcement as HR's correction form would: new text, next revision."""
    async with server.services.store() as uow:
        found = await uow.announcements.get(announcement_id)
        assert found is not None
        found.summary, found.revision = "Corrected text.", found.revision + 1
        await uow.announcements.save(found)
        await uow.commit()


async def test_a_correction_leaves_a_deleted_message_alone(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    server, broadcaster = hub
    users = await staff(server, 2)
    announcement_id = await compose(server, fake)
    await broadcaster.engine.tick()
    assert await finished(server, announcement_id)
    fake.posted[fake.dm(users[0])].clear()  # the person deleted it
    await revise(server, announcement_id)
    await broadcaster.engine.tick()

    async def corrected() -> bool:
        return all(r.revision == 2 for r in await rows(server, announcement_id))

    assert await eventually(corrected)
    failed = [c for c in fake.of("chat.update") if c.status == 0]
    assert len(failed) == 1  # tried once, then left alone
    await broadcaster.engine.tick()
    assert len([c for c in fake.of("chat.update") if c.status == 0]) == 1


async def test_concurrent_runs_update_each_corrected_message_once(
    hub: tuple[Server, Broadcaster], fake: FakeSlack
) -> None:
    """Several tasks (or workers) working on one correction share it: one update per message."""
    server, broadcaster = hub
    users = await staff(server, 6)
    announcement_id = await compose(server, fake)
    await broadcaster.engine.tick()
    assert await finished(server, announcement_id)
    await revise(server, announcement_id)
    await asyncio.gather(*(broadcaster.engine.run(announcement_id) for _ in range(4)))

    async def corrected() -> bool:
        return all(r.revision == 2 for r in await rows(server, announcement_id))

    assert await eventually(corrected)
    updates = Counter(str(c.args.get("channel")) for c in fake.of("chat.update", ok_only=True))
    assert set(updates) == {fake.dm(u) for u in [*users, "U0HR"]}
    assert set(updates.values()) == {1}
