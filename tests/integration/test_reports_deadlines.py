"""Deadlines, escalation, retention and the audit trail of reports on a real database: a missed
acknowledgement or first feedback escalates once per step, working-day deadlines end in the
handlers' hours, closed cases are purged past retention, figures carry no content, and every
read is audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.deps import Deps
from bot.dispatch import handle
from bot.features.reports import casework, stats
from bot.messages import (
    Action,
    Card,
    Submission,
    TextReply,
    UserRef,
)
from storage.reports import SqlCases
from tests.conftest import sql_unit
from tests.fakes import FakeClock, NoticeLog
from tests.integration.test_reports import DM, SAM, WHAT, Text_, cards_for, link, report
from tests.integration.test_reports import deps as deps  # the fixture
from tests.replies import as_text


async def test_missed_acknowledgement_escalates_once_per_step(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    await handle(deps, report(severity="critical", category="harassment"))
    notices.sent.clear()
    async with deps.store() as uow:
        assert await casework.escalate(deps, uow) == 0  # not due yet
        await uow.commit()
    clock.advance(minutes=61)
    async with deps.store() as uow:
        assert await casework.escalate(deps, uow) == 1
        await uow.commit()
    async with deps.store() as uow:
        assert await casework.escalate(deps, uow) == 0  # once per step
        await uow.commit()
    first = {n.person_id for n in notices.sent}
    assert "hana" in first  # the first tier (hr) is re-notified
    clock.advance(minutes=61)
    async with deps.store() as uow:  # a new store: timers live in the database
        assert await casework.escalate(deps, uow) == 1
        await uow.commit()
    assert "ada" in {n.person_id for n in notices.sent}  # then the admin tier
    clock.advance(hours=5)
    async with deps.store() as uow:
        assert await casework.escalate(deps, uow) == 0  # no tiers left
        await uow.commit()


async def test_purge_removes_only_closed_cases_past_retention(
    deps: Deps, engine: AsyncEngine, clock: FakeClock, notices: NoticeLog
) -> None:
    await handle(deps, report())
    await handle(deps, report(what="A second, still open case"))
    cards = cards_for(notices, "hal")
    hal = UserRef("slack", "U0HAL2")
    await link(deps, "hal", hal)
    closed = cards[0].buttons[0].value
    await handle(deps, Submission(hal, DM, "case_resolve", {"outcome": "action-taken"}, closed))
    async with deps.store() as uow:
        cases = uow.cases
        assert isinstance(cases, SqlCases)
        assert await cases.purge(clock.now() - timedelta(days=1)) == 0
        await uow.commit()
    async with deps.store() as uow:
        assert isinstance(uow.cases, SqlCases)
        assert await uow.cases.purge(clock.now() + timedelta(days=1)) == 1
        await uow.commit()
    async with deps.store() as uow:
        assert await uow.cases.get(closed) is None
        assert await uow.cases.get(cards[1].buttons[0].value) is not None
        assert await uow.cases.access(closed) == {}
    async with sql_unit(deps) as uow:
        key = uow.outbox.about_key
    async with engine.connect() as conn:
        about = [r[0] for r in (await conn.execute(text("SELECT about FROM outbox"))).all()]
    # The purged case's undelivered notices went with it; the open case's stay.
    assert key(closed) not in about and key(cards[1].buttons[0].value) in about
    assert closed not in about and cards[1].buttons[0].value not in about  # never in clear


async def test_figures_carry_no_content_or_identity(
    deps: Deps, notices: NoticeLog, engine: AsyncEngine
) -> None:
    await handle(deps, report())
    await handle(deps, report(identity="anonymous", category="doxxing", severity="critical"))
    async with deps.store() as uow:
        rows = stats.stats_rows(list(await uow.cases.all()))
    assert [r["category"] for r in rows] == ["threats", "doxxing"]
    flat = repr(rows)
    for secret in (WHAT, "sam", "Sam", "video.example"):
        assert secret not in flat
    sam_as_employee = await handle(deps, Text_("cases"))
    assert "only people with the hr or handler role" in as_text(sam_as_employee[0]).text
    hana = UserRef("slack", "U0HANA")
    await link(deps, "hana", hana)
    from bot.messages import Text

    (card,) = await handle(deps, Text(hana, DM, "cases"))
    assert isinstance(card, Card) and ("Reports", "2") in card.facts


async def test_missing_first_feedback_escalates_too(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    await handle(deps, report(severity="high", category="harassment"))  # feedback within 72h
    (card,) = cards_for(notices, "hana")
    hana = UserRef("slack", "U0HANA")
    await link(deps, "hana", hana)
    await handle(deps, Action(hana, DM, "case_ack", card.buttons[0].value))
    notices.sent.clear()
    clock.advance(hours=71)
    async with deps.store() as uow:
        assert await casework.escalate(deps, uow) == 0  # acknowledged, feedback not yet due
        await uow.commit()
    clock.advance(hours=2)
    async with deps.store() as uow:
        assert await casework.escalate(deps, uow) == 1
        await uow.commit()
    assert any(n.summary.startswith("Overdue feedback") for n in notices.sent)
    async with deps.store() as uow:
        assert await casework.escalate(deps, uow) == 0  # once per step
        await uow.commit()
    await handle(
        deps, Submission(hana, DM, "case_message", {"message": "Update."}, card.buttons[0].value)
    )
    clock.advance(days=30)
    async with deps.store() as uow:
        assert await casework.escalate(deps, uow) == 0  # feedback given: nothing overdue
        await uow.commit()


async def test_every_read_is_audited_and_strangers_cannot_read(
    deps: Deps, engine: AsyncEngine, notices: NoticeLog
) -> None:
    await handle(deps, report())
    (card,) = cards_for(notices, "hal")
    case_id = card.buttons[0].value
    hal, mo = UserRef("slack", "U0HALREAD"), UserRef("slack", "U0MOREAD")
    await link(deps, "hal", hal)
    await link(deps, "mo", mo)
    await handle(
        deps, Submission(SAM, DM, "report_add", {"message": "Screenshots attached."}, case_id)
    )
    (seen,) = await handle(deps, Action(hal, DM, "case_view", case_id))
    assert (
        isinstance(seen, Card) and "Reporter" in seen.body and "Screenshots attached." in seen.body
    )
    assert await handle(deps, Action(mo, DM, "case_view", case_id)) == [
        TextReply(casework.NOT_YOURS)
    ]
    async with engine.connect() as conn:
        audit = [
            tuple(r) for r in (await conn.execute(text("SELECT actor, action FROM case_audit")))
        ]
    assert ("hal", "read") in audit and ("mo", "refused read") in audit


async def test_working_day_deadlines_end_in_the_handlers_working_hours(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    from datetime import UTC, datetime

    async with deps.store() as uow:
        for pid in ("hana", "hal"):
            person = await uow.people.get(pid)
            assert person is not None
            person.timezone = "America/New_York"
            await uow.people.save(person)
        await uow.commit()
    clock.current = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)  # a Friday evening
    await handle(deps, report(severity="normal"))  # one working day
    (card,) = cards_for(notices, "hal")
    async with deps.store() as uow:
        case = await uow.cases.get(card.buttons[0].value)
    assert case is not None
    # Monday is the working day; due at 17:00 New York time on Monday.
    assert case.ack_due == datetime(2026, 3, 9, 21, 0, tzinfo=UTC)
    await handle(deps, report(severity="critical"))  # hours run round the clock
    async with deps.store() as uow:
        critical = next(c for c in await uow.cases.all() if c.severity == "critical")
    assert critical.ack_due == clock.now() + timedelta(hours=1)
