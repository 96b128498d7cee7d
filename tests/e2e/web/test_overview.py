"""The overview's figures on a real database, for each kind of viewer."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.deps import Deps
from bot.directory import NotAllowed
from bot.features.dashboard import dashboard, overview
from bot.features.dashboard.overview import Overview, Share
from bot.features.training.status import DUE_DAYS, assigned_at
from storage.cipher import KeyCipher
from storage.uow import SqlStore
from tests.e2e.web.seed import SCRIPT_DEPT, SCRIPT_TITLE, SECRET_KEY, Org, seed
from tests.fakes import FakeClock

NOW = datetime.now(UTC)


@pytest.fixture
async def org_deps(engine: Any, content: Any, faq: Any) -> AsyncIterator[tuple[Deps, Org]]:
    cipher = KeyCipher(base64.urlsafe_b64decode(SECRET_KEY + "="))
    store = SqlStore(engine, cipher)
    org = await seed(store, content, NOW)
    yield Deps(content, faq, store, FakeClock(NOW), cipher), org


async def figures(deps: Deps, person_id: str) -> Overview:
    return await dashboard.page(deps, person_id, overview.compute)


def overdue_after(deps: Deps, late: int) -> int:
    """How many are overdue, given `late` not done: none before the due date."""
    return late if assigned_at(deps) + timedelta(days=DUE_DAYS) < NOW else 0


async def test_hr_sees_everyone(org_deps: tuple[Deps, Org]) -> None:
    deps, org = org_deps
    o = await figures(deps, org.hr)
    assert o.sections == {"acknowledgements", "training", "cases", "survey", "attention"}
    assert not o.team_only
    assert o.policy.version == deps.content.current.version
    ack = o.policy.announcement
    assert ack is not None and ack.title == SCRIPT_TITLE
    assert ack.read == Share(4, 9)  # nine people reached (the channel is not a person)
    assert o.training is not None
    assert o.training.completed == Share(3, 9)
    assert o.training.overdue == overdue_after(deps, 6)
    assert o.cases is not None
    assert o.cases.by_severity == (("critical", 1), ("high", 1), ("normal", 1))
    assert [c.ref for c in o.cases.clocks] == ["R-CRIT01", "R-NORM01", "R-HIGH01"]
    critical, normal, high = o.cases.clocks
    assert critical.acknowledge.overdue and not critical.feedback.overdue
    assert critical.acknowledge.left == -timedelta(hours=1)
    assert high.acknowledge.met and not high.feedback.overdue
    assert high.feedback.left == timedelta(hours=48)
    assert normal.acknowledge.left == timedelta(hours=48) - timedelta(minutes=5)
    assert o.survey is not None
    assert o.survey.audience == SCRIPT_DEPT and o.survey.is_open
    assert o.survey.responses == Share(2, 3)
    assert [(a.kind, a.subject) for a in o.attention] == [
        ("case", "Report R-CRIT01"),
        ("announcement", "Quarterly reminder"),
        ("question", "Question Q-WAIT01"),
    ]


async def test_a_manager_sees_only_their_direct_reports(org_deps: tuple[Deps, Org]) -> None:
    deps, org = org_deps
    o = await figures(deps, org.manager)
    assert o.sections == {"acknowledgements", "training"}
    assert o.team_only
    assert o.policy.announcement is not None
    assert o.policy.announcement.read == Share(1, 3)
    assert o.training is not None and o.training.completed == Share(2, 3)
    assert o.training.overdue == overdue_after(deps, 1)
    assert o.cases is None and o.survey is None and o.attention == ()


async def test_a_handler_sees_cases_but_not_those_they_are_excluded_from(
    org_deps: tuple[Deps, Org],
) -> None:
    deps, org = org_deps
    o = await figures(deps, org.handler)
    assert o.sections == {"cases", "attention"}
    assert o.cases is not None and o.cases.open == 3
    assert [c.ref for c in o.cases.clocks] == ["R-CRIT01", "R-HIGH01"]
    assert [a.kind for a in o.attention] == ["case"]
    assert o.training is None and o.survey is None and o.policy.announcement is None


async def test_an_employee_gets_no_overview(org_deps: tuple[Deps, Org]) -> None:
    deps, org = org_deps
    with pytest.raises(NotAllowed):
        await figures(deps, org.employee)
    with pytest.raises(dashboard.SignedOut):
        await figures(deps, "nobody")
