"""Text that JSON can carry but no database can store (a lone UTF-16 surrogate) is cleaned in
the core, and the message is answered normally instead of with the storage apology."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.content import Content
from bot.directory import Profile
from bot.dispatch import handle, handle_many
from bot.features.faq.index import FaqIndex
from bot.messages import ConversationRef, Submission, Text, TextReply, UserRef
from storage.askhr import TicketRow
from storage.cipher import KeyCipher
from storage.faq import UnansweredRow
from storage.tables import PersonRow
from tests.conftest import sql_deps, sql_unit
from tests.fakes import FakeClock, NoticeLog

LONE = "\ud800"
SAM = UserRef("teams", "29:sam")
DM = ConversationRef("teams", "a:sam")


async def test_a_lone_surrogate_is_dropped_and_the_message_answered(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> None:
    deps = sql_deps(content, faq, engine, notices, clock, KeyCipher(b"u" * 32))
    unavailable = content.chat.unavailable
    replies = await handle(
        deps, Text(SAM, DM, f"zqxv {LONE}blorf", "d1"), Profile(display_name=f"Sam{LONE}")
    )
    assert replies and all(getattr(r, "text", "") != unavailable for r in replies)
    question = Submission(SAM, DM, "ask_hr", {"question": f"Can I post{LONE} about pay?"})
    (sent,) = await handle(deps, question)
    assert isinstance(sent, TextReply) and sent.text.startswith("Sent to HR")
    other = UserRef("teams", f"29:ot{LONE}her")
    batch = [(Text(other, DM, f"hello{LONE}", f"d{n}{LONE}"), None) for n in (2, 3)]
    for result in await handle_many(deps, batch):
        assert isinstance(result, list) and result, result
        assert all(getattr(r, "text", "") != unavailable for r in result)
    async with sql_unit(deps) as uow:
        stored = [r.text for r in await uow.session.exec(select(UnansweredRow))]
        names = [p.display_name for p in await uow.session.exec(select(PersonRow))]
        tickets = [t.question for t in await uow.session.exec(select(TicketRow))]
    assert stored == ["zqxv blorf"]
    assert "Sam\ufffd" in names
    assert tickets == ["Can I post about pay?"]
