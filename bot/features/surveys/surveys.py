"""Anonymous surveys: HR opens a campaign, people answer in a form, results need a crowd."""

from __future__ import annotations

import logging

from bot.deps import Deps
from bot.directory import require
from bot.features.surveys import admin, respond
from bot.features.surveys.definition import (
    PRIVACY,
    answer_key,
    campaign_form,
    survey_asked,
    survey_of,
    title_of,
)
from bot.features.surveys.model import Campaign
from bot.features.surveys.rules import LIKERT
from bot.messages import (
    Action,
    Button,
    Card,
    Choices,
    Field,
    Form,
    Option,
    Reply,
    Submission,
    TextReply,
)
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, MenuEntry, Routes

log = logging.getLogger(__name__)
CLOSED = "That survey is closed. Thank you all the same!"


async def offer(deps: Deps, uow: UnitOfWork, person: Person) -> list[Reply]:
    """Open surveys this person can still take (and, for HR, the campaigns)."""
    today = deps.clock.now().date()
    campaigns = await uow.campaigns.all()
    mine = [
        c
        for c in campaigns
        if c.is_open(today)
        and c.includes(person)
        and survey_of(deps, c) is not None
        and not await uow.campaigns.took_part(answer_key(deps, c.id, person))
    ]
    replies: list[Reply] = []
    if mine:
        buttons = tuple(
            Button(f"Take: {survey_asked(deps, c).title}", "survey_take", c.id) for c in mine
        )
        replies.append(Choices("These surveys are open for you. " + PRIVACY, buttons))
    else:
        replies.append(TextReply("There is no survey for you to take right now. Thank you!"))
    if person.has(Role.HR):
        replies.append(hr_menu(deps, list(campaigns)))
    return replies


def hr_menu(deps: Deps, campaigns: list[Campaign]) -> Card:
    """HR's view of the campaigns, with their actions."""
    facts = tuple(
        (
            f"{title_of(deps, c)} ({c.audience})",
            f"{'closed' if c.closed else 'open'} {c.opens_on:%d %b} to {c.closes_on:%d %b}",
        )
        for c in campaigns[-8:]
    )
    buttons = [Button("Open a survey", "survey_new", style="primary")]
    for c in campaigns[-3:]:
        buttons += [Button(f"Results {c.closes_on:%d %b}", "survey_results", c.id)]
        if not c.closed:
            buttons += [
                Button("Remind", "survey_remind", c.id),
                Button("Close now", "survey_close", c.id, "danger"),
            ]
    return Card("Surveys", "Campaigns, newest last.", facts, tuple(buttons))


async def new_form(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: the form to open a campaign."""
    require(person, Role.HR)
    return [campaign_form(deps, await _departments(uow))]


async def _departments(uow: UnitOfWork) -> list[str]:
    return sorted({p.department for p in await uow.people.all() if p.department})


async def create(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """HR opened a campaign: store it; invitations go out on its opening day."""

    try:
        campaign, invited = await admin.open_campaign(deps, uow, person, dict(f.fields))
    except admin.Invalid as invalid:
        return [campaign_form(deps, await _departments(uow), dict(f.fields), invalid.errors)]
    title = title_of(deps, campaign)
    today = deps.clock.now().date()
    when = "today" if campaign.opens_on == today else f"on {campaign.opens_on:%d %b}"
    return [
        TextReply(
            f"“{title}” opens {when} for {campaign.audience} until {campaign.closes_on:%d %b}. "
            f"Invitations sent now: {invited}. Those who have not answered get a reminder two "
            "days before it closes."
        )
    ]


async def remind(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: remind only those in the audience who have not taken part."""

    try:
        reminded = await admin.remind(deps, uow, person, a.value)
    except admin.Refused as refused:
        return [TextReply(str(refused))]
    who = "person who has" if reminded == 1 else "people who have"
    return [TextReply(f"Reminded {reminded} {who} not answered yet.")]


async def close(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: close a campaign early."""

    try:
        await admin.close(deps, uow, person, a.value)
    except admin.Refused as refused:
        return [TextReply(str(refused))]
    return [TextReply("Closed. No more answers will be accepted.")]


def survey_form(deps: Deps, campaign: Campaign, errors: dict[str, str] | None = None) -> Form:
    """The survey as a form: never as chat messages."""
    survey = survey_asked(deps, campaign)
    fields: list[Field] = []
    for q in survey.questions:
        if q.kind == "likert":
            options = tuple(Option(label, str(n)) for n, label in enumerate(LIKERT, start=1))
            fields.append(Field(q.id, q.text, "select", q.required, options))
        elif q.kind == "single":
            options = tuple(Option(o, o) for o in q.options)
            fields.append(Field(q.id, q.text, "select", q.required, options))
        elif q.kind == "multiple":
            options = tuple(Option(o, o) for o in q.options)
            hint = "Choose any that apply, or none."
            fields.append(Field(q.id, q.text, "multiselect", False, options, hint=hint))
        else:
            fields.append(Field(q.id, q.text, "textarea", q.required, max_length=1000))
    return Form(
        "survey_answer",
        survey.title,  # each channel shortens it to what its forms can show
        tuple(fields),
        "Send anonymously",
        f"{survey.intro}\n\n{PRIVACY}",
        campaign.id,
        errors or {},
    )


async def take(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """Open the survey form, unless the person already answered or it is closed."""
    try:
        campaign = await respond.open_for(deps, uow, person, a.value)
    except respond.Closed:
        return [TextReply(CLOSED)]
    except respond.ForAnotherGroup:
        return [TextReply("That survey is for another group.")]
    except respond.AlreadyAnswered:
        return [TextReply("You have already answered this survey. Thank you!")]
    return [survey_form(deps, campaign)]


async def answer(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """Record the answers as counts; refuse a second submission."""
    try:
        await respond.respond(deps, uow, person, f.context, f.fields)
    except respond.Closed:
        return [TextReply(CLOSED)]
    except respond.AlreadyAnswered:
        return [thanks("You have already answered this survey; your first answers stand.")]
    except respond.Invalid as invalid:
        return [survey_form(deps, invalid.campaign, invalid.errors)]
    return [thanks("Thank you! Your answers were recorded anonymously.")]


def thanks(text: str) -> Form:
    """Shown in the form itself, so nothing about answering lands in the chat history."""
    return Form("survey_thanks", "Thank you", (), "Close", text)


async def _offer(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await offer(deps, uow, person)


async def _thanks(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    return []  # the thank-you view closes with nothing more to say


async def show(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: the results card."""

    try:
        r = (await admin.results(deps, uow, person, a.value)).results
    except admin.NoSuchCampaign:
        return [TextReply("No such survey.")]
    if not r.shown:
        return [
            TextReply(
                f"“{r.survey.title}”: {r.participants} answered so far. Results appear once "
                f"{deps.content.surveys.thresholds(r.survey)[0]} people have answered, so that "
                "nobody can "
                "be singled out."
            )
        ]
    facts = []
    for q in r.questions:
        if q.mean is not None and q.favourable is not None:
            facts.append(
                (q.text, f"mean {q.mean:.1f}/5, {q.favourable:.0%} favourable (n={q.answers})")
            )
        else:
            facts.append((q.text, ", ".join(f"{k}: {v}" for k, v in q.counts.items()) or "-"))
    for dept, rows in sorted(r.departments.items()):
        likert = [q for q in rows if q.favourable is not None]
        if likert:
            avg = sum(q.favourable or 0 for q in likert) / len(likert)
            facts.append((f"{dept}", f"{avg:.0%} favourable on average"))
    body = f"{r.participants} people answered. Scale: {LIKERT[0]} (1) to {LIKERT[-1]} (5)."
    if r.comments:
        body += "\n\nComments, in random order:\n" + "\n".join(f"• {c}" for c in r.comments)
    else:
        body += (
            f"\n\nComments appear once there are {deps.content.surveys.thresholds(r.survey)[1]}."
        )
    return [Card(f"Results: {r.survey.title}", body, tuple(facts))]


ROUTES = Routes(
    jobs={"survey rounds": admin.tick},
    actions={
        "survey_offer": _offer,
        "survey_take": take,
        "survey_new": new_form,
        "survey_remind": remind,
        "survey_close": close,
        "survey_results": show,
    },
    forms={"survey_new": create, "survey_answer": answer, "survey_thanks": _thanks},
    typed={"survey_offer": ("survey", "surveys", "take a survey")},
    slash={"survey": "surveys", "surveys": "surveys"},
    menu=(MenuEntry("Surveys", "survey_offer", 70),),
    hints=(Hint("*surveys* (campaigns and results)", (Role.HR,), 60),),
)
