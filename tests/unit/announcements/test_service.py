"""Announcements' rules with the fakes: when one goes out (typed in its author's time zone,
never in the past, at most a year ahead), to whom (everyone, departments in any case, channel
ids), and that a started broadcast can no longer be cancelled."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.deps import Deps
from bot.directory import NotAllowed
from bot.features.announcements import service
from bot.features.announcements.form import parse_when
from bot.features.announcements.model import AnnouncementStatus
from bot.model import Person
from tests.fakes import FakeClock, FakeStore

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEXT = {"title": "New guidance", "summary": "Please read the updated section on posting."}


def test_a_time_is_read_in_the_authors_zone_and_refused_in_the_past_or_too_far() -> None:
    assert parse_when("", "Europe/Berlin", NOW) is None
    assert parse_when("2026-03-02 12:00", "Europe/Berlin", NOW) == NOW + timedelta(hours=2)
    assert parse_when("2026-03-02 12:00", "Nowhere/Else", NOW) == NOW + timedelta(hours=3)
    for text, why in (
        ("2026-03-01 12:00", "has passed"),
        ("2027-06-01 12:00", "a year ahead"),
        ("2026-02-30 10:00", "no such day"),
        ("next tuesday", "YYYY-MM-DD HH:MM"),
    ):
        with pytest.raises(ValueError, match=why):
            parse_when(text, None, NOW)


@pytest.fixture
def people(store: FakeStore, hr_person: Person) -> Person:
    for person in (
        Person("s1", "Sol Sales", department="Sales"),
        Person("s2", "Sam Sales", department="Sales"),
        Person("o1", "Ola Ops", department="Operations"),
    ):
        store.data.people[person.id] = person
    return hr_person


async def test_a_department_in_any_case_is_the_directorys_and_counts_its_people(
    deps: Deps, people: Person
) -> None:
    async with deps.store() as uow:
        draft = await service.draft(deps, uow, people, {**TEXT, "audience": "sales"})
        assert draft.audience == ("Sales",)
        assert await service.head_count(uow, draft) == 2
        with pytest.raises(service.Invalid) as refused:
            await service.draft(deps, uow, people, {**TEXT, "audience": "Marketing"})
        assert set(refused.value.errors) == {"audience"}
        # Each chat platform parses its own channel ids; here, one that knows "C0..." ids.
        slack = replace(deps, channel_id=lambda t: f"slack#{t}" if t.startswith("C0") else None)
        with_channel = await service.draft(slack, uow, people, {**TEXT, "channels": "C0123ABCD"})
        assert with_channel.audience == ("everyone", "slack#C0123ABCD")
        with pytest.raises(service.Invalid) as unknown:
            await service.draft(slack, uow, people, {**TEXT, "channels": "19:abcdef@thread"})
        assert set(unknown.value.errors) == {"channels"}


async def test_scheduling_sends_now_or_later_and_an_employee_may_not(
    deps: Deps, people: Person, clock: FakeClock
) -> None:
    async with deps.store() as uow:
        now = await service.draft(deps, uow, people, dict(TEXT))
        later = await service.draft(deps, uow, people, {**TEXT, "when": "2026-03-03 09:00"})
        with pytest.raises(NotAllowed):
            await service.schedule(deps, uow, Person("s1", "Sol"), now.id)
        sent = await service.schedule(deps, uow, people, now.id)
        waiting = await service.schedule(deps, uow, people, later.id)
        assert sent.status == AnnouncementStatus.SCHEDULED and sent.send_at == clock.now()
        assert not service.later(deps, sent) and service.later(deps, waiting)
        with pytest.raises(service.Refused, match="already scheduled"):
            await service.schedule(deps, uow, people, now.id)


async def test_a_started_broadcast_cannot_be_cancelled_only_corrected(
    deps: Deps, people: Person
) -> None:
    async with deps.store() as uow:
        draft = await service.draft(deps, uow, people, dict(TEXT))
        said = await service.withdraw(deps, uow, people, draft.id)
        assert "Nothing was sent" in said
        started = await service.draft(deps, uow, people, dict(TEXT))
        started.status = AnnouncementStatus.SENDING
        await uow.announcements.save(started)
        with pytest.raises(service.Refused, match="correct it instead"):
            await service.withdraw(deps, uow, people, started.id)
