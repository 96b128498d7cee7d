"""Taking a survey with the fakes: only its audience while it is open, once each, answers
checked by question, counted by department, a comment sealed and dated the closing day, and
nothing that says who answered."""

from __future__ import annotations

import pytest

from bot.deps import Deps
from bot.features.surveys import admin, respond
from bot.features.surveys.definition import answer_key
from bot.features.surveys.model import Campaign
from bot.model import Person
from tests.fakes import FakeClock, FakeStore

GOOD = {"useful": "4", "length": "About right", "comments": "More examples, please."}
SAM = Person("p1", "Sam Sales", department="Sales")
ODA = Person("p2", "Oda Ops", department="Operations")


@pytest.fixture
async def campaign(deps: Deps, hr_person: Person, store: FakeStore) -> Campaign:
    for person in (SAM, ODA):
        store.data.people[person.id] = person
    async with deps.store() as uow:
        fields = {"survey": "training-pulse", "audience": "Sales", "days": "7"}
        opened, _ = await admin.open_campaign(deps, uow, hr_person, fields)
        await uow.commit()
    return opened


async def test_an_answer_is_counts_by_department_and_a_sealed_comment_dated_the_closing_day(
    deps: Deps, campaign: Campaign, store: FakeStore
) -> None:
    async with deps.store() as uow:
        assert (await respond.open_for(deps, uow, SAM, campaign.id)).id == campaign.id
        await respond.respond(deps, uow, SAM, campaign.id, GOOD)
        await uow.commit()
    data = store.data.features
    assert data.tallies == {
        (campaign.id, "useful", "Sales", "4"): 1,
        (campaign.id, "length", "Sales", "About right"): 1,
    }
    ((_, question, box, day),) = data.comments
    assert question == "comments" and day == campaign.closes_on
    assert b"More examples" not in box  # sealed
    # The register holds the keyed hash of the campaign and the person, never the person.
    assert data.participants == {answer_key(deps, campaign.id, SAM): campaign.id}
    assert SAM.id not in data.participants


async def test_a_second_answer_and_one_from_outside_the_audience_change_nothing(
    deps: Deps, campaign: Campaign, store: FakeStore
) -> None:
    async with deps.store() as uow:
        await respond.respond(deps, uow, SAM, campaign.id, GOOD)
        await uow.commit()
    before = dict(store.data.features.tallies)
    async with deps.store() as uow:
        with pytest.raises(respond.AlreadyAnswered):
            await respond.open_for(deps, uow, SAM, campaign.id)
        with pytest.raises(respond.AlreadyAnswered):
            await respond.respond(deps, uow, SAM, campaign.id, GOOD)
        with pytest.raises(respond.ForAnotherGroup):
            await respond.open_for(deps, uow, ODA, campaign.id)
        with pytest.raises(respond.AlreadyAnswered):  # told no more than someone who answered
            await respond.respond(deps, uow, ODA, campaign.id, GOOD)
        await uow.commit()
    assert store.data.features.tallies == before and len(store.data.features.participants) == 1


async def test_answers_are_checked_by_question_and_nothing_is_kept_when_refused(
    deps: Deps, campaign: Campaign, store: FakeStore
) -> None:
    async with deps.store() as uow:
        with pytest.raises(respond.Invalid) as refused:
            await respond.respond(
                deps, uow, SAM, campaign.id, {"useful": "9", "length": "", "comments": ""}
            )
    assert refused.value.campaign.id == campaign.id
    assert refused.value.errors == {
        "useful": "Choose one of the options.",
        "length": "Please answer this question.",
    }
    assert not store.data.features.tallies and not store.data.features.participants


async def test_a_closed_or_unknown_survey_takes_no_answer(
    deps: Deps, campaign: Campaign, clock: FakeClock, store: FakeStore
) -> None:
    async with deps.store() as uow:
        with pytest.raises(respond.Closed):
            await respond.open_for(deps, uow, SAM, "C-NOSUCH")
    clock.advance(days=8)
    async with deps.store() as uow:
        with pytest.raises(respond.Closed):
            await respond.open_for(deps, uow, SAM, campaign.id)
        with pytest.raises(respond.Closed):
            await respond.respond(deps, uow, SAM, campaign.id, GOOD)
    assert not store.data.features.participants
