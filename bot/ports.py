"""The core's ports: what it needs from the outside world, as Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from bot.features.announcements.ports import Announcements
from bot.features.askhr.ports import Tickets
from bot.features.dashboard.signins import SignIns
from bot.features.faq.store import FaqChanges, FaqLog
from bot.features.reports.ports import Cases
from bot.features.reports.tokens import IntakeTokens
from bot.features.stories.ports import Stories
from bot.features.suggestions.ports import Suggestions
from bot.features.surveys.ports import Campaigns
from bot.features.training.ports import Training
from bot.messages import ConversationRef, Notification, Reply, UserRef
from bot.model import Flow, Person, Role


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


class Conversations(Protocol):
    """Per-user conversation state (the flow a user is in)."""

    async def flow(self, user: UserRef) -> Flow | None: ...

    async def load(self, users: Sequence[UserRef]) -> None:
        """Read these users' flows in one go: `flow` for them then costs no query."""
        ...

    async def set_flow(self, user: UserRef, flow: Flow | None) -> None: ...


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


R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class RepositoryKey(Generic[R]):
    """Names the repository port of a feature that brings its own, so that it needs no
    property here: the feature declares `KEY: RepositoryKey[Port] = RepositoryKey("name")`
    beside its port, its storage module declares `REPOSITORIES = {KEY: Implementation}`, and
    the feature reads `uow.repository(KEY)`."""

    name: str


class UnitOfWork(Protocol):
    """One transaction over every repository; rolls back unless committed. The repositories
    are read-only: an implementation may hold any subtype of each port."""

    @property
    def people(self) -> People: ...

    @property
    def tickets(self) -> Tickets: ...

    @property
    def conversations(self) -> Conversations: ...

    @property
    def faq_log(self) -> FaqLog: ...

    @property
    def deliveries(self) -> Deliveries: ...

    @property
    def cases(self) -> Cases: ...

    @property
    def campaigns(self) -> Campaigns: ...

    @property
    def training(self) -> Training: ...

    @property
    def announcements(self) -> Announcements: ...

    @property
    def suggestions(self) -> Suggestions: ...

    @property
    def stories(self) -> Stories: ...

    @property
    def sign_ins(self) -> SignIns: ...

    @property
    def faq_changes(self) -> FaqChanges: ...

    @property
    def intake_tokens(self) -> IntakeTokens: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def inbox(self) -> Inbox: ...

    def repository(self, key: RepositoryKey[R]) -> R:
        """The repository registered under `key`, in this unit of work's transaction."""
        ...

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
