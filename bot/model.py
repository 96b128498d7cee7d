"""Domain objects the core works with; storage maps them to tables."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """What a person may do beyond asking questions."""

    EMPLOYEE = "employee"
    HR = "hr"
    MANAGER = "manager"
    HANDLER = "handler"
    ADMIN = "admin"


@dataclass(slots=True)
class Person:
    """Someone in the directory, with their platform identities."""

    id: str
    display_name: str
    email: str | None = None
    department: str | None = None
    manager_id: str | None = None
    timezone: str | None = None
    roles: frozenset[Role] = frozenset({Role.EMPLOYEE})
    accounts: dict[str, str] = field(default_factory=dict)
    """Their user id on each chat platform they use, by platform ("slack": "U0123")."""

    def has(self, *roles: Role) -> bool:
        """True when the person holds any of `roles` (admins hold every role)."""
        return Role.ADMIN in self.roles or any(r in self.roles for r in roles)

    def account(self, platform: str) -> str | None:
        """Their user id on `platform`, if they use it."""
        return self.accounts.get(platform)


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


@dataclass(slots=True)
class Flow:
    """A multi-step conversation a user is in the middle of."""

    name: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


def new_id() -> str:
    """A random, non-sequential identifier."""
    return secrets.token_hex(16)


def new_ref(prefix: str) -> str:
    """A short random reference people can read out, e.g. Q-7KX3PD."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return prefix + "-" + "".join(secrets.choice(alphabet) for _ in range(6))


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


@dataclass
class Campaign:
    """A survey sent to an audience (everyone, or one department) between two days."""

    id: str
    survey_id: str
    audience: str  # "everyone", or department names joined with commas
    opens_on: date
    closes_on: date
    closed: bool = False
    invited: bool = False
    reminded: bool = False
    definition: dict[str, Any] | None = None
    """A survey written for this campaign on the dashboard (as `content/surveys.yaml` holds
    one), or None for a survey of the content."""

    def is_open(self, today: date) -> bool:
        """True while answers are accepted."""
        return not self.closed and self.opens_on <= today <= self.closes_on

    def includes(self, person: Person) -> bool:
        """True when `person` is in the audience."""
        return self.audience == "everyone" or (
            person.department is not None and person.department in self.audience.split(",")
        )


@dataclass
class QuizCard:
    """Spaced repetition state of one question for one person (a Leitner box)."""

    person_id: str
    question_id: str
    box: int
    due_at: datetime


class AnnouncementStatus(StrEnum):
    """Where an announcement stands."""

    DRAFT = "draft"  # composed, previewed to its author, not yet sent
    SCHEDULED = "scheduled"  # waiting for its time (now, or later)
    SENDING = "sending"  # recipients are being messaged
    SENT = "sent"  # every recipient was messaged or recorded as failed
    CANCELLED = "cancelled"


@dataclass
class Announcement:
    """A message from HR to an audience, optionally to be acknowledged."""

    id: str
    title: str
    summary: str
    author_id: str
    created_at: datetime
    link: str = ""
    policy_version: int | None = None
    ack_required: bool = True
    audience: tuple[str, ...] = ("everyone",)  # "everyone", departments, "slack#C…" channels
    status: AnnouncementStatus = AnnouncementStatus.DRAFT
    send_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    revision: int = 1
    action: tuple[str, ...] = ()  # an extra button: (label, action id, value), e.g. "Vote"

    def includes(self, person: Person) -> bool:
        """True when `person` is in the audience."""
        return "everyone" in self.audience or (person.department or "") in self.audience

    @property
    def channels(self) -> tuple[tuple[str, str], ...]:
        """Channels it is also posted in: (platform, channel id)."""
        found = (a.partition("#") for a in self.audience if "#" in a)
        return tuple((platform, channel) for platform, _, channel in found)


@dataclass(frozen=True, slots=True)
class BroadcastFigures:
    """What became of an announcement's messages, from its recipient rows."""

    recipients: int = 0
    pending: int = 0
    delivered: int = 0
    failed: dict[str, int] = field(default_factory=dict)  # reason -> count
    acknowledged: int = 0
    outstanding: int = 0  # people it was for who have not acknowledged it (yet)
    channels: int = 0  # of the recipients, channels (never acknowledge, never reminded)
    problem: str = ""  # why a broadcast is not moving, when it is not


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
