"""Backlash reports on a real database with the real cipher: privacy, access, follow-up,
deadlines, key rotation and retention."""

from __future__ import annotations

import logging
import pathlib
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.features.reports import casework
from bot.messages import (
    Action,
    Card,
    Choices,
    ConversationRef,
    Form,
    Reply,
    Submission,
    TextReply,
    UserRef,
)
from bot.model import Person, Role
from storage.cipher import KeyCipher
from storage.uow import SqlStore
from tests.conftest import sql_deps
from tests.fakes import FakeClock, NoticeLog
from tests.replies import as_card, as_form, text_of

SECRET = b"r" * 32
SAM = UserRef("slack", "U0SAMREPORTER")
DM = ConversationRef("slack", "D0SAM")
WHAT = "A stranger keeps posting my photo with threats under the launch video"


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    store = SqlStore(engine)
    people = [
        Person(
            "sam", "Sam Reporter", "sam@example.com", manager_id="mo", accounts={"slack": SAM.id}
        ),
        Person("mo", "Mo Manager", "mo@example.com", roles=frozenset({Role.MANAGER})),
        Person("hana", "Hana HR", "hana@example.com", roles=frozenset({Role.HR})),
        Person("hal", "Hal Handler", "hal@example.com", roles=frozenset({Role.HANDLER})),
        Person("ada", "Ada Admin", "ada@example.com", roles=frozenset({Role.ADMIN})),
    ]
    async with store() as uow:
        for p in people:
            await uow.people.save(p)
        await uow.commit()
    return sql_deps(content, faq, store, notices, clock, KeyCipher(SECRET))


async def link(deps: Deps, person_id: str, user: UserRef) -> None:
    """Give a directory person their Slack id, as an import or first message would."""
    async with deps.store() as uow:
        person = await uow.people.get(person_id)
        assert person is not None
        person.accounts["slack"] = user.id
        await uow.people.save(person)
        await uow.commit()


def report(**fields: str) -> Submission:
    values = {
        "danger": "no",
        "category": "threats",
        "severity": "high",
        "what": WHAT,
        "where": "https://video.example/launch",
        "when": "since Monday",
        "identity": "confidential",
        "exclude": "",
    }
    values.update(fields)
    return Submission(SAM, DM, "report", values)


async def dump(engine: AsyncEngine) -> str:
    """Every row of every table, as text."""
    out = []
    async with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = (await conn.execute(text(f'SELECT * FROM "{table.name}"'))).all()
            out.append(f"{table.name}: {[tuple(r) for r in rows]!r}")
    return "\n".join(out)


def for_person(notices: NoticeLog, person_id: str) -> list[Reply]:
    return [n.reply for n in notices.sent if n.person_id == person_id]


def cards_for(notices: NoticeLog, person_id: str) -> list[Card]:
    """What one person was notified of, every one a card (a case's alert)."""
    return [as_card(r) for r in for_person(notices, person_id)]


async def test_anonymous_report_leaves_no_trace_of_the_reporter(
    deps: Deps, engine: AsyncEngine, notices: NoticeLog, caplog: pytest.LogCaptureFixture
) -> None:
    await handle(deps, Submission(SAM, DM, "ask_hr", {"question": ""}))  # Sam is a known user
    before = await dump(engine)
    from adapters import logs

    caplog.set_level(logging.DEBUG)
    logs.quiet_libraries()  # as the server configures logging
    (receipt,) = await handle(deps, report(identity="anonymous", exclude="mo@example.com"))
    assert isinstance(receipt, Form) and receipt.form_id == "report_receipt"
    assert "Your receipt:" in receipt.intro and "Nobody can recover them" in receipt.intro
    after = await dump(engine)
    new = "\n".join(line for line in after.splitlines() if line not in before.splitlines())
    for trace in ("sam@example.com", "Sam Reporter", SAM.id, "'sam'", "D0SAM"):
        assert trace not in new, trace
        assert trace not in caplog.text, trace
    assert WHAT not in after and "video.example" not in after
    assert WHAT not in caplog.text
    # Handlers get the case, without any identity; the excluded manager gets nothing.
    (card,) = for_person(notices, "hal")
    assert isinstance(card, Card) and WHAT in card.body
    assert ("Reporter", "anonymous") in card.facts
    assert for_person(notices, "mo") == [] and for_person(notices, "sam") == []


async def test_confidential_identity_only_for_handlers_and_exclusions_hold(
    deps: Deps, engine: AsyncEngine, notices: NoticeLog
) -> None:
    replies = await handle(deps, report(category="harassment", exclude="mo@example.com"))
    assert isinstance(replies[-1], TextReply) and "Report R-" in replies[-1].text
    (card,) = cards_for(notices, "hana")  # harassment goes to HR (and the manager, excluded)
    assert ("Reporter", "Sam Reporter (sam@example.com)") in card.facts
    assert for_person(notices, "mo") == [] and for_person(notices, "hal") == []
    case_id = card.buttons[0].value
    mo = UserRef("slack", "U0MO")
    await link(deps, "mo", mo)
    refused = await handle(deps, Action(mo, DM, "case_ack", case_id))
    assert refused == [TextReply(casework.NOT_YOURS)]
    async with engine.connect() as conn:
        audit = (await conn.execute(text("SELECT actor, action FROM case_audit"))).all()
    assert ("mo", "refused acknowledged") in [tuple(a) for a in audit]


async def test_handler_and_reporter_talk_both_ways_confidentially(
    deps: Deps, notices: NoticeLog
) -> None:
    await handle(deps, report())
    (card,) = cards_for(notices, "hal")
    case_id = card.buttons[0].value
    hal = UserRef("slack", "U0HAL")
    await link(deps, "hal", hal)
    acked = await handle(deps, Action(hal, DM, "case_ack", case_id))
    assert "acknowledged" in text_of(acked[0])
    (form,) = await handle(deps, Action(hal, DM, "case_message", case_id))
    assert isinstance(form, Form) and form.context == case_id
    await handle(deps, Submission(hal, DM, "case_message", {"message": "We are on it."}, case_id))
    told = [r.text for r in for_person(notices, "sam") if isinstance(r, TextReply)]
    assert any("received by a handler" in t for t in told)
    assert any("We are on it." in t for t in told)
    (status, _) = await handle(deps, Text_("follow-up"))
    assert isinstance(status, Card) and "We are on it." in status.body
    await handle(deps, Submission(SAM, DM, "report_add", {"message": "More posts today."}, case_id))
    assert any(
        "added information" in r.text
        for r in for_person(notices, "hal")
        if isinstance(r, TextReply | Choices)  # Choices: with the case's View button
    )


def Text_(words: str) -> Any:
    from bot.messages import Text

    return Text(SAM, DM, words)


async def test_anonymous_follow_up_with_receipt_rate_limited_and_locked(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    (receipt,) = map(as_form, await handle(deps, report(identity="anonymous")))
    lines = dict(line.split(": ", 1) for line in receipt.intro.splitlines()[:2])
    code, passphrase = lines["Your receipt"], lines["Your passphrase"]
    other = UserRef("slack", "U0ANYONE")  # follow-up works from any account

    def attempt(secret: str, message: str = "") -> Submission:
        fields = {"receipt": code.lower(), "passphrase": secret, "message": message}
        return Submission(other, DM, "report_followup", fields)

    (opened,) = map(as_form, await handle(deps, attempt(passphrase, "They found my address too.")))
    assert opened.form_id == "report_status" and "They found my address too." in opened.intro
    assert any(
        "added information" in r.text
        for r in for_person(notices, "hal")
        if isinstance(r, TextReply | Choices)  # Choices: with the case's View button
    )
    for _ in range(5):
        (wrong,) = map(as_form, await handle(deps, attempt("WRONG-PASS")))
        assert wrong.form_id == "report_followup" and wrong.errors
    (locked,) = map(as_form, await handle(deps, attempt(passphrase)))
    assert "Too many attempts" in locked.errors.get("receipt", "")
    clock.advance(minutes=16)
    (again,) = map(as_form, await handle(deps, attempt(passphrase)))
    assert again.form_id == "report_status"


async def test_key_rotation_keeps_old_cases_readable(
    deps: Deps, engine: AsyncEngine, notices: NoticeLog
) -> None:
    await handle(deps, report())
    (card,) = cards_for(notices, "hal")
    rotated = Deps(
        deps.content,
        deps.faq,
        deps.store,
        deps.clock,
        KeyCipher(b"n" * 32, old_secrets=(SECRET,)),
    )
    async with deps.store() as uow:
        case = await uow.cases.get(card.buttons[0].value)
        assert case is not None
        from bot.features.reports.reports import content_of

        assert content_of(rotated, case)["what"] == WHAT
    stranger = KeyCipher(b"x" * 32)
    with pytest.raises(Exception):  # noqa: B017 (any failure: the point is it cannot read it)
        stranger.open(case.content_box, b"case:" + case.id.encode())


async def test_a_report_and_its_notices_commit_together_or_not_at_all(
    deps: Deps, engine: AsyncEngine, notices: NoticeLog
) -> None:
    from bot.features.reports import reports

    async def rows(table: str) -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).one()[0])

    async with deps.store() as uow:
        sam = await uow.people.get("sam")
        assert sam is not None
        await reports.submit(deps, uow, sam, report(identity="anonymous"))
        # The handler wrote the case and its notices, committed nothing: a crash here
        # leaves nothing at all.
    assert await rows("report_case") == 0 and await rows("outbox") == 0
    (receipt,) = await handle(deps, report(identity="anonymous"))
    assert isinstance(receipt, Form) and "Your receipt:" in receipt.intro
    assert await rows("report_case") == 1
    assert await rows("outbox") == len(notices.sent) > 0


async def test_nothing_private_in_any_table_or_raw_file_after_a_full_case(
    deps: Deps, engine: AsyncEngine, notices: NoticeLog, tmp_path: Any
) -> None:
    """Report, handler's message, reporter's reply, resolution: dump every table (and, on
    SQLite, grep the database and WAL files) for the text and the confidential identity."""
    await handle(deps, report())
    (card,) = cards_for(notices, "hal")
    case_id = card.buttons[0].value
    hal = UserRef("slack", "U0HAL3")
    await link(deps, "hal", hal)
    await handle(deps, Action(hal, DM, "case_ack", case_id))
    secret_message = "Please send me the links to each threatening post"
    await handle(deps, Submission(hal, DM, "case_message", {"message": secret_message}, case_id))
    reply_text = "Here are the three links you asked for"
    await handle(deps, Submission(SAM, DM, "report_add", {"message": reply_text}, case_id))
    await handle(
        deps,
        Submission(
            hal, DM, "case_resolve", {"outcome": "action-taken", "note": "Closed now"}, case_id
        ),
    )
    private = (WHAT, "video.example", secret_message, reply_text, "Closed now")
    dumped = await dump(engine)
    for text_ in private:
        assert text_ not in dumped, text_
    # The directory (people and their chat accounts) names Sam, as it names everyone, and the
    # outbox holds Sam's undelivered notices; no other table and no other column ties Sam to
    # the case.
    async with engine.connect() as conn:
        notices_to = [tuple(r) for r in (await conn.execute(text("SELECT * FROM outbox"))).all()]
    beyond = "\n".join(
        t for t in dumped.splitlines() if not t.startswith(("person:", "identity:", "outbox:"))
    )
    beyond += repr([tuple(v for v in row if v != "sam") for row in notices_to])
    assert case_id not in repr(notices_to)
    for trace in ("Sam Reporter", "sam@example.com", SAM.id, "'sam'"):
        assert trace not in beyond, [t[:80] for t in beyond.splitlines() if trace in t]
    if engine.url.get_backend_name() == "sqlite":
        db = pathlib.Path(str(engine.url.database))
        raw = b"".join(f.read_bytes() for f in db.parent.glob(db.name + "*"))
        for text_ in private:
            assert text_.encode() not in raw, text_
