"""Training's rules with the fakes: the Leitner schedule, which modules are required for a
version, what is outstanding, and HR's choice of required modules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.content import Content
from bot.deps import Deps
from bot.directory import NotAllowed
from bot.features.training import status
from bot.features.training.model import QuizCard
from bot.features.training.training import outstanding, required_modules, required_now, schedule
from bot.model import Person
from tests.fakes import FakeClock, FakeStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_right_answer_moves_the_card_up_a_box_and_a_wrong_one_back_to_the_first() -> None:
    card = QuizCard("p", "q", 1, NOW)
    boxes = []
    for _ in range(6):
        card = schedule(card, True, NOW)
        boxes.append(card.box)
    assert boxes == [2, 3, 4, 5, 5, 5]  # never past the last box
    assert card.due_at == NOW + timedelta(days=21)
    wrong = schedule(card, False, NOW)
    assert (wrong.box, wrong.due_at) == (1, NOW + timedelta(days=1))


def test_with_no_choice_every_module_is_required(content: Content) -> None:
    assert required_modules(content, {}) == {m.id for m in content.quizzes.modules}


def test_hr_choice_for_this_version_wins_and_unknown_modules_are_ignored(
    content: Content,
) -> None:
    first = content.quizzes.modules[0].id
    version = content.current.version
    chosen = {version: frozenset({first, "no-such-module"})}
    assert required_modules(content, chosen) == {first}


def test_a_done_module_is_not_outstanding_and_the_others_are(content: Content) -> None:
    modules = [m.id for m in content.quizzes.modules]
    required = set(modules[:2])
    version = content.current.version
    done = {modules[0]: {version}}
    assert [m.id for m in outstanding(content, done, required)] == [modules[1]]


async def test_hr_sets_the_required_modules_and_they_hold_for_everyone(
    deps: Deps, hr_person: Person
) -> None:
    modules = deps.content.quizzes.modules
    async with deps.store() as uow:
        titles = await status.set_required(deps, uow, hr_person, {modules[0].id, "bogus"})
        await uow.commit()
    assert titles == (modules[0].title,)
    async with deps.store() as uow:
        assert await required_now(deps, uow) == {modules[0].id}


async def test_nothing_ticked_is_refused_and_an_employee_may_not_choose(
    deps: Deps, hr_person: Person
) -> None:
    async with deps.store() as uow:
        with pytest.raises(status.Invalid):
            await status.set_required(deps, uow, hr_person, set())
        with pytest.raises(NotAllowed):
            await status.set_required(deps, uow, Person("e", "Employee"), {"any"})
        assert await uow.training.required_sets() == {}


async def test_the_roster_says_per_person_what_is_open_and_who_is_overdue(
    deps: Deps, hr_person: Person, store: FakeStore, clock: FakeClock
) -> None:
    modules = [m.id for m in deps.content.quizzes.modules]
    version = deps.content.current.version
    boss = Person("m1", "Mo Manager", email="mo@example.com")
    late = Person("e1", "Eve Employee", email="eve@example.com", manager_id="m1")
    for p in (boss, late):
        store.data.people[p.id] = p
    async with deps.store() as uow:
        await uow.training.complete(late.id, modules[0], version, clock.now())
        await uow.training.attest(boss.id, version, clock.now())
        await uow.commit()
    clock.current = status.due_at(deps) - timedelta(hours=1)
    async with deps.store() as uow:
        before = {r.person.id: r for r in await status.roster(deps, uow, hr_person)}
    assert not any(r.overdue for r in before.values())  # nobody is late before the day
    clock.current = status.due_at(deps) + timedelta(hours=1)
    async with deps.store() as uow:
        rows = await status.roster(deps, uow, hr_person)
        with pytest.raises(NotAllowed):
            await status.roster(deps, uow, late)
    by_id = {r.person.id: r for r in rows}
    assert [r.person.display_name for r in rows] == sorted(r.person.display_name for r in rows)
    assert by_id["e1"].overdue and by_id["e1"].manager == boss
    assert by_id["e1"].modules_open == tuple(modules[1:])
    assert not by_id["m1"].overdue and by_id["m1"].attested_at is not None
    assert by_id["m1"].modules_open == tuple(modules)  # attesting is not doing the modules
