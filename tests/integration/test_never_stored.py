"""What the README and DESIGN say is never stored, checked against every table of a real
database after the flow: survey answers, anonymous suggestions and anonymous reports keep
no user reference, no name, email or platform id, no hash that ties them to a person beyond
what is promised, no sequential id and, for answers and suggestions, no time finer than a day.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import text as sa_text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.messages import Action, ConversationRef, Form, Submission, Text, UserRef
from bot.model import Person, Role
from storage.cipher import KeyCipher, SealError
from storage.uow import SqlStore
from tests.conftest import sql_deps
from tests.dump import changes, dump
from tests.fakes import FakeClock, NoticeLog

DM = ConversationRef("slack", "D0PRIVATE")
HR = UserRef("slack", "U0HRNEVER")
SAM = UserRef("slack", "U0SAMNEVER")
SAM_TRACES = ("sam-never", SAM.id, "D0PRIVATE", "sam.never@example.com", "Sam Never")
RANDOM_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    store = SqlStore(engine)
    async with store() as uow:
        await uow.people.save(
            Person(
                "hr-never",
                "Hana Never",
                "hana.never@example.com",
                department="People",
                roles=frozenset({Role.HR}),
                accounts={"slack": HR.id},
            )
        )
        await uow.people.save(
            Person("hal-never", "Hal", "hal@example.com", roles=frozenset({Role.HANDLER}))
        )
        await uow.people.save(
            Person(
                "sam-never",
                "Sam Never",
                "sam.never@example.com",
                department="Sales",
                accounts={"slack": SAM.id},
            )
        )
        await uow.commit()
    return sql_deps(content, faq, store, notices, clock, KeyCipher(b"n" * 32))


def cells(rows: dict[str, list[tuple[Any, ...]]]) -> list[Any]:
    return [cell for table in rows.values() for row in table for cell in row]


def shown(cell: Any) -> str:
    return bytes(cell).decode("latin-1") if isinstance(cell, bytes | memoryview) else str(cell)


def assert_no_trace(new: dict[str, list[tuple[Any, ...]]], *private: str) -> None:
    for cell in cells(new):
        for secret in (*SAM_TRACES, *private):
            assert secret not in shown(cell), (secret, cell)


async def test_a_survey_answer_leaves_counts_a_keyed_hash_and_sealed_comments_only(
    deps: Deps, engine: AsyncEngine
) -> None:
    fields = {"survey": "policy-awareness", "audience": "everyone", "days": "14"}
    await handle(deps, Submission(HR, DM, "survey_new", fields))
    async with deps.store() as uow:
        (campaign,) = await uow.campaigns.all()
    (form,) = await handle(deps, Action(SAM, DM, "survey_take", campaign.id))
    assert isinstance(form, Form)
    comment = "My manager reads everything I post"
    answers = {
        "understand": "4",
        "confident-backlash": "2",
        "know-report": "5",
        "free-expression": "3",
        "platforms.0": "yes",
        "comments": comment,
    }
    before = await dump(engine)
    (thanks,) = await handle(deps, Submission(SAM, DM, "survey_answer", answers, campaign.id))
    assert isinstance(thanks, Form) and thanks.form_id == "survey_thanks"
    new = changes(before, await dump(engine))
    assert set(new) == {"survey_participant", "survey_tally", "survey_comment"}, set(new)
    assert_no_trace(new, comment)
    # The register: one keyed hash and the campaign, nothing else.
    ((key, campaign_id),) = new["survey_participant"]
    assert campaign_id == campaign.id and re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == deps.cipher.keyed_hash("survey", campaign.id, "sam-never")
    # Answers are counts (the first answer makes each count 1), never a row with a person.
    assert {len(row) for row in new["survey_tally"]} == {5}
    assert all(row[0] == campaign.id and row[2] == "Sales" for row in new["survey_tally"])
    # One sealed comment: a random id, the survey's closing day as its only time.
    ((comment_id, _, question, _, day),) = new["survey_comment"]
    assert RANDOM_ID.match(comment_id) and question == "comments"
    assert str(day)[:10] == campaign.closes_on.isoformat()
    for cell in cells(new):
        assert not isinstance(cell, datetime), cell
        assert not isinstance(cell, date) or cell == campaign.closes_on, cell
        assert not re.fullmatch(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d.*", str(cell)), cell


async def test_a_question_waiting_for_hr_is_sealed_with_its_asker(
    deps: Deps, engine: AsyncEngine
) -> None:
    """An unanswerable question is logged in clear only without its asker (the text and the
    day); the copy that waits for Sam's "yes" is sealed, bound to Sam, and still sent."""
    await handle(deps, Text(SAM, DM, "hello"))  # a known user, as after any earlier chat
    question = "who repairs the broken coffee machine on floor three"
    before = await dump(engine)
    replies = await handle(deps, Text(SAM, DM, question, "slack:EvNEVER1"))
    assert "HR" in repr(replies)
    new = changes(before, await dump(engine))
    assert {"conversation_state", "unanswered_question"} <= set(new), set(new)
    ((key, flow, step, data, _),) = new["conversation_state"]
    assert (key, flow, step) == (f"slack:{SAM.id}", "ask_hr", "offered")
    assert question not in data and "coffee" not in data and data.startswith("sealed:")
    ((_, text, day),) = new["unanswered_question"]
    assert text == question and isinstance(day, date | str)
    for table, rows in new.items():
        if table != "conversation_state":
            assert_no_trace({table: rows})
    # Bound to Sam: the same sealed data copied to another user's row does not open.
    other = UserRef("slack", "U0OTHERNEVER")
    async with engine.begin() as conn:
        await conn.execute(
            sa_text(
                "INSERT INTO conversation_state (user_key, flow, step, data, updated_at)"
                " VALUES (:k, 'ask_hr', 'offered', :d, :t)"
            ),
            {"k": f"slack:{other.id}", "d": data, "t": datetime(2026, 1, 1)},
        )
    async with deps.store() as uow:
        with pytest.raises(SealError):
            await uow.conversations.flow(other)
    # And Sam's "yes" still sends the question.
    (sent,) = await handle(deps, Text(SAM, DM, "yes", "slack:EvNEVER2"))
    assert "Sent to HR" in getattr(sent, "text", "")
    async with deps.store() as uow:
        (ticket,) = await uow.tickets.open()
        assert ticket.question == question


async def test_a_flow_stored_before_flows_were_sealed_is_still_read(
    deps: Deps, engine: AsyncEngine
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa_text(
                "INSERT INTO conversation_state (user_key, flow, step, data, updated_at)"
                " VALUES (:k, 'ask_hr', 'offered', :d, :t)"
            ),
            {"k": f"slack:{SAM.id}", "d": '{"question": "old one"}', "t": datetime(2026, 1, 1)},
        )
    async with deps.store() as uow:
        flow = await uow.conversations.flow(SAM)
        assert flow is not None and flow.data == {"question": "old one"}
        await uow.conversations.set_flow(SAM, flow)
        await uow.commit()
    rows = (await dump(engine))["conversation_state"]
    assert [r[3].startswith("sealed:") for r in rows] == [True]


async def test_an_anonymous_suggestion_leaves_one_sealed_row_with_a_day(
    deps: Deps, engine: AsyncEngine, clock: FakeClock
) -> None:
    await handle(deps, Text(SAM, DM, "hello"))  # a known user, as after any earlier chat
    text = "Say how long breaks may be"
    fields = {"section": "work-time", "kind": "change", "text": text, "identity": "anonymous"}
    before = await dump(engine)
    (thanks,) = await handle(deps, Submission(SAM, DM, "suggest", fields))
    assert "anonymously" in getattr(thanks, "text", "")
    new = changes(before, await dump(engine))
    assert set(new) == {"suggestion"}, set(new)
    assert_no_trace(new, text)
    ((row_id, section, kind, _, person, day, version),) = new["suggestion"]
    assert RANDOM_ID.match(row_id) and (section, kind, person) == ("work-time", "change", None)
    assert str(day)[:10] == clock.now().date().isoformat() and len(str(day)) == 10
    assert version == deps.content.current.version


async def test_an_anonymous_report_writes_the_case_its_routing_and_its_audit_only(
    deps: Deps, engine: AsyncEngine
) -> None:
    await handle(deps, Text(SAM, DM, "hello"))
    what = "Someone found my address through my work profile"
    fields = {
        "category": "doxxing",
        "severity": "critical",
        "what": what,
        "where": "a forum thread",
        "identity": "anonymous",
        "exclude": "hana.never@example.com",
    }
    before = await dump(engine)
    (receipt,) = await handle(deps, Submission(SAM, DM, "report", fields))
    assert isinstance(receipt, Form) and receipt.form_id == "report_receipt"
    new = changes(before, await dump(engine))
    # The case, who handles it (and who must not), its audit, and the handler's notice.
    assert set(new) == {"report_case", "case_access", "case_audit", "outbox"}, set(new)
    lines = dict(line.split(": ", 1) for line in receipt.intro.splitlines()[:2])
    assert_no_trace(new, what, "forum thread", lines["Your receipt"], lines["Your passphrase"])
    actors = {row[2] for row in new["case_audit"]}
    assert actors == {"reporter"}
    assert {(row[1], row[2]) for row in new["case_access"]} == {
        ("hr-never", "excluded"),
        ("hal-never", "handler"),
    }
