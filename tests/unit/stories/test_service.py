"""Stories with the fakes: a shared story is checked field by field and sent to HR in the same
unit of work, HR decides each story once and its author is told, a round takes approved
shareable stories only, its ballot shows nothing else, one vote a person (changeable), a closed
round or a stale button is refused, and the winner is announced (no votes: no winner)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.deps import Deps
from bot.directory import NotAllowed
from bot.features.stories import admin, service
from bot.features.stories.model import Round, Story, StoryStatus
from bot.messages import Card
from bot.model import Person, Role
from tests.fakes import FakeClock, FakeStore, NoticeLog


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


STORY = {"title": "  We shipped  ", "text": "The whole team helped.", "link": "", "share": "yes"}


async def test_sharing_checks_each_field_and_keeps_nothing_it_refused(
    deps: Deps, hr_person: Person, store: FakeStore
) -> None:
    author = Person("e1", "Eve Employee")
    cases = [
        ({"title": "", "text": ""}, {"title", "text"}),
        ({**STORY, "title": "x" * 121}, {"title"}),
        ({**STORY, "text": "y" * 1501}, {"text"}),
        ({**STORY, "link": "http://example.com/post"}, {"link"}),
        ({**STORY, "link": "javascript:alert(1)"}, {"link"}),
    ]
    async with deps.store() as uow:
        for fields, wrong in cases:
            with pytest.raises(service.Invalid) as refused:
                await service.share(deps, uow, author, fields)
            assert set(refused.value.errors) == wrong
        await uow.commit()
    assert refused.value.errors == {"link": "Use a full https:// address, or leave it empty."}
    with pytest.raises(service.Invalid) as both:
        async with deps.store() as uow:
            await service.share(deps, uow, author, {"title": "", "text": ""})
    assert both.value.errors == {
        "title": "Give it a title of up to 120 characters.",
        "text": "Tell the story in up to 1500 characters.",
    }
    assert store.data.features.stories == {} and store.data.outbox == []


async def test_a_shared_story_is_stored_and_sent_to_every_hr_person_in_one_unit_of_work(
    deps: Deps, hr_person: Person, store: FakeStore, clock: FakeClock, notices: NoticeLog
) -> None:
    store.data.people["hr2"] = Person("hr2", "Harry HR", roles=frozenset({Role.HR}))
    author = Person("e1", "Eve Employee")
    store.data.people[author.id] = author
    fields = {**STORY, "link": "https://example.com/post", "share": "no"}
    async with deps.store() as uow:
        await service.share(deps, uow, author, fields)  # never committed: nothing happened
    assert store.data.features.stories == {} and notices.sent == []

    async with deps.store() as uow:
        story = await service.share(deps, uow, author, fields)
        assert notices.sent == [] and store.data.outbox == []  # sent with the commit only
        await uow.commit()
    assert (story.title, story.link, story.author_id) == (
        "We shipped",
        "https://example.com/post",
        "e1",
    )
    assert story.status == StoryStatus.SUBMITTED and not story.share_ok
    assert story.created_at == clock.now() and story.id.startswith("S")
    assert store.data.features.stories[story.id].title == "We shipped"
    assert [(n.person_id, n.summary) for n in notices.sent] == [
        ("hr1", "A story to review"),
        ("hr2", "A story to review"),
    ]
    card = notices.sent[0].reply
    assert isinstance(card, Card) and card.title == f"Story {story.id}: We shipped"
    assert card.body == "The whole team helped."
    assert card.facts == (
        ("From", "Eve Employee"),
        ("Link", "https://example.com/post"),
        ("May be shown to staff", "no, HR only"),
    )
    assert [(b.action_id, b.value) for b in card.buttons] == [
        ("story_approve", story.id),
        ("story_decline", story.id),
    ]


async def _round(deps: Deps, clock: FakeClock, *stories: Story, closes_in: int = 7) -> Round:
    """A round with `stories` (whatever their status) and one id no story has."""
    round_ = Round(
        "R1",
        "Best post",
        (*(s.id for s in stories), "gone"),
        clock.now(),
        clock.now() + timedelta(days=closes_in),
    )
    async with deps.store() as uow:
        for story in stories:
            await uow.stories.add(story)
        await uow.stories.add_round(round_)
        await uow.commit()
    return round_


def _story(n: int, at: datetime, status: StoryStatus, share_ok: bool = True) -> Story:
    return Story(f"s{n}", f"a{n}", f"Story {n}", "Body.", at, status=status, share_ok=share_ok)


async def test_the_ballot_shows_only_approved_shareable_entries_numbered_as_entered(
    deps: Deps, clock: FakeClock
) -> None:
    now = clock.now()
    await _round(
        deps,
        clock,
        _story(1, now, StoryStatus.SUBMITTED),
        _story(2, now, StoryStatus.APPROVED),
        _story(3, now, StoryStatus.APPROVED, share_ok=False),
        _story(4, now, StoryStatus.DECLINED),
        _story(5, now, StoryStatus.APPROVED),
    )
    async with deps.store() as uow:
        shown = await service.ballot(deps, uow, "R1")
        assert (await service.current(uow)) == shown.round
    assert shown.round.id == "R1" and shown.round.title == "Best post"
    assert [(e.number, e.story.id) for e in shown.entries] == [(2, "s2"), (5, "s5")]


async def test_the_ballot_of_a_missing_or_closed_round_is_refused(
    deps: Deps, hr_person: Person, clock: FakeClock
) -> None:
    now = clock.now()
    round_ = await _round(
        deps, clock, _story(1, now, StoryStatus.APPROVED), _story(2, now, StoryStatus.APPROVED)
    )
    async with deps.store() as uow:
        with pytest.raises(service.Refused) as gone:
            await service.ballot(deps, uow, "R404")
        assert str(gone.value) == "That round no longer exists."
        clock.advance(days=7)  # its closing time
        with pytest.raises(service.Refused) as late:
            await service.ballot(deps, uow, round_.id)
        assert str(late.value) == "Voting in \u201cBest post\u201d has closed."
        clock.advance(days=-1)
        assert len((await service.ballot(deps, uow, round_.id)).entries) == 2
        await admin.close_round(deps, uow, hr_person, round_.id)  # closed early
        with pytest.raises(service.Refused, match="has closed"):
            await service.ballot(deps, uow, round_.id)
        assert await service.current(uow) is None


async def test_one_vote_a_person_a_round_and_a_change_replaces_it(
    deps: Deps, clock: FakeClock
) -> None:
    now = clock.now()
    round_ = await _round(
        deps, clock, _story(1, now, StoryStatus.APPROVED), _story(2, now, StoryStatus.APPROVED)
    )
    ada, bob = Person("v1", "Ada"), Person("v2", "Bob")
    async with deps.store() as uow:
        first = await service.vote(deps, uow, ada, "R1", "s1")
        assert first == service.Voted(False, "Story 1", round_.closes_at)
        assert await uow.stories.votes("R1") == {"s1": 1}
        changed = await service.vote(deps, uow, ada, "R1", "s2")
        assert changed == service.Voted(True, "Story 2", round_.closes_at)
        assert await uow.stories.votes("R1") == {"s2": 1}  # replaced, not added
        again = await service.vote(deps, uow, ada, "R1", "s2")
        assert not again.changed
        await service.vote(deps, uow, bob, "R1", "s2")
        await uow.commit()
    async with deps.store() as uow:
        assert await uow.stories.votes("R1") == {"s2": 2}


async def test_a_stale_button_or_a_closed_round_takes_no_vote(
    deps: Deps, hr_person: Person, clock: FakeClock
) -> None:
    now = clock.now()
    await _round(
        deps, clock, _story(1, now, StoryStatus.APPROVED), _story(2, now, StoryStatus.APPROVED)
    )
    voter = Person("v1", "Ada")
    async with deps.store() as uow:
        for round_id, story_id in (("R1", "s9"), ("R404", "s1"), ("R1", "")):
            with pytest.raises(service.Refused) as stale:
                await service.vote(deps, uow, voter, round_id, story_id)
            assert str(stale.value) == "That vote button no longer works."
        clock.advance(days=7)
        with pytest.raises(service.Refused) as late:
            await service.vote(deps, uow, voter, "R1", "s1")
        assert str(late.value) == "Voting in \u201cBest post\u201d has closed."
        clock.advance(days=-7)
        await admin.close_round(deps, uow, hr_person, "R1")
        with pytest.raises(service.Refused, match="has closed"):
            await service.vote(deps, uow, voter, "R1", "s1")
        assert await uow.stories.votes("R1") == {}
