"""The console chat in this process, on a real database: forms, buttons and notifications
as a person at the terminal meets them."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

import app
from adapters.console import chat as console
from adapters.console.chat import ConsoleChat
from bot.messages import Notification, TextReply
from bot.model import Person, Role
from bot.settings import load_settings
from tests.conftest import database_url

HR = "hana@example.com"
SAM = "sam@example.com"


@pytest.fixture
async def services(engine: object, tmp_path: Path, content: Any, faq: Any) -> AsyncIterator[Any]:
    settings = load_settings(
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_SECRET_KEY="k" * 43,
        POLICYBOT_WORKER="false",
    )
    services = await app.bootstrap(settings, content=(content, faq))
    async with services.store() as uow:
        await uow.people.save(
            Person("hana", "Hana HR", HR, department="People", roles=frozenset({Role.HR}))
        )
        await uow.people.save(Person("sam", "Sam Singh", SAM, department="Sales"))
        await uow.commit()
    yield services
    await services.close()


class Keyboard(io.StringIO):
    """Lines typed one by one; `before[n]` runs (in the chat's event loop) before line n."""

    def __init__(self, lines: list[str], loop: asyncio.AbstractEventLoop) -> None:
        super().__init__("".join(line + "\n" for line in lines))
        self.loop = loop
        self.count = 0
        self.before: dict[int, Callable[[], Any]] = {}

    # The standard library's stubs give IOBase.readline bytes and waive the clash for their own
    # text streams the same way.
    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        self.count += 1
        hook = self.before.get(self.count)
        if hook is not None:
            asyncio.run_coroutine_threadsafe(hook(), self.loop).result(10)
        return super().readline()


async def notify_person(services: Any, note: Notification) -> None:
    async with services.store() as uow:
        await uow.outbox.add(note)
        await uow.commit()


async def chat(services: Any, email: str, lines: list[str], **before: Any) -> str:
    out = io.StringIO()
    keys = Keyboard(lines, asyncio.get_running_loop())
    keys.before = {int(k.removeprefix("line")): v for k, v in before.items()}
    await ConsoleChat(services, email, "Someone", out=out, stdin=keys).run()
    return out.getvalue()


async def test_enter_keeps_the_announced_version_and_a_bad_optional_value_can_be_emptied(
    services: Any,
) -> None:
    # title, summary, link (bad), version, ack, audience, channels, when; then the link again
    out = await chat(
        services, HR, ["announce", "Version 2", "Please read.", "ftp://x", "", "", "", "", "",
                       "-", "/quit"],
    )  # fmt: skip
    assert "! Use a full https:// address, or leave it empty." in out
    assert "Policy version: 2" in out, out  # Enter kept version 2 (it announced version 1)
    assert "(optional) (optional)" not in out and "(optional, https://) (optional)" not in out
    # Only the field in error was asked again; the title typed first was kept.
    assert out.count("Title: ") == 1 and "== Version 2 ==" in out


async def test_numbers_stay_on_the_buttons_shown_when_a_notification_arrives(
    services: Any,
) -> None:
    async def notify() -> None:
        await notify_person(services, Notification("hana", TextReply("Hi."), "A notification"))

    out = await chat(services, HR, ["surveys", "1", "cancel", "99", "/quit"], line2=notify)
    assert "[notification] A notification" in out
    assert "== Open a survey ==" in out  # 1 is still "Open a survey", not the notification's
    assert "There is no button 99" in out
    async with services.store() as uow:
        assert list(await uow.tickets.open()) == []  # "99" was never sent to HR as a question


async def test_a_value_is_checked_as_it_is_typed_and_the_survey_keeps_every_answer(
    services: Any,
) -> None:
    lines = ["surveys", "1", "1", "", "0", "14", "/quit"]
    opened = await chat(services, HR, lines)
    assert "opens today" in opened, opened
    take = ["survey", "1", "4", "7", "5", "4", "3", "no", "1,2", "-", "/quit"]
    out = await chat(services, SAM, take)
    assert "! \u201c7\u201d is not one of the options: type a number from 1 to 5." in out
    assert "! \u201cno\u201d is not one of the options" in out
    assert "Thank you! Your answers were recorded anonymously." in out, out
    assert "Social media policy check-in" in out  # the title, whole
    assert "Nothing was sent" not in out  # /quit on the thank-you note sends nothing more


async def test_quit_inside_a_form_sends_nothing(services: Any) -> None:
    out = await chat(services, SAM, ["share a story", "/quit"])
    assert "Nothing was sent." in out and out.rstrip().endswith("Bye!")
    async with services.store() as uow:
        assert list(await uow.stories.all()) == []


async def test_an_invalid_campaign_shows_the_error_and_asks_again_without_looping(
    services: Any,
) -> None:
    out = await chat(services, HR, ["surveys", "1", "1", "", "-5", "abc", "2", "10", "/quit"])
    assert "! Type a whole number" in out
    assert "opens on" in out, out


async def test_notifications_are_printed_while_the_prompt_waits(
    services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "POLL_SECONDS", 0.05)

    async def notify_and_wait() -> None:
        await notify_person(services, Notification("sam", TextReply("HR answered."), "HR answered"))
        await asyncio.sleep(0.5)  # the person has not pressed Enter yet

    out = await chat(services, SAM, ["/quit"], line1=notify_and_wait)
    assert "HR answered." in out
    assert out.index("HR answered.") < out.index("Bye!")


async def test_announcements_reach_people_who_use_the_console_and_the_figures_add_up(
    services: Any,
) -> None:
    from storage.announcements import AnnouncementRow
    from tests.e2e.helpers import broadcasting, eventually

    async with services.store() as uow:  # in the directory, but never chatted here
        await uow.people.save(Person("ida", "Ida Ito", "ida@example.com", department="Sales"))
        await uow.commit()
    await chat(services, SAM, ["/quit"])  # Sam has used the console
    compose = ["announce", "Version 2", "Please read it.", "", "", "", "", "", "", "1", "/quit"]
    sent = await chat(services, HR, compose)
    assert "is going out now" in sent, sent
    async with services.store() as uow:
        (announcement,) = await uow.announcements.recent(1)

    async def finished() -> bool:
        async with services.store() as uow:
            row = await uow.session.get(AnnouncementRow, announcement.id)
            return row is not None and row.status == "sent"

    async for broadcaster in broadcasting(services):
        await broadcaster.engine.tick()
        assert await eventually(finished)
    read = await chat(services, SAM, ["1", "/quit"])  # the notification's first button
    assert "[notification] Announcement: Version 2" in read
    assert "Thank you: recorded that you read" in read, read
    async with services.store() as uow:
        figures = await uow.announcements.figures(announcement.id, services.deps.clock.now())
    assert figures.recipients == 3 and figures.delivered == 2  # Hana and Sam, here
    assert figures.failed == {"not installed": 1}  # Ida has never used any channel
    assert (figures.acknowledged, figures.outstanding) == (1, 2)
    assert figures.acknowledged + figures.outstanding == figures.recipients


def number(out: str, label: str) -> str:
    """The number the console gave the last button with this label."""
    import re

    found = re.findall(rf"\[(\d+)\] {re.escape(label)}\n", out)
    assert found, f"no button {label!r} in {out}"
    return str(found[-1])


async def test_survey_remind_is_instant_and_saved_on_the_default_database(
    services: Any,
) -> None:
    opened = await chat(services, HR, ["surveys", "1", "1", "", "0", "14", "/quit"])
    assert "opens today" in opened
    menu = await chat(services, HR, ["surveys", "/quit"])
    remind = ["surveys", number(menu, "Remind"), "/quit"]
    out = await asyncio.wait_for(chat(services, HR, remind), timeout=10)  # it hung for 30 s
    assert "Reminded 2 people who have not answered yet." in out, out  # Hana and Sam
    assert "nothing was saved" not in out
    reminded = await chat(services, SAM, ["/quit"])
    assert reminded.count("A reminder: there is still time for") == 1


async def test_a_receipt_is_closed_without_a_stray_form_prompt(services: Any) -> None:
    # Report form: danger, what, severity, what happened, where, when, identity (2: anonymous),
    # who must not see it; then Enter closes the receipt.
    lines = ["report", "1", "", "1", "3", "Pile-on under my post", "", "", "2", "", "", "/quit"]
    out = await chat(services, SAM, lines)
    receipt = out[out.index("Your receipt:") :]
    assert "(type cancel" not in receipt  # nothing to fill in on a receipt
    assert "it stays in this terminal's scrollback: clear it if others may see it" in receipt
