"""Survey results for HR: counts, means and % favourable, only where a crowd answered."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.deps import Deps
from bot.features.surveys.definition import answer_context, random_order, survey_asked
from bot.features.surveys.model import Campaign
from bot.features.surveys.rules import Survey
from bot.ports import UnitOfWork


@dataclass
class QuestionResult:
    """One question's figures (empty when too few answered)."""

    id: str
    text: str
    answers: int
    counts: dict[str, int] = field(default_factory=dict)
    mean: float | None = None
    favourable: float | None = None


@dataclass
class Results:
    """A campaign's results, already filtered by the anonymity thresholds."""

    campaign: Campaign
    survey: Survey
    participants: int
    shown: bool
    questions: list[QuestionResult]
    departments: dict[str, list[QuestionResult]]
    comments: list[str]


def _question(survey: Survey, qid: str, tally: dict[str, int]) -> QuestionResult:
    q = next(x for x in survey.questions if x.id == qid)
    n = sum(tally.values())
    result = QuestionResult(q.id, q.text, n, dict(sorted(tally.items())))
    if q.kind == "likert" and n:
        result.mean = sum(int(v) * c for v, c in tally.items()) / n
        result.favourable = sum(c for v, c in tally.items() if int(v) >= 4) / n
    return result


def breakdown(sizes: dict[str, int], participants: int, threshold: int) -> set[str]:
    """The departments whose figures may be shown, by how many of each answered.

    Each shown department, and everyone else, reach the threshold; and the departments not
    shown, taken together, are either nobody or at least the threshold too. Subtracting the
    shown departments from the total then gives at most the hidden ones as one group of
    enough people, never a small department on its own (5, 5 and 2 people: not both fives).
    """
    shown = {d for d, n in sizes.items() if n >= threshold and participants - n >= threshold}
    hidden = participants - sum(sizes[d] for d in shown)
    if shown and 0 < hidden < threshold:
        # Hiding one more (the smallest: the least lost) makes the hidden group big enough.
        shown.remove(min(shown, key=lambda d: (sizes[d], d)))
    return shown


async def compute(deps: Deps, uow: UnitOfWork, campaign: Campaign) -> Results:
    """Figures for a campaign, hiding what a small group would give away."""
    survey = survey_asked(deps, campaign)
    threshold, comment_threshold = deps.content.surveys.thresholds(survey)
    participants = await uow.campaigns.participants(campaign.id)
    by_question: dict[str, dict[str, int]] = {}
    by_department: dict[str, dict[str, dict[str, int]]] = {}
    for qid, department, value, count in await uow.campaigns.tallies(campaign.id):
        by_question.setdefault(qid, {}).setdefault(value, 0)
        by_question[qid][value] += count
        slot = by_department.setdefault(department, {}).setdefault(qid, {})
        slot[value] = slot.get(value, 0) + count
    shown = participants >= threshold
    questions = [
        _question(survey, q.id, by_question.get(q.id, {}))
        for q in survey.questions
        if shown and q.kind != "text"
    ]
    anchor = next((q.id for q in survey.questions if q.required and q.kind == "likert"), None)
    sizes = {
        dept: sum(tallies.get(anchor, {}).values()) if anchor else 0
        for dept, tallies in by_department.items()
    }
    broken_out = breakdown(sizes, participants, threshold) if shown else set()
    departments = {
        dept: [
            _question(survey, q.id, by_department[dept].get(q.id, {}))
            for q in survey.questions
            if q.kind != "text"
        ]
        for dept in sorted(broken_out)
    }
    comments: list[str] = []
    stored = await uow.campaigns.comments(campaign.id)
    if shown and len(stored) >= comment_threshold:
        comments = random_order(
            [deps.cipher.open(box, answer_context(campaign.id)).decode() for _, box in stored]
        )
    return Results(campaign, survey, participants, shown, questions, departments, comments)


async def everything(deps: Deps, uow: UnitOfWork) -> list[Results]:
    """The results of every campaign (each hidden below its threshold, as `compute` says)."""
    return [await compute(deps, uow, campaign) for campaign in await uow.campaigns.all()]
