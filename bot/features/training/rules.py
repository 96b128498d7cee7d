"""Training: the quiz modules and questions `content/quizzes.yaml` sets, validated on load."""

from __future__ import annotations

from pydantic import Field

from bot.rules import ID_PATTERN, Strict


class QuizQuestion(Strict):
    """A scenario question with one correct option and an explanation citing a section."""

    id: str = Field(pattern=ID_PATTERN)
    prompt: str = Field(min_length=10, max_length=400)
    options: tuple[str, ...] = Field(min_length=3, max_length=4)
    answer: int = Field(ge=0, le=3)
    explanation: str = Field(min_length=20, max_length=700)
    section: str = Field(pattern=ID_PATTERN)


class QuizModule(Strict):
    """A module of questions on one theme."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=3, max_length=80)
    questions: tuple[QuizQuestion, ...] = Field(min_length=3)

    @property
    def sections(self) -> set[str]:
        """The policy sections this module teaches."""
        return {q.section for q in self.questions}


class QuizBank(Strict):
    """The training modules."""

    modules: tuple[QuizModule, ...] = Field(min_length=1)

    def question(self, question_id: str) -> tuple[QuizModule, QuizQuestion] | None:
        """A question and its module."""
        for module in self.modules:
            for q in module.questions:
                if q.id == question_id:
                    return module, q
        return None
