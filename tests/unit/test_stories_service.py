"""Stories with the fakes: HR decides each story once and its author is told, a round takes
approved shareable stories only, one vote a person (changeable), and the winner is announced
(no votes: no winner)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.deps import Deps
from bot.directory import NotAllowed
from bot.features.stories import admin
from bot.features.stories.model import Story, StoryStatus
from bot.model import Person
from tests.fakes import FakeClock, FakeStore


@pytest.fixture
async def stories(deps: Deps, clock: FakeClock) -> list[Story]:
    made = [
        Story(f"s{n}", f"a{n}", f"Story {n}", "We helped a customer.", clock.now(), share_ok=n != 2)
        for n in range(4)
    ]
    async with deps.store() as uow:
        for story in made:
            await uow.stories.add(story)
        await uow.commit()
    return made


async def test_hr_decides_once_and_the_author_is_told_why(
    deps: Deps, hr_person: Person, stories: list[Story], store: FakeStore
) -> None:
    async with deps.store() as uow:
        with pytest.raises(NotAllowed):
            await admin.approve(deps, uow, Person("e", "Employee"), "s0")
        await admin.approve(deps, uow, hr_person, "s0")
        with pytest.raises(admin.Refused):
            await admin.approve(deps, uow, hr_person, "s0")  # already decided
        with pytest.raises(admin.Invalid):
            await admin.decline(deps, uow, hr_person, "s1", "  ")
        declined = await admin.decline(deps, uow, hr_person, "s1", "It names a customer.")
        await uow.commit()
    assert declined.status == StoryStatus.DECLINED
    told = {n.person_id: n.summary for n in store.data.outbox}
    assert told == {"a0": "Your story was approved", "a1": "About your story"}


async def test_a_round_takes_approved_shareable_stories_and_announces_its_winner(
    deps: Deps, hr_person: Person, stories: list[Story], clock: FakeClock, store: FakeStore
) -> None:
    async with deps.store() as uow:
        with pytest.raises(admin.Refused):  # nothing approved yet
            await admin.open_round(deps, uow, hr_person, "Best post", "7")
        for story_id in ("s0", "s1", "s2"):
            await admin.approve(deps, uow, hr_person, story_id)
        with pytest.raises(admin.Invalid):
            await admin.open_round(deps, uow, hr_person, "Best post", "40")
        round_ = await admin.open_round(deps, uow, hr_person, "Best post", "7")
        assert round_.entries == ("s0", "s1")  # s2 may not be shown, s3 is not approved
        assert not await uow.stories.vote(round_.id, "v1", "s1", clock.now())
        assert await uow.stories.vote(round_.id, "v1", "s0", clock.now())  # changed
        await uow.stories.vote(round_.id, "v2", "s0", clock.now())
        clock.advance(days=8)
        closed, winner = await admin.close_round(deps, uow, hr_person, round_.id)
        assert winner is not None and winner.id == "s0" and closed.closes_at < clock.now()
        with pytest.raises(admin.Refused):
            await admin.close_round(deps, uow, hr_person, round_.id)
        await uow.commit()
    titles = [a.title for a in store.data.features.announcements.values()]
    assert titles == ["Vote: Best post", "Best post: \u201cStory 0\u201d"]


async def test_a_round_without_votes_has_no_winner(
    deps: Deps, hr_person: Person, stories: list[Story], clock: FakeClock
) -> None:
    async with deps.store() as uow:
        for story_id in ("s0", "s1"):
            await admin.approve(deps, uow, hr_person, story_id)
        round_ = await admin.open_round(deps, uow, hr_person, "", "1")
        assert round_.closes_at == clock.now() + timedelta(days=1)
        _, winner = await admin.close_round(deps, uow, hr_person, round_.id)
        assert winner is None


async def test_the_export_gives_every_story_its_author_votes_and_win(
    deps: Deps, hr_person: Person, stories: list[Story], clock: FakeClock, store: FakeStore
) -> None:
    store.data.people["a0"] = Person("a0", "Ada Author", email="ada@example.com")
    async with deps.store() as uow:
        for story_id in ("s0", "s1"):
            await admin.approve(deps, uow, hr_person, story_id)
        round_ = await admin.open_round(deps, uow, hr_person, "Best post", "7")
        for voter in ("v1", "v2"):
            await uow.stories.vote(round_.id, voter, "s0", clock.now())
        await uow.stories.vote(round_.id, "v3", "s1", clock.now())
        clock.advance(days=8)
        await admin.close_round(deps, uow, hr_person, round_.id)
        with pytest.raises(NotAllowed):
            await admin.export(uow, Person("e", "Employee"))
        exported = {e.story.id: e for e in await admin.export(uow, hr_person)}
    assert set(exported) == {s.id for s in stories}
    assert (exported["s0"].votes, exported["s0"].won) == (2, "Best post")
    assert (exported["s1"].votes, exported["s1"].won) == (1, "")
    assert exported["s0"].author is not None and exported["s0"].author.email == "ada@example.com"
    assert exported["s3"].author is None and exported["s3"].votes == 0  # an author who left
