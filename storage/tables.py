"""SQLModel tables. Column changes need an Alembic migration (storage/migrations)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Column, DateTime, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _utc(**kwargs: object) -> object:
    return Field(sa_column=Column(DateTime(timezone=True), **kwargs))  # type: ignore[arg-type]


class PersonRow(SQLModel, table=True):
    """A person in the directory."""

    __tablename__ = "person"

    id: str = Field(primary_key=True, max_length=32)
    display_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320, unique=True, index=True)
    department: str | None = Field(default=None, max_length=200, index=True)
    manager_id: str | None = Field(default=None, max_length=32, index=True)
    timezone: str | None = Field(default=None, max_length=64)
    roles: str = Field(default="employee", max_length=200)


class IdentityRow(SQLModel, table=True):
    """A person's user id on one chat platform: one per person and platform, and a platform's
    user belongs to one person."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("platform", "user_id", name="uq_identity_platform_user"),)

    person_id: str = Field(primary_key=True, max_length=32)
    platform: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(max_length=200)


class TicketRow(SQLModel, table=True):
    """A question for HR."""

    __tablename__ = "ticket"

    id: str = Field(primary_key=True, max_length=32)
    ref: str = Field(max_length=16, unique=True, index=True)
    asker_id: str = Field(max_length=32, index=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=16, index=True)
    created_at: datetime = _utc(nullable=False)  # type: ignore[assignment]
    assignee_id: str | None = Field(default=None, max_length=32)
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]


class ConversationRow(SQLModel, table=True):
    """The flow one platform user is in the middle of."""

    __tablename__ = "conversation_state"

    user_key: str = Field(primary_key=True, max_length=300)
    flow: str = Field(max_length=64)
    step: str = Field(max_length=64)
    data: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class FaqAnswerRow(SQLModel, table=True):
    """An answer the bot gave: which entry, how sure, which day; no identity, no question."""

    __tablename__ = "faq_answer"

    id: str = Field(primary_key=True, max_length=32)
    faq_id: str = Field(max_length=100, index=True)
    score: float
    day: date = Field(index=True)
    helpful: bool | None = Field(default=None)


class UnansweredRow(SQLModel, table=True):
    """A question the bot could not answer: the text and the day, nothing about who asked."""

    __tablename__ = "unanswered_question"

    id: str = Field(primary_key=True, max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    day: date = Field(index=True)


class OutboxRow(SQLModel, table=True):
    """A notification or reply waiting for delivery; deleted once delivered.

    What it says (and to which conversation) is sealed in `box`; a permanently failed row
    keeps its error code and loses its content.
    """

    __tablename__ = "outbox"

    id: str = Field(primary_key=True, max_length=32)
    person_id: str | None = Field(default=None, max_length=32, index=True)
    platform: str = Field(default="", max_length=16)
    about: str = Field(default="", max_length=32, index=True)
    box: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    payload: str | None = Field(default=None, sa_column=Column(Text))  # before sealing (0013)
    created_at: datetime = _utc(nullable=False)  # type: ignore[assignment]
    attempts: int = Field(default=0)
    sending_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    failed_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    error: str | None = Field(default=None, max_length=200)


class InboxRow(SQLModel, table=True):
    """A platform event recorded before it is acknowledged; deleted once it is answered."""

    __tablename__ = "inbox"

    key: str = Field(primary_key=True, max_length=200)
    platform: str = Field(max_length=16)
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    received_at: datetime = _utc(nullable=False)  # type: ignore[assignment]
    attempts: int = Field(default=0)
    lease_until: datetime | None = _utc(nullable=True)  # type: ignore[assignment]


class SeenEventRow(SQLModel, table=True):
    """A platform event already processed: retries and duplicate deliveries are dropped."""

    __tablename__ = "seen_event"

    key: str = Field(primary_key=True, max_length=200)
    seen_at: datetime = _utc(nullable=False, index=True)  # type: ignore[assignment]


class AddressRow(SQLModel, table=True):
    """Where a person can be reached proactively on a platform: an opaque reference."""

    __tablename__ = "address"

    person_id: str = Field(primary_key=True, max_length=32)
    platform: str = Field(primary_key=True, max_length=16)
    reference: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = _utc(nullable=False)  # type: ignore[assignment]
    unreachable_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]


class CaseRow(SQLModel, table=True):
    """A backlash report. Content and reporter are sealed; anonymous cases have no reporter."""

    __tablename__ = "report_case"

    id: str = Field(primary_key=True, max_length=32)
    ref: str = Field(max_length=16, unique=True, index=True)
    category: str = Field(max_length=40, index=True)
    severity: str = Field(max_length=20)
    anonymous: bool
    status: str = Field(max_length=16, index=True)
    created_at: datetime = _utc(nullable=False)  # type: ignore[assignment]
    ack_due: datetime = _utc(nullable=False, index=True)  # type: ignore[assignment]
    feedback_due: datetime = _utc(nullable=False)  # type: ignore[assignment]
    content_box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    reporter_box: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    reporter_key: str | None = Field(default=None, max_length=64, index=True)
    receipt_id: str | None = Field(default=None, max_length=64, unique=True, index=True)
    passphrase_hash: str | None = Field(default=None, max_length=200)
    acknowledged_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    first_feedback_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    resolved_at: datetime | None = _utc(nullable=True, index=True)  # type: ignore[assignment]
    outcome: str | None = Field(default=None, max_length=40)
    assignee_id: str | None = Field(default=None, max_length=32)
    escalations: int = Field(default=0)
    failed_attempts: int = Field(default=0)
    locked_until: datetime | None = _utc(nullable=True)  # type: ignore[assignment]


class CaseAccessRow(SQLModel, table=True):
    """Who handles a case, and who must never see it."""

    __tablename__ = "case_access"

    case_id: str = Field(primary_key=True, max_length=32)
    person_id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=16)


class CaseMessageRow(SQLModel, table=True):
    """A sealed message on a case."""

    __tablename__ = "case_message"

    id: str = Field(primary_key=True, max_length=32)
    case_id: str = Field(max_length=32, index=True)
    author: str = Field(max_length=16)
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class CaseAuditRow(SQLModel, table=True):
    """Append-only: every read and action on a case, by whom and when."""

    __tablename__ = "case_audit"

    id: str = Field(primary_key=True, max_length=32)
    case_id: str = Field(max_length=32, index=True)
    actor: str = Field(max_length=32)
    action: str = Field(max_length=60)
    at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class CampaignRow(SQLModel, table=True):
    """A survey sent to an audience between two days."""

    __tablename__ = "survey_campaign"

    id: str = Field(primary_key=True, max_length=32)
    survey_id: str = Field(max_length=64)
    audience: str = Field(max_length=200)
    opens_on: date
    closes_on: date
    closed: bool = Field(default=False)
    invited: bool = Field(default=False)
    reminded: bool = Field(default=False)
    definition: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ParticipantRow(SQLModel, table=True):
    """Who took part: a keyed hash of campaign and person only. No answers, no time."""

    __tablename__ = "survey_participant"

    key: str = Field(primary_key=True, max_length=64)
    campaign_id: str = Field(max_length=32, index=True)


class TallyRow(SQLModel, table=True):
    """How many chose a value: answers are only ever counts, never one person's row."""

    __tablename__ = "survey_tally"

    campaign_id: str = Field(primary_key=True, max_length=32)
    question_id: str = Field(primary_key=True, max_length=64)
    department: str = Field(primary_key=True, max_length=200)
    value: str = Field(primary_key=True, max_length=200)
    count: int = Field(default=0)


class CommentRow(SQLModel, table=True):
    """A sealed free-text answer: a random id, and the campaign's closing day as its date."""

    __tablename__ = "survey_comment"

    id: str = Field(primary_key=True, max_length=32)
    campaign_id: str = Field(max_length=32, index=True)
    question_id: str = Field(max_length=64)
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    day: date


class QuizCardRow(SQLModel, table=True):
    """Spaced-repetition state of one question for one person."""

    __tablename__ = "quiz_card"

    person_id: str = Field(primary_key=True, max_length=32)
    question_id: str = Field(primary_key=True, max_length=64)
    box: int
    due_at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class QuizAnswerRow(SQLModel, table=True):
    """One answer in one session: the key makes a double click count once."""

    __tablename__ = "quiz_answer"

    session_id: str = Field(primary_key=True, max_length=32)
    question_id: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(max_length=32, index=True)
    correct: bool
    at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class ModuleDoneRow(SQLModel, table=True):
    """A training module completed under a policy version."""

    __tablename__ = "module_done"

    person_id: str = Field(primary_key=True, max_length=32)
    module_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class AttestationRow(SQLModel, table=True):
    """ "I have read and understood version N", with who and when."""

    __tablename__ = "attestation"

    person_id: str = Field(primary_key=True, max_length=32)
    version: int = Field(primary_key=True)
    at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class TrainingReminderRow(SQLModel, table=True):
    """How many training reminders a person got for a policy version, and the last one."""

    __tablename__ = "training_reminder"

    person_id: str = Field(primary_key=True, max_length=32)
    version: int = Field(primary_key=True)
    count: int = Field(default=0)
    last_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]


class AnnouncementRow(SQLModel, table=True):
    """An announcement from HR, and where its broadcast stands."""

    __tablename__ = "announcement"

    id: str = Field(primary_key=True, max_length=16)
    title: str = Field(max_length=200)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    link: str = Field(default="", max_length=500)
    author_id: str = Field(max_length=32)
    created_at: datetime = _utc(nullable=False)  # type: ignore[assignment]
    policy_version: int | None = Field(default=None)
    ack_required: bool = Field(default=True)
    audience: str = Field(sa_column=Column(Text, nullable=False))  # JSON list
    status: str = Field(max_length=16, index=True)
    send_at: datetime | None = _utc(nullable=True, index=True)  # type: ignore[assignment]
    started_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    finished_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    revision: int = Field(default=1)
    kicked_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    progress_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    problem: str = Field(default="", max_length=300)
    action: str = Field(default="", max_length=300)  # JSON: an extra button, or ""


class RecipientRow(SQLModel, table=True):
    """One recipient of one announcement: the source of truth for its delivery."""

    __tablename__ = "announcement_recipient"
    __table_args__ = (
        UniqueConstraint("announcement_id", "person_id", name="uq_recipient"),
        Index("ix_recipient_work", "announcement_id", "state"),
    )

    id: str = Field(primary_key=True, max_length=32)
    announcement_id: str = Field(max_length=16)
    person_id: str = Field(max_length=32)
    platform: str = Field(default="", max_length=16)
    address: str = Field(default="", max_length=200)
    state: str = Field(max_length=16)  # pending, claimed, delivered, failed
    attempts: int = Field(default=0)
    lease_until: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    not_before: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    in_flight: bool = Field(default=False)  # a send was started and its outcome not recorded
    reason: str = Field(default="", max_length=64)
    message_ref: str = Field(default="", max_length=400)
    revision: int = Field(default=0)
    delivered_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    reminders: int = Field(default=0)
    reminded_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]


class AcknowledgementRow(SQLModel, table=True):
    """ "I have read it": who, which announcement, which policy version, when. Once."""

    __tablename__ = "announcement_ack"

    announcement_id: str = Field(primary_key=True, max_length=16)
    person_id: str = Field(primary_key=True, max_length=32)
    policy_version: int | None = Field(default=None)
    at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class TrainingRequiredRow(SQLModel, table=True):
    """The modules HR made required for a policy version."""

    __tablename__ = "training_required"

    version: int = Field(primary_key=True)
    modules: str = Field(sa_column=Column(Text, nullable=False))  # comma-separated ids
    set_by: str = Field(max_length=32)
    set_at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class DailyQuestionRow(SQLModel, table=True):
    """Who asked for a question of the day, and the last day one was sent."""

    __tablename__ = "daily_question"

    person_id: str = Field(primary_key=True, max_length=32)
    opted_in: bool = Field(default=True)
    last_day: date | None = Field(default=None)


class ManagerDigestRow(SQLModel, table=True):
    """The last list of overdue reports sent to a manager, per policy version."""

    __tablename__ = "manager_digest"

    manager_id: str = Field(primary_key=True, max_length=32)
    version: int = Field(primary_key=True)
    last_at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class SuggestionRow(SQLModel, table=True):
    """A suggestion on the policy. Anonymous ones have no person and only a day, like survey
    comments; the text is encrypted."""

    __tablename__ = "suggestion"

    id: str = Field(primary_key=True, max_length=32)
    section_id: str = Field(max_length=100, index=True)
    kind: str = Field(max_length=16)  # change, unclear
    box: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    person_id: str | None = Field(default=None, max_length=32)
    day: date = Field(index=True)
    version: int


class ReviewReminderRow(SQLModel, table=True):
    """The review reminder of a policy version, sent once."""

    __tablename__ = "review_reminder"

    version: int = Field(primary_key=True)
    at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class StoryRow(SQLModel, table=True):
    """A success story; its text is shown only once HR approved it."""

    __tablename__ = "story"

    id: str = Field(primary_key=True, max_length=16)
    author_id: str = Field(max_length=32, index=True)
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    link: str = Field(default="", max_length=500)
    share_ok: bool = Field(default=True)
    status: str = Field(max_length=16, index=True)
    reason: str = Field(default="", max_length=500)
    created_at: datetime = _utc(nullable=False)  # type: ignore[assignment]
    decided_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]


class RoundRow(SQLModel, table=True):
    """A recognition round."""

    __tablename__ = "recognition_round"

    id: str = Field(primary_key=True, max_length=16)
    title: str = Field(max_length=200)
    entries: str = Field(sa_column=Column(Text, nullable=False))  # comma-separated story ids
    opened_at: datetime = _utc(nullable=False)  # type: ignore[assignment]
    closes_at: datetime = _utc(nullable=False)  # type: ignore[assignment]
    closed: bool = Field(default=False)
    winner_id: str | None = Field(default=None, max_length=16)


class VoteRow(SQLModel, table=True):
    """One person's vote in one round (changeable until the round closes)."""

    __tablename__ = "vote"

    round_id: str = Field(primary_key=True, max_length=16)
    person_id: str = Field(primary_key=True, max_length=32)
    story_id: str = Field(max_length=16)
    at: datetime = _utc(nullable=False)  # type: ignore[assignment]


class SignInRow(SQLModel, table=True):
    """A one-time link to the dashboard: the keyed hash of its token, whose, until when."""

    __tablename__ = "sign_in"

    token_hash: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(max_length=32)
    expires_at: datetime = _utc(nullable=False, index=True)  # type: ignore[assignment]


class FaqChangeRow(SQLModel, table=True):
    """HR's change to the FAQ from the dashboard: a new phrasing of an entry, or a new entry
    (its question in `text`, the rest alongside). Retired, never deleted: the history."""

    __tablename__ = "faq_change"

    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=16)
    faq_id: str = Field(max_length=100, index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    section: str = Field(default="", max_length=100)
    phrasings: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    source: str = Field(default="", max_length=100)
    author_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = _utc(nullable=False)  # type: ignore[assignment]
    retired_at: datetime | None = _utc(nullable=True)  # type: ignore[assignment]
    retired_by: str | None = Field(default=None, max_length=32)


class IntakeTokenRow(SQLModel, table=True):
    """A single-use link to the anonymous web intake: the keyed hash of its token and until
    when it works; no person, no time it was made."""

    __tablename__ = "intake_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = _utc(nullable=False, index=True)  # type: ignore[assignment]
