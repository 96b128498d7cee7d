"""Content models for reports, surveys and training: validated like the rest of content/."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

_ID_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


_GROUPS = ("hr", "handler", "manager", "admin")


class Severity(_Strict):
    """How fast a severity must be acknowledged and answered."""

    label: str = Field(min_length=1)
    acknowledge_hours: float | None = Field(default=None, gt=0)
    acknowledge_working_days: int | None = Field(default=None, gt=0)
    feedback_hours: float = Field(gt=0, le=24 * 90)


class Route(_Strict):
    """Categories ("*" for any) and the handler groups their reports go to."""

    categories: tuple[str, ...] = Field(min_length=1)
    groups: tuple[str, ...] = Field(min_length=1)

    @field_validator("groups")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [g for g in value if g not in _GROUPS]
        if unknown:
            raise ValueError(f"unknown group(s) {unknown}; use {list(_GROUPS)}")
        return value


class ReportRules(_Strict):
    """Categories, deadlines, routing and retention of backlash reports."""

    emergency: str = Field(min_length=20)
    categories: dict[str, str] = Field(min_length=1)
    severities: dict[str, Severity] = Field(min_length=1)
    routes: tuple[Route, ...] = Field(min_length=1)
    escalation: tuple[str, ...] = ("hr",)
    retention_days: int = Field(default=1095, ge=30)

    def severity(self, key: str) -> Severity:
        """The rule of a severity. A case keeps the severity it was filed with; if content no
        longer has it, the most urgent rule applies, so the case is never chased later."""
        return self.severities.get(key) or self.most_urgent

    @property
    def most_urgent(self) -> Severity:
        """The severity acknowledged soonest (working days count as 24 hours each)."""

        def hours(rule: Severity) -> float:
            return rule.acknowledge_hours or 24.0 * (rule.acknowledge_working_days or 1)

        return min(self.severities.values(), key=lambda r: (hours(r), r.feedback_hours))

    def severity_label(self, key: str) -> str:
        """How a case's severity is shown, also when content no longer has it."""
        rule = self.severities.get(key)
        return rule.label if rule else f"{key} (no longer in reports.yaml)"

    def category_label(self, key: str) -> str:
        """How a case's category is shown, also when content no longer has it."""
        return self.categories.get(key) or f"{key} (no longer in reports.yaml)"

    def groups_for(self, category: str) -> tuple[str, ...]:
        """The handler groups of the first route that matches `category`."""
        for route in self.routes:
            if category in route.categories or "*" in route.categories:
                return route.groups
        return ("hr",)


LIKERT = ("Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree")


class SurveyQuestion(_Strict):
    """One question of a survey."""

    id: str = Field(pattern=_ID_RE)
    kind: str = Field(pattern=r"^(likert|single|multiple|text)$")
    text: str = Field(min_length=3, max_length=300)
    options: tuple[str, ...] = ()
    required: bool = True

    @field_validator("options")
    @classmethod
    def _options(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("options must be distinct")
        return value


class Survey(_Strict):
    """A survey definition."""

    id: str = Field(pattern=_ID_RE)
    title: str = Field(min_length=3, max_length=60)
    intro: str = ""
    questions: tuple[SurveyQuestion, ...] = Field(min_length=1)
    threshold: int | None = Field(default=None, ge=3)
    """Answers needed before its results show, when more than the surveys' `threshold`."""
    comment_threshold: int | None = Field(default=None, ge=3)
    """Comments needed before they show, when more than the surveys' `comment_threshold`."""


class Surveys(_Strict):
    """All surveys, and the anonymity thresholds of their results."""

    threshold: int = Field(default=5, ge=3)
    comment_threshold: int = Field(default=10, ge=3)
    surveys: tuple[Survey, ...] = Field(min_length=1)

    def get(self, survey_id: str) -> Survey | None:
        """The survey with this id."""
        return next((s for s in self.surveys if s.id == survey_id), None)

    def thresholds(self, survey: Survey) -> tuple[int, int]:
        """Answers and comments needed before a survey's results show: its own when higher,
        never fewer than these rules'."""
        return (
            max(self.threshold, survey.threshold or 0),
            max(self.comment_threshold, survey.comment_threshold or 0),
        )


class QuizQuestion(_Strict):
    """A scenario question with one correct option and an explanation citing a section."""

    id: str = Field(pattern=_ID_RE)
    prompt: str = Field(min_length=10, max_length=400)
    options: tuple[str, ...] = Field(min_length=3, max_length=4)
    answer: int = Field(ge=0, le=3)
    explanation: str = Field(min_length=20, max_length=700)
    section: str = Field(pattern=_ID_RE)


class QuizModule(_Strict):
    """A module of questions on one theme."""

    id: str = Field(pattern=_ID_RE)
    title: str = Field(min_length=3, max_length=80)
    questions: tuple[QuizQuestion, ...] = Field(min_length=3)

    @property
    def sections(self) -> set[str]:
        """The policy sections this module teaches."""
        return {q.section for q in self.questions}


class QuizBank(_Strict):
    """The training modules."""

    modules: tuple[QuizModule, ...] = Field(min_length=1)

    def question(self, question_id: str) -> tuple[QuizModule, QuizQuestion] | None:
        """A question and its module."""
        for module in self.modules:
            for q in module.questions:
                if q.id == question_id:
                    return module, q
        return None
