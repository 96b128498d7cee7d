"""In-memory fakes of the core's ports for unit tests; they satisfy the Protocols in bot.ports."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar, cast

from bot.features.askhr.model import Ticket, TicketStatus
from bot.features.faq.store import FaqChange
from bot.messages import ConversationRef, Notification, Reply, UserRef
from bot.model import Flow, Person, Role, new_id
from bot.ports import RepositoryKey, Store, StoreUnavailable, UnitOfWork
from tests.fakes_announcements import FakeAnnouncements, FakeStories
from tests.fakes_cipher import FakeCipher as FakeCipher
from tests.fakes_features import FakeCampaigns, FakeCases, FakeTraining, FeatureData

R = TypeVar("R")


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


class NoticeLog:
    """Listens to a store: every notification a commit made durable, in order."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def __call__(self, notes: Sequence[Notification]) -> None:
        self.sent.extend(notes)


class Data:
    """Committed state shared by every unit of work of one FakeStore."""

    def __init__(self) -> None:
        self.people: dict[str, Person] = {}
        self.tickets: dict[str, Ticket] = {}
        self.flows: dict[str, Flow] = {}
        self.answers: dict[str, tuple[str, float, date, bool | None]] = {}
        self.unanswered: list[tuple[str, date]] = []
        self.deliveries: set[str] = set()
        self.outbox: list[Notification] = []
        self.inbox: set[str] = set()  # recorded deliveries not answered yet
        self.replies: dict[str, tuple[ConversationRef, list[Reply]]] = {}
        self.sign_ins: dict[str, tuple[str, datetime]] = {}  # token hash -> person, expiry
        self.faq_changes: list[FaqChange] = []
        self.suggestions: list[tuple[str, str, bytes, str | None, date, int]] = []
        self.reviews_reminded: set[int] = set()
        self.intake_tokens: dict[str, datetime] = {}  # token hash -> expiry
        self.registered: dict[str, Any] = {}  # the state of features' registered fakes
        self.features = FeatureData()


class FakePeople:
    def __init__(self, data: Data) -> None:
        self.data = data

    async def get(self, person_id: str) -> Person | None:
        return self.data.people.get(person_id)

    async def by_email(self, email: str) -> Person | None:
        return next((p for p in self.data.people.values() if p.email == email.lower()), None)

    async def by_user(self, user: UserRef) -> Person | None:
        for p in self.data.people.values():
            if user.platform == "console" and p.email == user.id.lower():
                return p
            if user.platform != "console" and p.account(user.platform) == user.id:
                return p
        return None

    async def load(self, users: Sequence[UserRef]) -> None:
        return None  # everything is in memory already

    async def with_role(self, role: Role) -> Sequence[Person]:
        return [p for p in self.data.people.values() if role in p.roles]

    async def all(self) -> Sequence[Person]:
        return list(self.data.people.values())

    async def save(self, person: Person) -> None:
        self.data.people[person.id] = person


class FakeTickets:
    def __init__(self, data: Data) -> None:
        self.data = data

    async def add(self, ticket: Ticket) -> None:
        self.data.tickets[ticket.id] = ticket

    async def get(self, ticket_id: str) -> Ticket | None:
        return self.data.tickets.get(ticket_id)

    async def by_ref(self, ref: str) -> Ticket | None:
        return next((t for t in self.data.tickets.values() if t.ref == ref), None)

    async def open(self) -> Sequence[Ticket]:
        live = (TicketStatus.OPEN, TicketStatus.ASSIGNED)
        return [t for t in self.data.tickets.values() if t.status in live]

    async def answered(self, limit: int) -> Sequence[Ticket]:
        done = [t for t in self.data.tickets.values() if t.answer is not None]
        done.sort(key=lambda t: t.answered_at or t.created_at, reverse=True)
        return done[:limit]

    async def save(self, ticket: Ticket) -> None:
        self.data.tickets[ticket.id] = ticket


class FakeConversations:
    def __init__(self, data: Data) -> None:
        self.data = data

    async def flow(self, user: UserRef) -> Flow | None:
        flow = self.data.flows.get(f"{user.platform}:{user.id}")
        return copy.deepcopy(flow)

    async def load(self, users: Sequence[UserRef]) -> None:
        return None  # everything is in memory already

    async def set_flow(self, user: UserRef, flow: Flow | None) -> None:
        key = f"{user.platform}:{user.id}"
        if flow is None:
            self.data.flows.pop(key, None)
        else:
            self.data.flows[key] = copy.deepcopy(flow)


class FakeFaqLog:
    def __init__(self, data: Data) -> None:
        self.data = data

    async def answered(self, faq_id: str, score: float, day: date) -> str:
        answer_id = new_id()
        self.data.answers[answer_id] = (faq_id, score, day, None)
        return answer_id

    async def feedback(self, answer_id: str, helpful: bool) -> bool:
        if answer_id not in self.data.answers:
            return False
        faq_id, score, day, _ = self.data.answers[answer_id]
        self.data.answers[answer_id] = (faq_id, score, day, helpful)
        return True

    async def unanswered(self, text: str, day: date) -> None:
        self.data.unanswered.append((text, day))

    async def since(self, day: date) -> tuple[list[str], dict[str, int]]:
        unhelpful: dict[str, int] = {}
        for faq_id, _, d, helpful in self.data.answers.values():
            if d >= day and helpful is False:
                unhelpful[faq_id] = unhelpful.get(faq_id, 0) + 1
        return [t for t, d in self.data.unanswered if d >= day], unhelpful

    async def tallies(self, day: date) -> dict[str, tuple[int, int, int]]:
        found: dict[str, tuple[int, int, int]] = {}
        for faq_id, _, d, helpful in self.data.answers.values():
            if d >= day:
                n, yes, no = found.get(faq_id, (0, 0, 0))
                found[faq_id] = (n + 1, yes + (helpful is True), no + (helpful is False))
        return found

    async def unanswered_since(self, day: date, limit: int) -> Sequence[tuple[str, date]]:
        recent = [(t, d) for t, d in reversed(self.data.unanswered) if d >= day]
        return sorted(recent, key=lambda item: item[1], reverse=True)[:limit]


class FakeSuggestions:
    def __init__(self, data: Data) -> None:
        self.data = data

    async def add(
        self,
        section_id: str,
        kind: str,
        box: bytes,
        person_id: str | None,
        day: date,
        version: int,
    ) -> None:
        self.data.suggestions.append((section_id, kind, box, person_id, day, version))

    async def since(self, day: date) -> Sequence[tuple[str, str, bytes, str | None]]:
        return [(s, k, b, p) for s, k, b, p, d, _ in self.data.suggestions if d >= day]

    async def review_reminded(self, version: int, at: datetime) -> bool:
        first = version not in self.data.reviews_reminded
        self.data.reviews_reminded.add(version)
        return first


class FakeFaqChanges:
    def __init__(self, data: Data) -> None:
        self.data = data

    async def add(self, change: FaqChange) -> None:
        self.data.faq_changes.append(change)

    async def all(self) -> Sequence[FaqChange]:
        return list(self.data.faq_changes)

    async def retire(self, change_id: str, by: str, at: datetime) -> bool:
        for n, c in enumerate(self.data.faq_changes):
            if c.id == change_id and c.retired_at is None:
                self.data.faq_changes[n] = replace(c, retired_at=at, retired_by=by)
                return True
        return False

    async def stamp(self) -> str:
        changes = self.data.faq_changes
        return f"{len(changes)}:{sum(c.retired_at is not None for c in changes)}"


class FakeDeliveries:
    def __init__(self, data: Data) -> None:
        self.data = data

    async def first(self, delivery_id: str) -> bool:
        if delivery_id in self.data.deliveries:
            return False
        self.data.deliveries.add(delivery_id)
        return True

    async def seen(self, delivery_ids: Sequence[str]) -> set[str]:
        return {d for d in delivery_ids if d in self.data.deliveries}

    async def record(self, delivery_ids: Sequence[str]) -> set[str]:
        new = set(delivery_ids) - self.data.deliveries
        self.data.deliveries |= new
        return new


class FakeOutbox:
    def __init__(self, data: Data) -> None:
        self.data = data
        self.added: list[Notification] = []

    async def add(self, notification: Notification) -> None:
        self.data.outbox.append(notification)
        self.added.append(notification)

    async def reply(
        self, conversation: ConversationRef, replies: Sequence[Reply], delivery_id: str
    ) -> None:
        self.data.replies[delivery_id] = (conversation, list(replies))


class FakeInbox:
    def __init__(self, data: Data) -> None:
        self.data = data

    async def done(self, delivery_ids: Sequence[str]) -> None:
        for d in delivery_ids:
            self.data.inbox.discard(d)


class FakeSignIns:
    def __init__(self, data: Data) -> None:
        self.data = data

    async def add(self, token_hash: str, person_id: str, expires_at: datetime) -> None:
        self.data.sign_ins[token_hash] = (person_id, expires_at)

    async def forget(self, before: datetime) -> int:
        old = [h for h, (_, at) in self.data.sign_ins.items() if at < before]
        for h in old:
            del self.data.sign_ins[h]
        return len(old)

    async def take(self, token_hash: str, now: datetime) -> str | None:
        person_id, expires_at = self.data.sign_ins.pop(token_hash, ("", now))
        return person_id if person_id and expires_at > now else None


class FakeIntakeTokens:
    def __init__(self, data: Data) -> None:
        self.data = data

    async def add(self, token_hash: str, expires_at: datetime) -> None:
        self.data.intake_tokens[token_hash] = expires_at

    async def forget(self, before: datetime) -> int:
        old = [h for h, at in self.data.intake_tokens.items() if at < before]
        for h in old:
            del self.data.intake_tokens[h]
        return len(old)

    async def usable(self, token_hash: str, now: datetime) -> bool:
        expires_at = self.data.intake_tokens.get(token_hash)
        return expires_at is not None and expires_at > now

    async def take(self, token_hash: str, now: datetime) -> bool:
        expires_at = self.data.intake_tokens.pop(token_hash, None)
        return expires_at is not None and expires_at > now


class FakeUnitOfWork:
    """Works on a copy of the committed data; commit publishes it, exit without commit drops it."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def __aenter__(self) -> Self:
        if self.store.down:
            raise StoreUnavailable("down")
        self.data = copy.deepcopy(self.store.data)
        self.people = FakePeople(self.data)
        self.tickets = FakeTickets(self.data)
        self.conversations = FakeConversations(self.data)
        self.faq_log = FakeFaqLog(self.data)
        self.deliveries = FakeDeliveries(self.data)
        self.outbox = FakeOutbox(self.data)
        self.inbox = FakeInbox(self.data)
        self.sign_ins = FakeSignIns(self.data)
        self.faq_changes = FakeFaqChanges(self.data)
        self.suggestions = FakeSuggestions(self.data)
        self.intake_tokens = FakeIntakeTokens(self.data)
        self.cases = FakeCases(self.data.features)
        self.campaigns = FakeCampaigns(self.data.features)
        self.training = FakeTraining(self.data.features)
        self.announcements = FakeAnnouncements(self.data.features)
        self.stories = FakeStories(self.data.features)
        return self

    def repository(self, key: RepositoryKey[R]) -> R:
        try:
            return cast(R, self.store.repositories[key.name](self.data))
        except KeyError:
            raise LookupError(f"no fake is declared as {key.name!r}") from None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        if self.store.down or self.store.fail_commit:
            raise StoreUnavailable("down")
        self.store.data = copy.deepcopy(self.data)
        self.store.commits += 1
        added, self.outbox.added = self.outbox.added, []
        for listener in self.store.listeners:
            listener(added)


class FakeStore:
    def __init__(self) -> None:
        self.data = Data()
        self.down = False
        self.fail_commit = False  # the store accepts work but the commit fails
        self.commits = 0
        self.listeners: list[Callable[[Sequence[Notification]], None]] = []
        self.repositories: dict[str, Callable[[Data], Any]] = {}

    def declare(self, key: RepositoryKey[R], make: Callable[[Data], R]) -> None:
        """A feature's fake of its own repository port, made on each unit of work's data
        (it keeps its state in `data.registered[key.name]`, so commit and rollback hold)."""
        self.repositories[key.name] = make

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


def _conforms(unit: FakeUnitOfWork, store: FakeStore) -> tuple[UnitOfWork, Store]:
    """mypy holds the fakes to the ports: this fails to type-check if one falls behind."""
    return unit, store
