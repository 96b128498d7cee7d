"""Backlash reports as cases: their clocks and status, and their sealed messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CaseStatus(StrEnum):
    """Where a backlash report stands."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass
class Case:
    """A backlash report. Content and reporter identity are sealed; an anonymous case has no
    reporter at all, only a receipt id (keyed hash of a random code) and a passphrase hash."""

    id: str
    ref: str
    category: str
    severity: str
    anonymous: bool
    created_at: datetime
    ack_due: datetime
    feedback_due: datetime
    content_box: bytes
    reporter_box: bytes | None = None
    reporter_key: str | None = None
    receipt_id: str | None = None
    passphrase_hash: str | None = None
    status: CaseStatus = CaseStatus.OPEN
    acknowledged_at: datetime | None = None
    first_feedback_at: datetime | None = None
    resolved_at: datetime | None = None
    outcome: str | None = None
    assignee_id: str | None = None
    escalations: int = 0
    failed_attempts: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class CaseMessage:
    """A message on a case, from the reporter or a handler; the text is sealed."""

    id: str
    case_id: str
    author: str  # "reporter" or "handler"
    box: bytes
    at: datetime
