"""Anonymous surveys: HR opens a campaign, people answer in a form, results need a crowd."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from bot.deps import Deps
from bot.directory import require
from bot.features.surveys.model import Campaign
from bot.features.surveys.rules import LIKERT, Survey
from bot.messages import (
    Action,
    Button,
    Card,
    Choices,
    Field,
    Form,
    Notification,
    Option,
    Reply,
    Submission,
    TextReply,
)
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, MenuEntry, Routes
from bot.text import clean, shorten

log = logging.getLogger(__name__)
PRIVACY = (
    "Anonymous: your answers are stored as counts, with no name, no account and no time "
    "finer than the survey's closing day. We only record that you took part, so that "
    "reminders skip you. Please do not put anything that identifies you in free text."
)


def _key(deps: Deps, campaign_id: str, person: Person) -> str:
    return deps.cipher.keyed_hash("survey", campaign_id, person.id)


def _context(campaign_id: str) -> bytes:
    return f"survey:{campaign_id}".encode()


def survey_of(deps: Deps, campaign: Campaign) -> Survey | None:
    """The survey a campaign runs: written for it on the dashboard, or from the content
    (None once removed from `content/surveys.yaml`)."""
    if campaign.definition is not None:
        return Survey.model_validate(campaign.definition)
    return deps.content.surveys.get(campaign.survey_id)


def thresholds(deps: Deps, campaign: Campaign) -> tuple[int, int]:
    """Answers and comments a campaign needs before its results show."""
    survey = survey_of(deps, campaign)
    rules = deps.content.surveys
    return rules.thresholds(survey) if survey else (rules.threshold, rules.comment_threshold)


def _survey(deps: Deps, campaign: Campaign) -> Survey:
    survey = survey_of(deps, campaign)
    if survey is None:
        raise LookupError(f"survey {campaign.survey_id} is no longer in content/surveys.yaml")
    return survey


def _title(deps: Deps, campaign: Campaign) -> str:
    survey = survey_of(deps, campaign)
    return survey.title if survey else f"{campaign.survey_id} (no longer in surveys.yaml)"


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
        and not await uow.campaigns.took_part(_key(deps, c.id, person))
    ]
    replies: list[Reply] = []
    if mine:
        buttons = tuple(
            Button(f"Take: {_survey(deps, c).title}", "survey_take", c.id) for c in mine
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
            f"{_title(deps, c)} ({c.audience})",
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


def campaign_form(
    deps: Deps,
    departments: list[str],
    given: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Form:
    """The campaign form; shown again with what was typed and the errors under their fields."""
    v = given or {}
    return Form(
        "survey_new",
        "Open a survey",
        (
            Field(
                "survey",
                "Survey",
                "select",
                options=tuple(Option(s.title, s.id) for s in deps.content.surveys.surveys),
                initial=v.get("survey", ""),
            ),
            Field(
                "audience",
                "Who is asked (everyone, or one or more departments)",
                "multiselect",
                options=(Option("Everyone", "everyone"), *(Option(d, d) for d in departments)),
                initial=v.get("audience") or "everyone",
            ),
            Field(
                "starts",
                "Opens in how many days (0: today, at most 60)",
                initial=v.get("starts", "0"),
                max_length=2,
            ),
            Field(
                "days",
                "Open for how many days (1 to 90)",
                initial=v.get("days", "14"),
                max_length=3,
            ),
        ),
        submit_label="Open and invite",
        errors=errors or {},
    )


async def create(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """HR opened a campaign: store it; invitations go out on its opening day."""
    from bot.features.surveys import admin

    try:
        campaign, invited = await admin.open_campaign(deps, uow, person, dict(f.fields))
    except admin.Invalid as invalid:
        return [campaign_form(deps, await _departments(uow), dict(f.fields), invalid.errors)]
    title = _title(deps, campaign)
    today = deps.clock.now().date()
    when = "today" if campaign.opens_on == today else f"on {campaign.opens_on:%d %b}"
    return [
        TextReply(
            f"“{title}” opens {when} for {campaign.audience} until {campaign.closes_on:%d %b}. "
            f"Invitations sent now: {invited}. Those who have not answered get a reminder two "
            "days before it closes."
        )
    ]


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
            and (step == "invited" or not await uow.campaigns.took_part(_key(deps, campaign.id, p)))
        ]
        note = invite(deps, campaign, survey, lead)
        for p in people:
            await uow.outbox.add(Notification(p.id, note, f"Survey: {survey.title}"))
        sent += len(people)
    return sent


def invite(deps: Deps, campaign: Campaign, survey: Survey, lead: str) -> Choices:
    """The invitation (or reminder) with the button that opens the form."""
    text = f"{lead} “{survey.title}”: {survey.intro} {PRIVACY}"
    return Choices(text, (Button("Take the survey", "survey_take", campaign.id, "primary"),))


async def remind(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: remind only those in the audience who have not taken part."""
    from bot.features.surveys import admin

    try:
        reminded = await admin.remind(deps, uow, person, a.value)
    except admin.Refused as refused:
        return [TextReply(str(refused))]
    who = "person who has" if reminded == 1 else "people who have"
    return [TextReply(f"Reminded {reminded} {who} not answered yet.")]


async def close(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """HR: close a campaign early."""
    from bot.features.surveys import admin

    try:
        await admin.close(deps, uow, person, a.value)
    except admin.Refused as refused:
        return [TextReply(str(refused))]
    return [TextReply("Closed. No more answers will be accepted.")]


def survey_form(deps: Deps, campaign: Campaign, errors: dict[str, str] | None = None) -> Form:
    """The survey as a form: never as chat messages."""
    survey = _survey(deps, campaign)
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
    campaign = await uow.campaigns.get(a.value)
    if campaign is None or not campaign.is_open(deps.clock.now().date()):
        return [TextReply("That survey is closed. Thank you all the same!")]
    if not campaign.includes(person):
        return [TextReply("That survey is for another group.")]
    if await uow.campaigns.took_part(_key(deps, campaign.id, person)):
        return [TextReply("You have already answered this survey. Thank you!")]
    return [survey_form(deps, campaign)]


async def answer(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    """Record the answers as counts; refuse a second submission."""
    campaign = await uow.campaigns.get(f.context)
    if campaign is None or not campaign.is_open(deps.clock.now().date()):
        return [TextReply("That survey is closed. Thank you all the same!")]
    key = _key(deps, campaign.id, person)
    if not campaign.includes(person) or await uow.campaigns.took_part(key):
        return [thanks("You have already answered this survey; your first answers stand.")]
    survey = _survey(deps, campaign)
    errors = {
        q.id: "Please answer this question."
        for q in survey.questions
        if q.required and q.kind != "multiple" and not clean(f.fields.get(q.id, ""))
    }
    valid = {str(n) for n in range(1, 6)}
    for q in survey.questions:
        value = clean(f.fields.get(q.id, ""))
        if value and (
            (q.kind == "likert" and value not in valid)
            or (q.kind == "single" and value not in q.options)
            or (q.kind == "multiple" and not set(_picked(value)) <= set(q.options))
        ):
            errors[q.id] = "Choose one of the options."
    if errors:
        return [survey_form(deps, campaign, errors)]
    department = person.department or "(none)"
    await uow.campaigns.register(campaign.id, key)
    for q in survey.questions:
        if q.kind == "multiple":
            for option in dict.fromkeys(_picked(clean(f.fields.get(q.id, "")))):
                await uow.campaigns.count(campaign.id, q.id, department, option)
            continue
        value = clean(f.fields.get(q.id, ""))
        if not value:
            continue
        if q.kind == "text":
            box = deps.cipher.seal(shorten(value, 1000).encode(), _context(campaign.id))
            await uow.campaigns.comment(campaign.id, q.id, box, campaign.closes_on)
        else:
            await uow.campaigns.count(campaign.id, q.id, department, value)
    return [thanks("Thank you! Your answers were recorded anonymously.")]


def _picked(value: str) -> list[str]:
    """A multiple-choice answer's options (a multiselect's values are joined with commas)."""
    return [v.strip() for v in value.split(",") if v.strip()]


def thanks(text: str) -> Form:
    """Shown in the form itself, so nothing about answering lands in the chat history."""
    return Form("survey_thanks", "Thank you", (), "Close", text)


def random_order(items: list[str]) -> list[str]:
    """Comments in an order that says nothing about who wrote what, or when."""
    shuffled = list(items)
    secrets.SystemRandom().shuffle(shuffled)
    return shuffled


async def _offer(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    return await offer(deps, uow, person)


async def _thanks(deps: Deps, uow: UnitOfWork, person: Person, f: Submission) -> list[Reply]:
    return []  # the thank-you view closes with nothing more to say


ROUTES = Routes(
    actions={
        "survey_offer": _offer,
        "survey_take": take,
        "survey_new": new_form,
        "survey_remind": remind,
        "survey_close": close,
    },
    forms={"survey_new": create, "survey_answer": answer, "survey_thanks": _thanks},
    typed={"survey_offer": ("survey", "surveys", "take a survey")},
    slash={"survey": "surveys", "surveys": "surveys"},
    menu=(MenuEntry("Surveys", "survey_offer", 70),),
    hints=(Hint("*surveys* (campaigns and results)", (Role.HR,), 60),),
)
