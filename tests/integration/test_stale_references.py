"""Records that use what content no longer has: a safe default, and a start-up line naming it."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import app
from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.features.reports import casework
from bot.messages import Action, Card, UserRef
from bot.model import Person, Role
from bot.settings import load_settings
from storage.cipher import KeyCipher
from tests.conftest import database_url, sql_deps
from tests.fakes import FakeClock, NoticeLog
from tests.integration.test_reports import DM, WHAT, report

HAL = UserRef("slack", "U0HAL")


def without_high(content: Content) -> Content:
    """The content after an edit that removed the "high" severity."""
    rules = content.reports
    severities = {k: v for k, v in rules.severities.items() if k != "high"}
    return dataclasses.replace(content, reports=rules.model_copy(update={"severities": severities}))


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    deps = sql_deps(content, faq, engine, notices, clock, KeyCipher(b"s" * 32))
    async with deps.store() as uow:
        await uow.people.save(
            Person("sam", "Sam", "sam@example.com", accounts={"slack": "U0SAMREPORTER"})
        )
        for pid, role in (("hal", Role.HANDLER), ("hana", Role.HR), ("ada", Role.ADMIN)):
            roles = frozenset({role})
            accounts = {"slack": HAL.id} if pid == "hal" else {}
            await uow.people.save(
                Person(pid, pid.title(), f"{pid}@x.org", roles=roles, accounts=accounts)
            )
        await uow.commit()
    return deps


async def test_a_severity_removed_from_content_does_not_stop_escalation(
    deps: Deps, clock: FakeClock, notices: NoticeLog
) -> None:
    await handle(deps, report(severity="high"))
    await handle(deps, report(severity="normal"))
    edited = dataclasses.replace(deps, content=without_high(deps.content))
    clock.advance(days=5)  # both are overdue
    before = len(notices.sent)
    async with edited.store() as uow:
        steps = await casework.escalate(edited, uow)
        await uow.commit()
    assert steps == 2  # the case with the removed severity, and the other one
    cards = [n.reply for n in notices.sent[before:] if isinstance(n.reply, Card)]
    stale = [c for c in cards if ("Severity", "high (no longer in reports.yaml)") in c.facts]
    assert stale, [c.facts for c in cards]
    case_id = next(b.value for b in stale[0].buttons if b.action_id == "case_view")
    async with edited.store() as uow:
        case = await uow.cases.get(case_id)
    assert case is not None  # now on the most urgent rule: to be acknowledged within the hour
    assert case.ack_due == clock.now() + timedelta(hours=1)
    (view,) = await handle(edited, Action(HAL, DM, "case_view", case_id))
    assert isinstance(view, Card) and view.title.startswith("Report ")


async def test_start_up_names_what_content_no_longer_has_without_private_data(
    deps: Deps, tmp_path: Path, caplog: pytest.LogCaptureFixture, faq: FaqIndex
) -> None:
    await handle(deps, report(severity="high"))
    settings = load_settings(
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_SECRET_KEY="k" * 43,
    )
    caplog.set_level(logging.INFO)
    services = await app.bootstrap(settings, content=(without_high(deps.content), faq))
    await services.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "policybot"]
    assert (
        "content: 1 case(s) use severity 'high', which content/reports.yaml no longer has: "
        "they get the most urgent deadlines (critical)"
    ) in lines
    assert WHAT not in caplog.text and "R-" not in caplog.text
