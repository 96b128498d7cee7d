"""Training: a person's quiz cards, scheduled by spaced repetition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class QuizCard:
    """Spaced repetition state of one question for one person (a Leitner box)."""

    person_id: str
    question_id: str
    box: int
    due_at: datetime
