"""Success stories and the recognition rounds staff vote in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class StoryStatus(StrEnum):
    """Where a success story stands."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    DECLINED = "declined"


@dataclass
class Story:
    """A success story or a post someone is proud of, curated by HR before anyone sees it."""

    id: str
    author_id: str
    title: str
    body: str
    created_at: datetime
    link: str = ""
    share_ok: bool = True  # the author agrees to it being shown to staff
    status: StoryStatus = StoryStatus.SUBMITTED
    reason: str = ""  # why HR declined it, shown to the author
    decided_at: datetime | None = None


@dataclass
class Round:
    """A recognition round ("best post of the month"): approved stories, one vote a person."""

    id: str
    title: str
    entries: tuple[str, ...]  # story ids
    opened_at: datetime
    closes_at: datetime
    closed: bool = False
    winner_id: str | None = None
