"""Announcements through Slack, driven and observed as HR and the recipients see them:
composing one in the modal, waiting for it to be sent, its recipient rows, and the
messages of it in someone's DM."""

from __future__ import annotations

from sqlmodel import select

from storage.announcements import AnnouncementRow, RecipientRow
from tests.e2e.helpers import eventually
from tests.e2e.slack.conftest import Server, buttons, press, shown, slash, submit
from tests.e2e.slack.fake import FakeSlack


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
