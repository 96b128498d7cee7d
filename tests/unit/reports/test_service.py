"""Reports' rules with the fakes: the deadlines a report starts (round the clock, or working
days in the handlers' time zone, never past the legal limits), and escalation taking each
step once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.deps import Deps
from bot.features.reports.casework import escalate, purge
from bot.features.reports.forms import ACK_LIMIT, FEEDBACK_LIMIT, deadlines
from bot.features.reports.model import Case, CaseStatus
from bot.features.reports.reports import context
from bot.model import Person, Role
from tests.fakes import FakeCipher, FakeClock, FakeStore

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)


def test_hour_deadlines_run_round_the_clock(deps: Deps) -> None:
    ack, feedback = deadlines(deps, "critical", FRIDAY)
    assert (ack, feedback) == (FRIDAY + timedelta(hours=1), FRIDAY + timedelta(hours=24))


def test_a_working_day_deadline_skips_the_weekend_and_ends_at_five_locally(deps: Deps) -> None:
    ack, _ = deadlines(deps, "normal", FRIDAY)
    assert ack == datetime(2026, 3, 9, 17, 0, tzinfo=UTC)  # Monday, not Saturday
    in_berlin, _ = deadlines(deps, "normal", FRIDAY, "Europe/Berlin")
    assert in_berlin == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # 17:00 in Berlin
    unknown, _ = deadlines(deps, "normal", FRIDAY, "Mars/Olympus")
    assert unknown == ack  # an unknown zone falls back to UTC


def test_no_deadline_passes_the_legal_limits(deps: Deps) -> None:
    ack, feedback = deadlines(deps, "normal", MONDAY)
    assert ack <= MONDAY + ACK_LIMIT and feedback <= MONDAY + FEEDBACK_LIMIT


def case(now: datetime, case_id: str = "c1", **changes: Any) -> Case:
    what = {"what": "Threats under my post", "where": "https://x.example/p", "when": "today"}
    sealed = FakeCipher().seal(json.dumps(what).encode(), context(case_id))
    made = Case(
        id=case_id,
        ref=f"R-{case_id.upper()}",
        category="threats",
        severity="high",
        anonymous=True,
        created_at=now,
        ack_due=now + timedelta(hours=4),
        feedback_due=now + timedelta(hours=72),
        content_box=sealed,
    )
    return replace(made, **changes)


async def test_a_missed_acknowledgement_escalates_once_and_tells_hr(
    deps: Deps, store: FakeStore, clock: FakeClock
) -> None:
    store.data.people["hr"] = Person("hr", "Hana HR", roles=frozenset({Role.HR}))
    async with deps.store() as uow:
        await uow.cases.add(case(clock.now()))
        await uow.commit()
    clock.advance(hours=5)
    async with deps.store() as uow:
        first = await escalate(deps, uow)
        await uow.commit()
    async with deps.store() as uow:
        again = await escalate(deps, uow)
        stored = await uow.cases.get("c1")
    assert first == 1 and again == 0
    assert stored is not None and stored.escalations == 1
    assert store.data.outbox  # the escalation's notices went into the same unit of work


async def test_purge_removes_only_resolved_cases_past_retention(
    deps: Deps, store: FakeStore, clock: FakeClock
) -> None:
    now = clock.now()
    old = now - timedelta(days=deps.content.reports.retention_days + 1)
    async with deps.store() as uow:
        await uow.cases.add(case(old, "gone", status=CaseStatus.RESOLVED, resolved_at=old))
        await uow.cases.add(case(old, "open"))
        await uow.cases.add(case(now, "new", status=CaseStatus.RESOLVED, resolved_at=now))
        assert await purge(deps, uow) == 1
        await uow.commit()
    assert sorted(store.data.features.cases) == ["new", "open"]
