"""Fake accounts on a real database: anyone reports one, nothing says who, HR is told in the
same commit, a second report of the same account is recognised, HR marks it handled; the
address and the note are sealed at rest."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.messages import Action, Card, Choices, ConversationRef, Form, Submission, Text, UserRef
from bot.model import Person, Role
from storage.cipher import KeyCipher
from storage.db import current_revision, downgrade, upgrade
from tests.conftest import sql_deps
from tests.dump import dump, flat
from tests.fakes import FakeClock, NoticeLog

SAM = UserRef("slack", "U0SAMFAKE")
HANA = UserRef("slack", "U0HANAFAKE")
DM = ConversationRef("slack", "D0SAMFAKE")
HR_DM = ConversationRef("slack", "D0HANAFAKE")
CHANNEL = ConversationRef("slack", "C0GENERAL", shared=True)
URL = "https://social.example/@Acme_Official_Support"
NOTE = "Pretends to be our support team and asks customers for their passwords."


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    deps = sql_deps(content, faq, engine, notices, clock, KeyCipher(b"i" * 32))
    async with deps.store() as uow:
        for person in (
            Person("sam", "Sam Seen", "sam@example.com", "Sales", accounts={"slack": SAM.id}),
            Person(
                "hana", "Hana HR", "hana@example.com", roles=frozenset({Role.HR}),
                accounts={"slack": HANA.id},
            ),
        ):  # fmt: skip
            await uow.people.save(person)
        await uow.commit()
    return deps


def report(url: str = URL, note: str = NOTE) -> Submission:
    return Submission(SAM, DM, "impostor", {"platform": "X", "url": url, "note": note})


async def test_a_report_reaches_hr_with_no_trace_of_the_reporter_and_sealed_at_rest(
    deps: Deps, engine: AsyncEngine, notices: NoticeLog
) -> None:
    (menu,) = await handle(deps, Text(SAM, DM, "help"))
    assert isinstance(menu, Choices) and "impostor_form" in [b.action_id for b in menu.buttons]
    (opened,) = await handle(deps, Text(SAM, DM, "fake account"))
    assert isinstance(opened, Form) and opened.form_id == "impostor"
    (thanks,) = await handle(deps, report())
    assert "HR has the report" in str(thanks)
    (note,) = [n for n in notices.sent if n.person_id == "hana"]
    assert isinstance(note.reply, Card)
    assert dict(note.reply.facts)["Address"] == URL and NOTE[:40] in dict(note.reply.facts)["Note"]
    rows = await dump(engine)
    assert rows["impostor"] and len(rows["impostor"]) == 1
    raw = flat(rows)
    for secret in (URL, "Acme_Official_Support", "passwords"):
        assert secret not in raw, secret  # in no table, the outbox included
    impostor = flat({"impostor": rows["impostor"]})
    for who in ("sam", SAM.id, "Sam Seen"):
        assert who not in impostor  # no column says who reported it


async def test_the_same_account_twice_is_one_report_and_hr_marks_it_handled(
    deps: Deps, notices: NoticeLog
) -> None:
    await handle(deps, report())
    (again,) = await handle(deps, report(URL + "/?from=share", "Seen again."))
    assert "already reported" in str(again)
    assert len([n for n in notices.sent if n.person_id == "hana"]) == 1
    (refused,) = await handle(deps, Text(SAM, DM, "fake accounts"))
    assert "only people with the hr role" in str(refused)
    listed = await handle(deps, Text(HANA, HR_DM, "fake accounts"))
    assert "waiting: 1" in str(listed[0])
    (card,) = [r for r in listed if isinstance(r, Card)]
    (button,) = card.buttons
    (employee,) = await handle(deps, Action(SAM, DM, button.action_id, button.value))
    assert "only people with the hr role" in str(employee)
    (done,) = await handle(deps, Action(HANA, HR_DM, button.action_id, button.value))
    assert f"Marked {button.value} handled" in str(done)
    (empty,) = await handle(deps, Text(HANA, HR_DM, "fake accounts"))
    assert "No fake accounts are waiting" in str(empty)
    (twice,) = await handle(deps, Action(HANA, HR_DM, button.action_id, button.value))
    assert "already marked handled" in str(twice)


async def test_a_bad_address_is_refused_clearly_and_keeps_what_was_typed(deps: Deps) -> None:
    (again,) = await handle(deps, report("javascript:alert(1)", "A note I typed."))
    assert isinstance(again, Form) and "https://" in again.errors["url"]
    assert dict((f.name, f.initial) for f in again.fields)["note"] == "A note I typed."
    (listed,) = await handle(deps, Text(HANA, HR_DM, "fake accounts"))
    assert "No fake accounts are waiting" in str(listed)


async def test_hr_list_asked_in_a_channel_goes_to_a_direct_message(
    deps: Deps, notices: NoticeLog
) -> None:
    await handle(deps, report())
    before = len(notices.sent)
    shown = await handle(deps, Text(HANA, CHANNEL, "fake accounts"))
    assert not any(isinstance(r, Card) for r in shown)  # a pointer only, in the channel
    sent = [n.reply for n in notices.sent[before:] if n.person_id == "hana"]
    assert any(isinstance(r, Card) and r.title.startswith("Fake account F-") for r in sent)


async def test_the_migration_adds_the_table_with_no_reporter_and_takes_it_away(
    engine: AsyncEngine,
) -> None:
    async def columns() -> list[str] | None:
        async with engine.connect() as conn:

            def read(c: object) -> list[str] | None:
                found = inspect(c)
                if "impostor" not in found.get_table_names():
                    return None
                return sorted(col["name"] for col in found.get_columns("impostor"))

            return await conn.run_sync(read)

    assert await columns() == sorted(
        ["id", "ref", "platform", "url_key", "box", "reported_on", "status", "handled_on"]
    )
    await downgrade(engine, "0018")
    assert await current_revision(engine) == "0018" and await columns() is None
    await upgrade(engine)
    assert await columns() is not None
