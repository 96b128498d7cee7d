"""Surveys: the surveys and thresholds `content/surveys.yaml` sets, validated on load."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.rules import ID_PATTERN, Strict

LIKERT = ("Strongly disagree", "Disagree", "Neither", "Agree", "Strongly agree")


class SurveyQuestion(Strict):
    """One question of a survey."""

    id: str = Field(pattern=ID_PATTERN)
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


class Survey(Strict):
    """A survey definition."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=3, max_length=60)
    intro: str = ""
    questions: tuple[SurveyQuestion, ...] = Field(min_length=1)
    threshold: int | None = Field(default=None, ge=3)
    """Answers needed before its results show, when more than the surveys' `threshold`."""
    comment_threshold: int | None = Field(default=None, ge=3)
    """Comments needed before they show, when more than the surveys' `comment_threshold`."""


class Surveys(Strict):
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
