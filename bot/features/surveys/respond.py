"""Taking a survey, as typed checks and one recorded answer: the chat's form is one way in.

Answers become counts by department; a comment is sealed and dated the day the survey closes;
the register that refuses a second answer holds a keyed hash of the campaign and the person,
never the person. Nothing here commits: the caller's unit of work does.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot import errors
from bot.deps import Deps
from bot.features.surveys.definition import answer_context, answer_key, survey_asked
from bot.features.surveys.model import Campaign
from bot.model import Person
from bot.ports import UnitOfWork
from bot.text import clean, shorten

COMMENT_MAX = 1000  # characters of a comment kept


class Closed(Exception):
    """The survey is closed, or no longer exists."""


class ForAnotherGroup(Exception):
    """The person is not in the survey's audience."""


class AlreadyAnswered(Exception):
    """The person answered already: their first answers stand."""


class Invalid(errors.Invalid):
    """Answers that cannot be recorded: what is wrong, by question, in which campaign."""

    def __init__(self, campaign: Campaign, problems: dict[str, str]) -> None:
        super().__init__(problems)
        self.campaign = campaign


async def _open(deps: Deps, uow: UnitOfWork, campaign_id: str) -> Campaign:
    campaign = await uow.campaigns.get(campaign_id)
    if campaign is None or not campaign.is_open(deps.clock.now().date()):
        raise Closed
    return campaign


async def open_for(deps: Deps, uow: UnitOfWork, person: Person, campaign_id: str) -> Campaign:
    """The campaign `person` may answer now."""
    campaign = await _open(deps, uow, campaign_id)
    if not campaign.includes(person):
        raise ForAnotherGroup
    if await uow.campaigns.took_part(answer_key(deps, campaign.id, person)):
        raise AlreadyAnswered
    return campaign


def picked(value: str) -> list[str]:
    """A multiple-choice answer's options (a multiselect's values are joined with commas)."""
    return [v.strip() for v in value.split(",") if v.strip()]


def problems(deps: Deps, campaign: Campaign, fields: Mapping[str, str]) -> dict[str, str]:
    """What is wrong with the answers, by question (nothing: they can be recorded)."""
    survey = survey_asked(deps, campaign)
    errors = {
        q.id: "Please answer this question."
        for q in survey.questions
        if q.required and q.kind != "multiple" and not clean(fields.get(q.id, ""))
    }
    valid = {str(n) for n in range(1, 6)}
    for q in survey.questions:
        value = clean(fields.get(q.id, ""))
        if value and (
            (q.kind == "likert" and value not in valid)
            or (q.kind == "single" and value not in q.options)
            or (q.kind == "multiple" and not set(picked(value)) <= set(q.options))
        ):
            errors[q.id] = "Choose one of the options."
    return errors


async def respond(
    deps: Deps, uow: UnitOfWork, person: Person, campaign_id: str, fields: Mapping[str, str]
) -> Campaign:
    """Record one person's answers. Someone outside the audience is told, as someone who
    answered already is, that their answers stand: a form sent by hand learns nothing more."""
    campaign = await _open(deps, uow, campaign_id)
    key = answer_key(deps, campaign.id, person)
    if not campaign.includes(person) or await uow.campaigns.took_part(key):
        raise AlreadyAnswered
    errors = problems(deps, campaign, fields)
    if errors:
        raise Invalid(campaign, errors)
    department = person.department or "(none)"
    await uow.campaigns.register(campaign.id, key)
    for q in survey_asked(deps, campaign).questions:
        if q.kind == "multiple":
            for option in dict.fromkeys(picked(clean(fields.get(q.id, "")))):
                await uow.campaigns.count(campaign.id, q.id, department, option)
            continue
        value = clean(fields.get(q.id, ""))
        if not value:
            continue
        if q.kind == "text":
            box = deps.cipher.seal(
                shorten(value, COMMENT_MAX).encode(), answer_context(campaign.id)
            )
            await uow.campaigns.comment(campaign.id, q.id, box, campaign.closes_on)
        else:
            await uow.campaigns.count(campaign.id, q.id, department, value)
    return campaign
