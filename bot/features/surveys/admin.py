"""Survey campaigns as typed changes and figures: shared by the chat and the dashboard.

`open_campaign`, `remind` and `close` make their change in the caller's unit of work (none
commits) and raise `Invalid` or `Refused` instead of answering; `board` and `results` are
what HR reads. Only HR may do or see any of it. Results pass the anonymity thresholds first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from bot import errors
from bot.deps import Deps
from bot.directory import require
from bot.features.dashboard.dashboard import Missing
from bot.features.surveys.definition import (
    answer_key,
    campaign_form,
    invite,
    survey_asked,
    survey_of,
    thresholds,
    title_of,
)
from bot.features.surveys.model import Campaign
from bot.features.surveys.results import Results, compute
from bot.messages import Form, Notification
from bot.model import Person, Role, new_id
from bot.ports import UnitOfWork

log = logging.getLogger(__name__)
State = Literal["scheduled", "open", "closed"]


class Invalid(errors.Invalid):
    """The campaign form has problems: `errors` by field."""


class Refused(Exception):
    """The change cannot be made to this campaign; the message says why."""


class NoSuchCampaign(Missing):
    """No campaign has that id."""


@dataclass(frozen=True, slots=True)
class Listed:
    """One campaign with its response figures."""

    id: str
    title: str
    audience: str
    opens_on: date
    closes_on: date
    state: State
    answered: int
    invited: int  # the people of the directory in its audience

    @property
    def ratio(self) -> float | None:
        """The response rate, or None with nobody in the audience."""
        return self.answered / self.invited if self.invited else None


@dataclass(frozen=True, slots=True)
class Board:
    """Every campaign, newest first, and what a new one may be."""

    viewer: str
    at: datetime
    campaigns: tuple[Listed, ...]
    form: Form  # to open a campaign, as the chat's
    threshold: int
    comment_threshold: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """A campaign's results as HR may see them, with its listing."""

    viewer: str
    listed: Listed
    results: Results
    threshold: int
    comment_threshold: int


def _state(campaign: Campaign, today: date) -> State:
    if campaign.is_open(today):
        return "open"
    return "scheduled" if not campaign.closed and today < campaign.opens_on else "closed"


async def _departments(uow: UnitOfWork) -> list[str]:
    return sorted({p.department for p in await uow.people.all() if p.department})


async def _listed(deps: Deps, uow: UnitOfWork, campaign: Campaign, people: list[Person]) -> Listed:
    return Listed(
        campaign.id,
        title_of(deps, campaign),
        campaign.audience,
        campaign.opens_on,
        campaign.closes_on,
        _state(campaign, deps.clock.now().date()),
        await uow.campaigns.participants(campaign.id),
        sum(campaign.includes(p) for p in people),
    )


async def board(
    deps: Deps,
    uow: UnitOfWork,
    viewer: Person,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Board:
    """HR: every campaign with its response rate, newest first, and the form to open one
    (filled in with `values` and their `errors` when it was sent with problems)."""
    require(viewer, Role.HR)
    people = list(await uow.people.all())
    campaigns = sorted(
        enumerate(await uow.campaigns.all()), key=lambda ic: (ic[1].opens_on, ic[0]), reverse=True
    )
    rules = deps.content.surveys
    return Board(
        viewer.display_name,
        deps.clock.now(),
        tuple([await _listed(deps, uow, c, people) for _, c in campaigns]),
        campaign_form(deps, await _departments(uow), values, errors),
        rules.threshold,
        rules.comment_threshold,
    )


async def open_campaign(
    deps: Deps, uow: UnitOfWork, person: Person, fields: dict[str, str]
) -> tuple[Campaign, int]:
    """HR: a campaign from the form's fields, and how many were invited at once."""
    require(person, Role.HR)
    survey = deps.content.surveys.get(fields.get("survey", ""))
    days = fields.get("days", "").strip()
    starts = (fields.get("starts") or "0").strip()
    departments = await _departments(uow)
    chosen = [a for a in (fields.get("audience") or "everyone").split(",") if a]
    errors: dict[str, str] = {}
    if survey is None:
        errors["survey"] = "Choose one of the surveys."
    if not (starts.isdigit() and int(starts) <= 60):
        errors["starts"] = "Type a whole number of days from 0 (today) to 60."
    if not (days.isdigit() and 1 <= int(days) <= 90):
        errors["days"] = "Type a whole number of days from 1 to 90."
    if any(a != "everyone" and a not in departments for a in chosen):
        errors["audience"] = "Choose everyone or departments known to the directory."
    if errors or survey is None:
        raise Invalid(errors)
    opens = deps.clock.now().date() + timedelta(days=int(starts))
    audience = "everyone" if not chosen or "everyone" in chosen else ",".join(sorted(chosen))
    campaign = Campaign(new_id(), survey.id, audience, opens, opens + timedelta(days=int(days) - 1))
    await uow.campaigns.add(campaign)
    log.info("survey campaign %s opened", campaign.id)
    return campaign, await tick(deps, uow)


async def remind(deps: Deps, uow: UnitOfWork, person: Person, campaign_id: str) -> int:
    """HR: remind only those in the audience who have not taken part; how many."""
    require(person, Role.HR)
    campaign = await uow.campaigns.get(campaign_id)
    if campaign is None or not campaign.is_open(deps.clock.now().date()):
        raise Refused("That survey is not open.")
    pending = [
        p
        for p in await uow.people.all()
        if campaign.includes(p)
        and not await uow.campaigns.took_part(answer_key(deps, campaign.id, p))
    ]
    survey = survey_asked(deps, campaign)
    note = invite(deps, campaign, survey, "A reminder: there is still time for")
    for p in pending:
        await uow.outbox.add(Notification(p.id, note, f"Reminder: {survey.title}"))
    return len(pending)


async def close(deps: Deps, uow: UnitOfWork, person: Person, campaign_id: str) -> Campaign:
    """HR: close a campaign early."""
    require(person, Role.HR)
    campaign = await uow.campaigns.get(campaign_id)
    if campaign is None:
        raise Refused("No such survey.")
    campaign.closed = True
    await uow.campaigns.save(campaign)
    log.info("survey campaign %s closed", campaign.id)
    return campaign


async def results(deps: Deps, uow: UnitOfWork, person: Person, campaign_id: str) -> Outcome:
    """HR: a campaign's results, only what passes the thresholds (comments in random order)."""
    require(person, Role.HR)
    campaign = await uow.campaigns.get(campaign_id)
    if campaign is None or survey_of(deps, campaign) is None:
        raise NoSuchCampaign(campaign_id)
    return Outcome(
        person.display_name,
        await _listed(deps, uow, campaign, list(await uow.people.all())),
        await compute(deps, uow, campaign),
        *thresholds(deps, campaign),
    )


async def tick(deps: Deps, uow: UnitOfWork) -> int:
    """Invite on the opening day; remind non-takers two days before closing. Once each."""
    today = deps.clock.now().date()
    sent = 0
    for campaign in await uow.campaigns.all():
        if campaign.closed or today > campaign.closes_on:
            continue
        if not campaign.invited and campaign.opens_on <= today:
            step, lead = "invited", "Would you take a short anonymous survey?"
        elif (
            campaign.invited
            and not campaign.reminded
            and (today >= campaign.closes_on - timedelta(days=2))
        ):
            step, lead = "reminded", "A reminder: there is still time for"
        else:
            continue
        survey = survey_of(deps, campaign)
        if survey is None:
            continue  # removed from content: reported at start-up, nobody is invited to it
        if not await uow.campaigns.flag(campaign.id, step):
            continue  # another worker did it
        people = [
            p
            for p in await uow.people.all()
            if campaign.includes(p)
            and (
                step == "invited"
                or not await uow.campaigns.took_part(answer_key(deps, campaign.id, p))
            )
        ]
        note = invite(deps, campaign, survey, lead)
        for p in people:
            await uow.outbox.add(Notification(p.id, note, f"Survey: {survey.title}"))
        sent += len(people)
    return sent
