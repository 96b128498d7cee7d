"""What a campaign asks and how: its survey (from the content or written on the dashboard), its
thresholds, its title, the campaign form and the invitation; the keys its answers are kept
under."""

from __future__ import annotations

import secrets

from bot.deps import Deps
from bot.features.surveys.model import Campaign
from bot.features.surveys.rules import Survey
from bot.messages import (
    Button,
    Choices,
    Field,
    Form,
    Option,
)
from bot.model import Person

PRIVACY = (
    "Anonymous: your answers are stored as counts, with no name, no account and no time "
    "finer than the survey's closing day. We only record that you took part, so that "
    "reminders skip you. Please do not put anything that identifies you in free text."
)


def answer_key(deps: Deps, campaign_id: str, person: Person) -> str:
    return deps.cipher.keyed_hash("survey", campaign_id, person.id)


def answer_context(campaign_id: str) -> bytes:
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


def survey_asked(deps: Deps, campaign: Campaign) -> Survey:
    survey = survey_of(deps, campaign)
    if survey is None:
        raise LookupError(f"survey {campaign.survey_id} is no longer in content/surveys.yaml")
    return survey


def title_of(deps: Deps, campaign: Campaign) -> str:
    survey = survey_of(deps, campaign)
    return survey.title if survey else f"{campaign.survey_id} (no longer in surveys.yaml)"


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


def invite(deps: Deps, campaign: Campaign, survey: Survey, lead: str) -> Choices:
    """The invitation (or reminder) with the button that opens the form."""
    text = f"{lead} “{survey.title}”: {survey.intro} {PRIVACY}"
    return Choices(text, (Button("Take the survey", "survey_take", campaign.id, "primary"),))


def random_order(items: list[str]) -> list[str]:
    """Comments in an order that says nothing about who wrote what, or when."""
    shuffled = list(items)
    secrets.SystemRandom().shuffle(shuffled)
    return shuffled
