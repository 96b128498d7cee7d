"""What the FAQ keeps in the database: the answer log (no identities), and HR's changes made
on the dashboard, a layer over `content/faq` (a new phrasing of an entry, or a new entry).
Each change keeps who made it and when; a change is retired, never deleted, so the history
stays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol


class ChangeKind(StrEnum):
    """What a change adds."""

    PHRASING = "phrasing"
    ENTRY = "entry"


@dataclass(frozen=True, slots=True)
class FaqChange:
    """One change: for a phrasing, `text` is the new way of asking entry `faq_id`; for an
    entry, `text` is its question and `answer`, `section`, `phrasings` the rest of it."""

    id: str
    kind: ChangeKind
    faq_id: str
    text: str
    author_id: str | None
    created_at: datetime
    answer: str = ""
    section: str = ""
    phrasings: tuple[str, ...] = ()
    source: str = ""
    """Where it came from: "ticket <ref>", "unanswered", or "" when typed on the page."""
    retired_at: datetime | None = None
    retired_by: str | None = None


class FaqChanges(Protocol):
    """The changes, in the order they were made."""

    async def add(self, change: FaqChange) -> None: ...

    async def all(self) -> Sequence[FaqChange]:
        """Every change, retired ones too, oldest first."""
        ...

    async def retire(self, change_id: str, by: str, at: datetime) -> bool:
        """Retire a change still in force; False when there is none."""
        ...

    async def stamp(self) -> str:
        """Something that differs whenever a change is made or retired (for other servers to
        notice that their FAQ is out of date)."""
        ...


class FaqLog(Protocol):
    """Answers given, their feedback, and questions nobody could answer (no identities)."""

    async def answered(self, faq_id: str, score: float, day: date) -> str: ...

    async def feedback(self, answer_id: str, helpful: bool) -> bool: ...

    async def unanswered(self, text: str, day: date) -> None: ...

    async def since(self, day: date) -> tuple[list[str], dict[str, int]]:
        """Questions left unanswered since `day`, and "not helpful" votes per FAQ entry."""
        ...

    async def tallies(self, day: date) -> dict[str, tuple[int, int, int]]:
        """Per FAQ entry since `day`: answers given, voted helpful, voted not helpful."""
        ...

    async def unanswered_since(self, day: date, limit: int) -> Sequence[tuple[str, date]]:
        """The latest questions nobody could answer since `day`, newest first, with their day."""
        ...
