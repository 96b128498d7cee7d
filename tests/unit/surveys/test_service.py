"""Surveys with the fakes: a campaign invites its audience once, answers are counts with no
trace of who, results stay hidden below the threshold and comments below theirs, and a
second submission changes nothing."""

from __future__ import annotations

import pytest

from bot.deps import Deps
from bot.dispatch import handle
from bot.features.surveys import admin
from bot.features.surveys.model import Campaign
from bot.messages import ConversationRef, Submission, UserRef
from bot.model import Person
from tests.fakes import FakeStore

DM = ConversationRef("slack", "D0ANY")


@pytest.fixture
def crowd(store: FakeStore, hr_person: Person) -> list[Person]:
    people = [
        Person(f"p{n}", f"Person {n}", department="Sales", accounts={"slack": f"U0P{n}"})
        for n in range(12)
    ]
    for person in people:
        store.data.people[person.id] = person
    return people


async def opened(deps: Deps, hr: Person, audience: str = "everyone") -> tuple[Campaign, int]:
    async with deps.store() as uow:
        fields = {"survey": "training-pulse", "audience": audience, "days": "7"}
        campaign, invited = await admin.open_campaign(deps, uow, hr, fields)
        await uow.commit()
    return campaign, invited


async def answer(deps: Deps, person: Person, campaign: Campaign, comment: str = "") -> None:
    fields = {"useful": "4", "length": "About right", "comments": comment}
    user = UserRef("slack", person.accounts["slack"])
    await handle(deps, Submission(user, DM, "survey_answer", fields, campaign.id))


async def test_the_audience_is_invited_once(
    deps: Deps, hr_person: Person, crowd: list[Person], store: FakeStore
) -> None:
    _, invited = await opened(deps, hr_person, "Sales")
    assert invited == len(crowd)  # HR has no department: not in the Sales audience
    async with deps.store() as uow:
        assert await admin.tick(deps, uow) == 0  # once
    assert sorted({n.person_id for n in store.data.outbox}) == sorted(p.id for p in crowd)


async def test_results_show_only_past_the_thresholds_and_answers_are_counts(
    deps: Deps, hr_person: Person, crowd: list[Person], store: FakeStore
) -> None:
    campaign, _ = await opened(deps, hr_person)
    threshold, comment_threshold = (5, 10)
    for person in crowd[: threshold - 1]:
        await answer(deps, person, campaign, f"comment from {person.id}")
    async with deps.store() as uow:
        hidden = await admin.results(deps, uow, hr_person, campaign.id)
    assert (hidden.threshold, hidden.comment_threshold) == (threshold, comment_threshold)
    assert not hidden.results.shown and hidden.results.comments == []
    await answer(deps, crowd[threshold - 1], campaign, "the fifth")
    async with deps.store() as uow:
        shown = await admin.results(deps, uow, hr_person, campaign.id)
    assert shown.results.shown and shown.results.participants == threshold
    assert shown.results.comments == []  # comments need 10
    tallies = store.data.features.tallies
    assert tallies[(campaign.id, "useful", "Sales", "4")] == threshold
    assert len(store.data.features.participants) == threshold  # who took part: keys only


async def test_a_second_submission_changes_nothing(
    deps: Deps, hr_person: Person, crowd: list[Person], store: FakeStore
) -> None:
    campaign, _ = await opened(deps, hr_person)
    await answer(deps, crowd[0], campaign)
    before = dict(store.data.features.tallies)
    await answer(deps, crowd[0], campaign)
    assert store.data.features.tallies == before
