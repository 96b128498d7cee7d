"""The core's ports: what it needs from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from bot.faqstore import FaqChanges, FaqLog
from bot.messages import ConversationRef, Notification, Reply, UserRef
from bot.model import (
    Announcement,
    BroadcastFigures,
    Campaign,
    Case,
    CaseMessage,
    Flow,
    Person,
    QuizCard,
    Role,
    Round,
    Story,
    Ticket,
)
from bot.signins import SignIns


class StoreUnavailable(Exception):
    """The database could not be reached; nothing was written."""


class Conflict(Exception):
    """A concurrent change won (a unique key already taken); nothing was written."""


class Clock(Protocol):
    """Tells the time (UTC, timezone-aware)."""

    def now(self) -> datetime: ...


class Outbox(Protocol):
    """Notifications written with the change that causes them, delivered after commit."""

    async def add(self, notification: Notification) -> None: ...

    async def reply(
        self, conversation: ConversationRef, replies: Sequence[Reply], delivery_id: str
    ) -> None:
        """The replies to a recorded message, to be posted where it was written."""
        ...


class Inbox(Protocol):
    """Messages recorded before they were acknowledged, waiting to be answered."""

    async def done(self, delivery_ids: Sequence[str]) -> None:
        """These messages are answered (or were repeats): remove them, with this commit."""
        ...


class Cipher(Protocol):
    """Encryption at rest and keyed hashes, with the installation's secret key."""

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes: ...

    def decrypt(self, token: bytes, context: bytes) -> bytes: ...

    def keyed_hash(self, *parts: str) -> str: ...

    def seal(self, plaintext: bytes, context: bytes) -> bytes: ...

    def open(self, token: bytes, context: bytes) -> bytes: ...

    def slow_hash(self, secret: str) -> str: ...

    def slow_verify(self, hashed: str, secret: str) -> bool: ...


class People(Protocol):
    """The directory: who people are, their roles and managers."""

    async def get(self, person_id: str) -> Person | None: ...

    async def by_email(self, email: str) -> Person | None: ...

    async def by_user(self, user: UserRef) -> Person | None: ...

    async def load(self, users: Sequence[UserRef]) -> None:
        """Read these users' entries in one go: `by_user` for them then costs no query."""
        ...

    async def with_role(self, role: Role) -> Sequence[Person]: ...

    async def all(self) -> Sequence[Person]: ...

    async def save(self, person: Person) -> None: ...


class Tickets(Protocol):
    """Questions sent to HR."""

    async def add(self, ticket: Ticket) -> None: ...

    async def get(self, ticket_id: str) -> Ticket | None: ...

    async def by_ref(self, ref: str) -> Ticket | None: ...

    async def open(self) -> Sequence[Ticket]: ...

    async def answered(self, limit: int) -> Sequence[Ticket]:
        """The latest answered questions, newest first."""
        ...

    async def save(self, ticket: Ticket) -> None: ...


class Conversations(Protocol):
    """Per-user conversation state (the flow a user is in)."""

    async def flow(self, user: UserRef) -> Flow | None: ...

    async def load(self, users: Sequence[UserRef]) -> None:
        """Read these users' flows in one go: `flow` for them then costs no query."""
        ...

    async def set_flow(self, user: UserRef, flow: Flow | None) -> None: ...


class Cases(Protocol):
    """Backlash reports, who may see them, their messages and their audit trail."""

    async def add(self, case: Case) -> None: ...

    async def get(self, case_id: str) -> Case | None: ...

    async def by_receipt(self, receipt_id: str) -> Case | None: ...

    async def by_ref(self, ref: str) -> Case | None: ...

    async def handled_by(self, person_id: str | None) -> Sequence[Case]:
        """Unresolved cases `person_id` is a handler of (every one for None), oldest due first."""
        ...

    async def of_reporter(self, reporter_key: str) -> Sequence[Case]: ...

    async def save(self, case: Case) -> None: ...

    async def grant(self, case_id: str, person_id: str, kind: str) -> None: ...

    async def access(self, case_id: str) -> dict[str, str]: ...

    async def add_message(self, message: CaseMessage) -> None: ...

    async def messages(self, case_id: str) -> Sequence[CaseMessage]: ...

    async def audit(self, case_id: str, actor: str, action: str, at: datetime) -> None: ...

    async def trail(self, case_id: str) -> Sequence[tuple[datetime, str, str]]:
        """The case's audit trail, oldest first: (when, who, what)."""
        ...

    async def due(self, now: datetime) -> Sequence[Case]: ...

    async def purge(self, before: datetime) -> int: ...

    async def step(
        self,
        case_id: str,
        escalations: int,
        ack_due: datetime | None = None,
        feedback_due: datetime | None = None,
    ) -> bool: ...

    async def all(self) -> Sequence[Case]: ...


class Campaigns(Protocol):
    """Survey campaigns, the participation register, and anonymous answers.

    Answers are kept as counts per question, department and value, so no row stands for one
    person; free-text comments are sealed rows with random ids and the campaign's close day.
    """

    async def add(self, campaign: Campaign) -> None: ...

    async def get(self, campaign_id: str) -> Campaign | None: ...

    async def all(self) -> Sequence[Campaign]: ...

    async def save(self, campaign: Campaign) -> None: ...

    async def flag(self, campaign_id: str, name: str) -> bool: ...

    async def took_part(self, key: str) -> bool: ...

    async def register(self, campaign_id: str, key: str) -> None: ...

    async def participants(self, campaign_id: str) -> int: ...

    async def count(self, campaign_id: str, question: str, department: str, value: str) -> None: ...

    async def comment(self, campaign_id: str, question: str, box: bytes, day: date) -> None: ...

    async def tallies(self, campaign_id: str) -> Sequence[tuple[str, str, str, int]]: ...

    async def comments(self, campaign_id: str) -> Sequence[tuple[str, bytes]]: ...


class Training(Protocol):
    """Quiz progress: spaced-repetition cards, answers, module completions, attestations."""

    async def cards(self, person_id: str) -> Sequence[QuizCard]: ...

    async def save_card(self, card: QuizCard) -> None: ...

    async def answer(
        self, session_id: str, question_id: str, person_id: str, correct: bool, at: datetime
    ) -> bool: ...

    async def completed(self, person_id: str) -> dict[str, set[int]]: ...

    async def complete(
        self, person_id: str, module_id: str, version: int, at: datetime
    ) -> None: ...

    async def attested(self, person_id: str, version: int) -> bool: ...

    async def attest(self, person_id: str, version: int, at: datetime) -> None: ...

    async def attestations(self, version: int) -> dict[str, datetime]: ...

    async def everyone_completed(self) -> dict[str, dict[str, set[int]]]: ...

    async def miss_rates(
        self, people: Collection[str] | None = None
    ) -> dict[str, tuple[int, int]]: ...

    async def reminders(self, person_id: str, version: int) -> tuple[int, datetime | None]: ...

    async def reminded(self, person_id: str, version: int, at: datetime, seen: int) -> bool: ...

    async def required_sets(self) -> dict[int, frozenset[str]]: ...

    async def set_required(
        self, version: int, modules: frozenset[str], by: str, at: datetime
    ) -> None: ...

    async def daily(self, person_id: str) -> bool: ...

    async def set_daily(self, person_id: str, on: bool) -> None: ...

    async def daily_due(self, today: date) -> Sequence[str]: ...

    async def daily_sent(self, person_id: str, today: date) -> bool: ...

    async def digest(self, manager_id: str, version: int) -> datetime | None: ...

    async def digested(
        self, manager_id: str, version: int, at: datetime, seen: datetime | None
    ) -> bool: ...


class Deliveries(Protocol):
    """Platform deliveries already handled, so retries and duplicates are handled once."""

    async def first(self, delivery_id: str) -> bool:
        """Record a delivery; True if it had not been recorded before."""
        ...

    async def seen(self, delivery_ids: Sequence[str]) -> set[str]:
        """Which of these deliveries are already recorded (nothing is recorded)."""
        ...

    async def record(self, delivery_ids: Sequence[str]) -> set[str]:
        """Record these deliveries in one go; the ones that had not been recorded before."""
        ...


class Announcements(Protocol):
    """Announcements, their acknowledgements and reminders (deliveries are the engine's)."""

    async def add(self, announcement: Announcement) -> None: ...

    async def get(self, announcement_id: str) -> Announcement | None: ...

    async def recent(self, limit: int = 10) -> Sequence[Announcement]: ...

    async def save(self, announcement: Announcement) -> None: ...

    async def acknowledge(
        self, announcement_id: str, person_id: str, version: int | None, at: datetime
    ) -> bool: ...

    async def acknowledged(self, announcement_id: str, person_id: str) -> bool: ...

    async def figures(self, announcement_id: str, now: datetime) -> BroadcastFigures: ...

    async def unacknowledged(
        self, announcement_id: str
    ) -> Sequence[tuple[str, datetime, int, datetime | None]]: ...

    async def reminded(self, announcement_id: str, person_id: str, at: datetime) -> bool: ...

    async def recipients(self, announcement_id: str) -> Sequence[dict[str, Any]]: ...

    async def reached(self, announcement_id: str) -> dict[str, bool]:
        """The people it was delivered to (not channels), and whether each acknowledged it."""
        ...


class Suggestions(Protocol):
    """Suggestions on the policy (anonymous ones with no person), and the review reminder."""

    async def add(
        self,
        section_id: str,
        kind: str,
        box: bytes,
        person_id: str | None,
        day: date,
        version: int,
    ) -> None: ...

    async def since(self, day: date) -> Sequence[tuple[str, str, bytes, str | None]]: ...

    async def review_reminded(self, version: int, at: datetime) -> bool:
        """True the first time only: the review reminder of `version` goes out once."""
        ...


class Stories(Protocol):
    """Success stories, recognition rounds and their votes."""

    async def add(self, story: Story) -> None: ...

    async def get(self, story_id: str) -> Story | None: ...

    async def save(self, story: Story) -> None: ...

    async def with_status(self, status: str) -> Sequence[Story]: ...

    async def all(self) -> Sequence[Story]: ...

    async def add_round(self, round_: Round) -> None: ...

    async def round(self, round_id: str) -> Round | None: ...

    async def rounds(self) -> Sequence[Round]: ...

    async def save_round(self, round_: Round) -> None: ...

    async def vote(self, round_id: str, person_id: str, story_id: str, at: datetime) -> bool:
        """Record or change a vote; True when it was a change of mind."""
        ...

    async def votes(self, round_id: str) -> dict[str, int]: ...


class UnitOfWork(Protocol):
    """One transaction over every repository; rolls back unless committed."""

    people: People
    tickets: Tickets
    conversations: Conversations
    faq_log: FaqLog
    deliveries: Deliveries
    cases: Cases
    campaigns: Campaigns
    training: Training
    announcements: Announcements
    suggestions: Suggestions
    stories: Stories
    sign_ins: SignIns
    faq_changes: FaqChanges
    outbox: Outbox
    inbox: Inbox

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class Store(Protocol):
    """Opens units of work."""

    def __call__(self) -> UnitOfWork: ...
