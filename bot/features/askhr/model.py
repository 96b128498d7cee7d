"""Ask HR: the questions the bot could not answer, as tickets HR answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TicketStatus(StrEnum):
    """Where an "ask HR" question stands."""

    OPEN = "open"
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    CLOSED = "closed"


@dataclass(slots=True)
class Ticket:
    """A question the bot could not answer, sent to HR."""

    id: str
    ref: str
    asker_id: str
    question: str
    status: TicketStatus
    created_at: datetime
    assignee_id: str | None = None
    answer: str | None = None
    answered_at: datetime | None = None
