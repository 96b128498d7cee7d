"""My data on a real database: a person reads what the bot holds about them (and nobody
else's), typed or from the menu; in a channel it goes to their direct messages."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.messages import Action, Card, Choices, ConversationRef, Submission, Text, UserRef
from bot.model import Person, Role
from storage.cipher import KeyCipher
from tests.conftest import sql_deps
from tests.fakes import FakeClock, NoticeLog
from tests.replies import as_card

SAM = UserRef("slack", "U0SAMDATA")
RIA = UserRef("slack", "U0RIADATA")
DM = ConversationRef("slack", "D0SAM")
CHANNEL = ConversationRef("slack", "C0GENERAL", shared=True)


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    deps = sql_deps(content, faq, engine, notices, clock, KeyCipher(b"m" * 32))
    async with deps.store() as uow:
        for person in (
            Person("mo", "Mo Manager", "mo@example.com", "Sales", roles=frozenset({Role.MANAGER})),
            Person("sam", "Sam Data", "sam@example.com", "Sales", "mo", accounts={"slack": SAM.id}),
            Person("ria", "Ria Other", "ria@example.com", "Sales", accounts={"slack": RIA.id}),
            Person("hal", "Hal Handler", "hal@example.com", roles=frozenset({Role.HANDLER})),
            Person("hana", "Hana HR", "hana@example.com", roles=frozenset({Role.HR})),
        ):
            await uow.people.save(person)
        await uow.commit()
    return deps


def facts(reply: object) -> dict[str, str]:
    assert isinstance(reply, Card) and reply.title == "Your data", reply
    return dict(reply.facts)


async def test_a_person_reads_what_the_bot_holds_about_them_and_only_theirs(deps: Deps) -> None:
    (before,) = await handle(deps, Text(SAM, DM, "my data"))
    assert facts(before)["Questions you sent HR"] == "none"
    await handle(deps, Submission(SAM, DM, "ask_hr", {"question": "Is the offsite paid?"}))
    report = {
        "danger": "no", "category": "threats", "severity": "high", "what": "Threats online.",
        "where": "https://video.example/x", "when": "today", "identity": "confidential",
        "exclude": "",
    }  # fmt: skip
    await handle(deps, Submission(SAM, DM, "report", report))
    await handle(deps, Submission(RIA, DM, "ask_hr", {"question": "Ria's own question"}))
    (card,) = map(as_card, await handle(deps, Text(SAM, DM, "what do you know about me")))
    mine = facts(card)
    assert (mine["Name"], mine["Email"], mine["Department"]) == (
        "Sam Data",
        "sam@example.com",
        "Sales",
    )
    assert mine["Manager"] == "Mo Manager" and mine["Chat accounts"] == f"slack {SAM.id}"
    assert mine["Questions you sent HR"].count("(open)") == 1  # Sam's, not Ria's
    assert mine["Your confidential reports"].startswith("R-")
    assert "survey answers" in card.footer and "anonymous report" in card.footer
    assert card.personal
    # Ria sees her own question and no report.
    (hers,) = await handle(deps, Text(RIA, DM, "my data"))
    assert facts(hers)["Your confidential reports"] == "none"
    assert facts(hers)["Questions you sent HR"].count("(open)") == 1


async def test_from_the_menu_and_in_a_channel_it_goes_to_the_person_only(
    deps: Deps, notices: NoticeLog
) -> None:
    (menu,) = await handle(deps, Text(SAM, DM, "help"))
    assert isinstance(menu, Choices) and "my_data" in [b.action_id for b in menu.buttons]
    (pressed,) = await handle(deps, Action(SAM, DM, "my_data"))
    assert facts(pressed)["Name"] == "Sam Data"
    shown = await handle(deps, Text(SAM, CHANNEL, "my data"))
    assert not any(isinstance(r, Card) for r in shown)  # a pointer only, in the channel
    sent = [n.reply for n in notices.sent if n.person_id == "sam"]
    assert any(isinstance(r, Card) and r.title == "Your data" for r in sent)
