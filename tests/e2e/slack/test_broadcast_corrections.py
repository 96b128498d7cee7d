"""Announcements through Slack, after composing: a scheduled one cancelled, a sent one
corrected in place, a deleted message left alone, and concurrent runs updating each
message once.

The app runs for real on a local port with its database (SQLite, or PostgreSQL with
TEST_DATABASE_URL) and taskiq's in-memory broker; Slack is the local fake Web API, which
enforces rate limits and refuses some users the way Slack does.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from adapters.broadcast import Broadcaster
from storage.announcements import AnnouncementRow
from tests.e2e.helpers import eventually
from tests.e2e.slack.announcing import compose, finished, rows, tagged
from tests.e2e.slack.conftest import Server, press, staff, submit
from tests.e2e.slack.fake import FakeSlack


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
