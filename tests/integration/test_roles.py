"""Every role check of the core, one by one, on a real database: people without the role
(an employee, a manager, a handler) are refused, nothing at all changes in any
table, and nobody is notified; HR, doing the same, is not refused.

The world is built through the dispatcher, as HR and staff would build it in chat, so that
each refused action would really do something if its check were missing: a draft to send
or discard, a scheduled announcement to cancel, one to correct, an open question for HR, an
open survey, stories to decide and to put in a round, a round to close.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.messages import (
    Action,
    Card,
    Choices,
    ConversationRef,
    Incoming,
    Reply,
    Submission,
    Text,
    TextReply,
    UserRef,
    public,
)
from bot.model import Person, Role
from storage.cipher import KeyCipher
from storage.uow import SqlStore
from tests.conftest import sql_deps
from tests.dump import changes, dump
from tests.fakes import FakeClock, NoticeLog
from tests.notices import forget, notified
from tests.replies import as_text

DM = ConversationRef("slack", "D0ROLES")
REFUSED = [public(TextReply("Sorry, only people with the hr role can do that."))]
HR = UserRef("slack", "U0HANA")
SAM = UserRef("slack", "U0SAM")
# Everyone but HR (and admins, who hold every role): none may do what only HR may.
OTHERS = {
    "sam": frozenset({Role.EMPLOYEE}),
    "mo": frozenset({Role.EMPLOYEE, Role.MANAGER}),
    "hal": frozenset({Role.EMPLOYEE, Role.HANDLER}),
}


def slack(person_id: str) -> UserRef:
    return UserRef("slack", f"U0{person_id.upper()}")


@dataclass
class World:
    """The records HR actions work on."""

    draft: str = ""
    later: str = ""
    scheduled: str = ""
    ticket: str = ""
    campaign: str = ""
    story: str = ""
    round: str = ""


@pytest.fixture
async def deps(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> Deps:
    store = SqlStore(engine)
    async with store() as uow:
        await uow.people.save(
            Person(
                "hana",
                "Hana HR",
                "hana@example.com",
                department="People",
                roles=frozenset({Role.EMPLOYEE, Role.HR}),
                accounts={"slack": HR.id},
            )
        )
        for person_id, roles in OTHERS.items():
            await uow.people.save(
                Person(
                    person_id,
                    person_id.title(),
                    f"{person_id}@example.com",
                    department="Sales",
                    manager_id="mo" if person_id == "sam" else None,
                    roles=roles,
                    accounts={"slack": slack(person_id).id},
                )
            )
        await uow.commit()
    return sql_deps(content, faq, store, notices, clock, KeyCipher(b"w" * 32))


def buttons(replies: list[Reply]) -> dict[str, str]:
    return {
        b.action_id: b.value for r in replies if isinstance(r, Choices | Card) for b in r.buttons
    }


async def draft(deps: Deps, title: str, when: str = "") -> str:
    fields = {"title": title, "summary": "Please read it.", "audience": "everyone", "when": when}
    return buttons(await handle(deps, Submission(HR, DM, "announce_new", fields)))["announce_send"]


async def story(deps: Deps, title: str) -> str:
    fields = {"title": title, "text": f"{title}, all of it.", "link": "", "share": "yes"}
    (thanks,) = map(as_text, await handle(deps, Submission(SAM, DM, "story", fields)))
    return thanks.text.rsplit("(", 1)[1].rstrip(").")


@pytest.fixture
async def world(deps: Deps, clock: FakeClock) -> World:
    w = World()
    w.draft = await draft(deps, "A draft")
    w.later = await draft(deps, "Scheduled", when=f"{clock.now().date().replace(day=20)} 10:00")
    await handle(deps, Action(HR, DM, "announce_send", w.later))
    w.scheduled = await draft(deps, "Going out")
    await handle(deps, Action(HR, DM, "announce_send", w.scheduled))
    await handle(deps, Submission(SAM, DM, "ask_hr", {"question": "Where is the canteen?"}))
    async with deps.store() as uow:
        (ticket,) = await uow.tickets.open()
        w.ticket = ticket.id
    fields = {"survey": "policy-awareness", "audience": "everyone", "days": "14"}
    await handle(deps, Submission(HR, DM, "survey_new", fields))
    async with deps.store() as uow:
        (campaign,) = await uow.campaigns.all()
        w.campaign = campaign.id
    for title in ("First", "Second"):
        await handle(deps, Action(HR, DM, "story_approve", await story(deps, title)))
    await handle(deps, Submission(HR, DM, "round_new", {"title": "Best post", "days": "7"}))
    async with deps.store() as uow:
        (round_,) = await uow.stories.rounds()
        w.round = round_.id
    for title in ("Third", "Fourth"):  # two more, for a second round
        await handle(deps, Action(HR, DM, "story_approve", await story(deps, title)))
    w.story = await story(deps, "Waiting for HR")
    await forget(deps)
    return w


Attempt = Callable[[UserRef, World], Incoming]
CORRECTION = {"title": "Corrected", "summary": "Read this instead.", "link": ""}
# (where the check is, what someone presses or submits): all 31 `require` calls of the core.
HR_ONLY: list[tuple[str, Attempt]] = [
    ("impersonation.impersonation.overview", lambda u, w: Text(u, DM, "fake accounts")),
    ("impersonation.impersonation.handled", lambda u, w: Action(u, DM, "impostor_handled", "F-X")),
    ("announcements.announcements.new_form", lambda u, w: Action(u, DM, "announce_new")),
    ("announcements.announcements.new_form (typed)", lambda u, w: Text(u, DM, "announce")),
    (
        "announcements.service.draft",
        lambda u, w: Submission(u, DM, "announce_new", {"title": "Mine", "summary": "Hi all"}),
    ),
    ("announcements.service.schedule", lambda u, w: Action(u, DM, "announce_send", w.draft)),
    (
        "announcements.announcements.discard",
        lambda u, w: Action(u, DM, "announce_discard", w.draft),
    ),
    ("announcements.service.withdraw", lambda u, w: Action(u, DM, "announce_cancel", w.later)),
    (
        "announcements.service.correction",
        lambda u, w: Action(u, DM, "announce_correct", w.scheduled),
    ),
    (
        "announcements.service.correct",
        lambda u, w: Submission(u, DM, "announce_correct", CORRECTION, w.scheduled),
    ),
    (
        "announcements.announcements.status",
        lambda u, w: Action(u, DM, "announce_status", w.scheduled),
    ),
    ("announcements.announcements.overview", lambda u, w: Text(u, DM, "announcements")),
    ("askhr.service.open_tickets", lambda u, w: Text(u, DM, "tickets")),
    ("askhr.service.assign", lambda u, w: Action(u, DM, "ticket_assign", w.ticket)),
    ("askhr.service.answerable", lambda u, w: Action(u, DM, "ticket_answer", w.ticket)),
    (
        "askhr.service.answer",
        lambda u, w: Submission(u, DM, "ticket_answer", {"answer": "Floor 2."}, w.ticket),
    ),
    ("surveys.surveys.new_form", lambda u, w: Action(u, DM, "survey_new")),
    (
        "surveys.admin.open_campaign",
        lambda u, w: Submission(
            u, DM, "survey_new", {"survey": "training-pulse", "audience": "everyone", "days": "7"}
        ),
    ),
    ("surveys.admin.remind", lambda u, w: Action(u, DM, "survey_remind", w.campaign)),
    ("surveys.admin.close", lambda u, w: Action(u, DM, "survey_close", w.campaign)),
    ("surveys.admin.results", lambda u, w: Action(u, DM, "survey_results", w.campaign)),
    ("review.review.review_summary", lambda u, w: Text(u, DM, "review summary")),
    ("suggestions.suggestions.overview", lambda u, w: Text(u, DM, "suggestions")),
    ("stories.stories.queue", lambda u, w: Text(u, DM, "stories")),
    ("stories.admin.approve", lambda u, w: Action(u, DM, "story_approve", w.story)),
    ("stories.stories.decline_form", lambda u, w: Action(u, DM, "story_decline", w.story)),
    (
        "stories.admin.decline",
        lambda u, w: Submission(u, DM, "story_decline", {"reason": "Not for us."}, w.story),
    ),
    ("stories.stories.new_round_form", lambda u, w: Action(u, DM, "round_new")),
    (
        "stories.admin.open_round",
        lambda u, w: Submission(u, DM, "round_new", {"title": "Mine", "days": "3"}),
    ),
    ("stories.admin.close_round", lambda u, w: Action(u, DM, "round_close", w.round)),
    ("training.admin.required_form", lambda u, w: Action(u, DM, "training_required")),
    (
        "training.status.set_required",
        lambda u, w: Submission(u, DM, "training_required", {"boundaries": "yes"}),
    ),
]


def test_the_list_names_every_role_check_of_the_core() -> None:
    """A new `require(...)` in the core needs its line here (and so a test)."""
    import ast
    from pathlib import Path

    found = set()
    core = Path(__file__).parents[2] / "bot"
    for path in sorted(core.rglob("*.py")):
        module = path.relative_to(core).with_suffix("").parts
        name = ".".join(module[1:] if module[0] == "features" else module)
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(fn):
                    if (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Name)
                        and node.func.id == "require"
                    ):
                        found.add(f"{name}.{fn.name}")
    listed = {name.split(" ")[0] for name, _ in HR_ONLY}
    assert found == listed | set(STAFF_ONLY) | set(DASHBOARD_HR_ONLY) | set(CLI_HR_ONLY)
    assert len(found) == 31 + len(STAFF_ONLY) + len(DASHBOARD_HR_ONLY) + len(CLI_HR_ONLY)


# Checks that let in more roles than HR (the dashboard: hr, handler, manager, admin), each
# with the tests that refuse an employee and change nothing.
STAFF_ONLY = {
    "dashboard.dashboard.link": "tests/unit/dashboard/test_dashboard.py::"
    "test_only_hr_handlers_managers_and_admins_get_a_link_and_see_the_menu_entry",
    "dashboard.dashboard.page": "tests/e2e/web/test_security.py::"
    "test_a_person_without_a_dashboard_role_is_refused",
    "dashboard.overview.compute": "tests/e2e/web/test_overview.py::"
    "test_an_employee_gets_no_overview",
    "reports.book.queue": "tests/e2e/web/test_reports.py::"
    "test_no_session_wrong_role_and_missing_token",
    "reports.book.open_case": "tests/e2e/web/test_reports.py::"
    "test_an_excluded_handler_and_a_non_handler_are_refused_and_audited",
    "training.status.figures": "tests/e2e/web/test_training.py::"
    "test_no_session_wrong_role_and_missing_token",
    "review.policy.page": "tests/e2e/web/test_policy.py::test_an_employee_gets_no_policy_page",
}

# HR-only checks reached only from the dashboard, each with the test that refuses another role.
DASHBOARD_HR_ONLY = {
    "announcements.service.board": "tests/e2e/web/test_announcements.py::"
    "test_no_session_wrong_role_and_missing_token",
    "announcements.service.compose": "tests/e2e/web/test_announcements.py::"
    "test_no_session_wrong_role_and_missing_token",
    "announcements.service.detail": "tests/e2e/web/test_announcements.py::"
    "test_no_session_wrong_role_and_missing_token",
    "announcements.service.remind_now": "tests/e2e/web/test_announcements.py::"
    "test_remind_correct_and_preview_are_hr_only",
    "announcements.service.sample": "tests/e2e/web/test_announcements.py::"
    "test_remind_correct_and_preview_are_hr_only",
    **{
        f"faq.editing.{name}": "tests/e2e/web/test_faq.py::"
        "test_no_session_wrong_role_and_missing_token_store_nothing"
        for name in ("board", "sections", "trial", "add_phrasing", "add_entry", "retire", "ticket")
    },
    "surveys.writer.blank": "tests/e2e/web/test_surveys_writer.py::test_only_hr_writes_a_survey",
    "surveys.writer.open_written": "tests/e2e/web/test_surveys_writer.py::"
    "test_only_hr_writes_a_survey",
    "surveys.admin.board": "tests/e2e/web/test_surveys.py::"
    "test_no_session_wrong_role_and_missing_token",
    "stories.admin.board": "tests/e2e/web/test_stories.py::"
    "test_no_session_wrong_role_and_missing_token",
}


# HR-only queries reached only from the command line, each with the test that refuses another
# role.
CLI_HR_ONLY = {
    "training.status.roster": "tests/unit/training/test_service.py::"
    "test_the_roster_says_per_person_what_is_open_and_who_is_overdue",
    "stories.admin.export": "tests/unit/stories/test_service.py::"
    "test_the_export_gives_every_story_its_author_votes_and_win",
}


def test_every_check_for_more_roles_than_hr_names_a_test_that_exists() -> None:
    from pathlib import Path

    root = Path(__file__).parents[2]
    for check, test in (STAFF_ONLY | DASHBOARD_HR_ONLY | CLI_HR_ONLY).items():
        path, _, name = test.partition("::")
        assert f"def {name}(" in (root / path).read_text(), check


@pytest.mark.parametrize("attempt", [a for _, a in HR_ONLY], ids=[n for n, _ in HR_ONLY])
async def test_only_hr_and_a_refusal_changes_nothing(
    deps: Deps, engine: AsyncEngine, world: World, attempt: Attempt
) -> None:
    for person_id in OTHERS:
        before = await dump(engine)
        assert await handle(deps, attempt(slack(person_id), world)) == REFUSED, person_id
        assert changes(before, await dump(engine)) == {}, person_id
    assert await notified(deps) == []
    # The same, from HR, does what it says: the refusals above were the role check's.
    assert await handle(deps, attempt(HR, world)) != REFUSED
