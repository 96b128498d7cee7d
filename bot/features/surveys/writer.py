"""A survey or quick poll HR writes on the dashboard, instead of editing
`content/surveys.yaml`: checked by the same rules as the content's surveys, kept with the
campaign that runs it, and sent like any other."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from pydantic import ValidationError

from bot.deps import Deps
from bot.directory import require
from bot.features.surveys.admin import Invalid, tick
from bot.features.surveys.model import Campaign
from bot.features.surveys.rules import Survey
from bot.model import Person, Role, new_id
from bot.ports import UnitOfWork
from bot.text import valid

log = logging.getLogger(__name__)
QUESTIONS = 6  # rows of the form
KINDS = (
    ("likert", "Agree or disagree (1 to 5)"),
    ("single", "One of the options"),
    ("multiple", "Any of the options"),
    ("text", "Free text (a comment)"),
)
_OPTIONS = re.compile(r"\s*[,\n;]\s*")


@dataclass(frozen=True, slots=True)
class Blank:
    """What the form needs besides the fields: audiences and the rules' minimum thresholds."""

    departments: list[str]
    threshold: int
    comment_threshold: int


async def blank(deps: Deps, uow: UnitOfWork, person: Person) -> Blank:
    """HR: what the "write a survey" form offers."""
    require(person, Role.HR)
    departments = sorted({p.department for p in await uow.people.all() if p.department})
    rules = deps.content.surveys
    return Blank(departments, rules.threshold, rules.comment_threshold)


def _number(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and low <= int(text) <= high else None


def survey(deps: Deps, fields: dict[str, str]) -> Survey:
    """The survey the form describes, checked as `content/surveys.yaml` is; raises Invalid
    with the problems by field (`q2-options`, `threshold`...)."""
    errors: dict[str, str] = {}
    rules = deps.content.surveys
    questions = []
    for n in range(1, QUESTIONS + 1):
        text = " ".join(valid(fields.get(f"q{n}-text", "")).split())
        if not text:
            continue
        kind = fields.get(f"q{n}-kind", "likert")
        options = tuple(o for o in _OPTIONS.split(valid(fields.get(f"q{n}-options", ""))) if o)
        if kind in ("single", "multiple") and len(options) < 2:
            errors[f"q{n}-options"] = "Give at least two options, separated by commas."
        elif kind not in ("single", "multiple") and options:
            options = ()  # options only mean something for a choice
        questions.append(
            {
                "id": f"q{n}",
                "kind": kind,
                "text": text,
                "options": options,
                "required": fields.get(f"q{n}-required", "") == "yes",
            }
        )
    if not questions:
        errors["q1-text"] = "Write at least one question."
    threshold = _number(fields.get("threshold", "") or str(rules.threshold), rules.threshold, 500)
    if threshold is None:
        errors["threshold"] = f"A whole number from {rules.threshold} (the minimum) up."
    comments = _number(
        fields.get("comment_threshold", "") or str(rules.comment_threshold),
        rules.comment_threshold,
        500,
    )
    if comments is None:
        errors["comment_threshold"] = f"A whole number from {rules.comment_threshold} up."
    title = " ".join(valid(fields.get("title", "")).split())
    if not 3 <= len(title) <= 60:
        errors["title"] = "A title of 3 to 60 characters."
    if errors:
        raise Invalid(errors)
    try:
        return Survey.model_validate(
            {
                "id": f"written-{new_id()[:12]}",
                "title": title,
                "intro": " ".join(valid(fields.get("intro", "")).split())[:500],
                "questions": questions,
                "threshold": threshold,
                "comment_threshold": comments,
            }
        )
    except ValidationError as err:
        for problem in err.errors():
            where = problem["loc"]
            name = f"q{int(where[1]) + 1}-text" if where[:1] == ("questions",) else str(where[0])
            errors.setdefault(name, str(problem["msg"]))
        raise Invalid(errors) from None


async def open_written(
    deps: Deps, uow: UnitOfWork, person: Person, fields: dict[str, str]
) -> tuple[Campaign, int]:
    """HR: a campaign of the survey written in `fields`, to its audience between its days,
    and how many were invited at once."""
    require(person, Role.HR)
    errors: dict[str, str] = {}
    try:
        written = survey(deps, fields)
    except Invalid as invalid:
        errors, written = dict(invalid.errors), None
    starts = _number(fields.get("starts", "") or "0", 0, 60)
    days = _number(fields.get("days", ""), 1, 90)
    if starts is None:
        errors["starts"] = "Type a whole number of days from 0 (today) to 60."
    if days is None:
        errors["days"] = "Type a whole number of days from 1 to 90."
    known = set((await blank(deps, uow, person)).departments)
    chosen = [a for a in (fields.get("audience") or "everyone").split(",") if a]
    if any(a != "everyone" and a not in known for a in chosen):
        errors["audience"] = "Choose everyone or departments known to the directory."
    if errors or written is None or starts is None or days is None:
        raise Invalid(errors)
    opens = deps.clock.now().date() + timedelta(days=starts)
    audience = "everyone" if not chosen or "everyone" in chosen else ",".join(sorted(chosen))
    campaign = Campaign(
        new_id(),
        written.id,
        audience,
        opens,
        opens + timedelta(days=days - 1),
        definition=written.model_dump(mode="json"),
    )
    await uow.campaigns.add(campaign)
    log.info("written survey campaign %s opened", campaign.id)
    return campaign, await tick(deps, uow)
