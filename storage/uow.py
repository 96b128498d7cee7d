"""Repositories and the SQL unit of work behind the core's ports."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Row
from sqlalchemy import exc as sa_exc
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import Notification, UserRef
from bot.model import Flow, Person, Role, Ticket, TicketStatus
from bot.ports import Cipher, Conflict, StoreUnavailable
from storage.announcements import SqlAnnouncements
from storage.campaigns import SqlCampaigns
from storage.cases import SqlCases
from storage.faq import SqlFaqChanges, SqlFaqLog
from storage.inbox import SqlInbox
from storage.intake import SqlIntakeTokens
from storage.outbox import SqlOutbox
from storage.signins import SqlSignIns
from storage.stories import SqlStories
from storage.suggestions import SqlSuggestions
from storage.tables import (
    ConversationRow,
    IdentityRow,
    PersonRow,
    SeenEventRow,
    TicketRow,
    aware,
)
from storage.training import SqlTraining

_PEOPLE = PersonRow.__table__  # type: ignore[attr-defined]
_IDS = IdentityRow.__table__  # type: ignore[attr-defined]
_COLUMNS = ("id", "display_name", "email", "department", "manager_id", "timezone", "roles")
# A platform's users, each with every account of theirs (one row per account).
_BY_ACCOUNT = sa_select(
    *(_PEOPLE.c[n] for n in _COLUMNS), _IDS.c.platform, _IDS.c.user_id
).select_from(_PEOPLE.join(_IDS, _IDS.c.person_id == _PEOPLE.c.id))
_ACCOUNTS = sa_select(_IDS.c.person_id, _IDS.c.platform, _IDS.c.user_id)
_STATE = ConversationRow.__table__  # type: ignore[attr-defined]
_FLOW = sa_select(_STATE.c.user_key, _STATE.c.flow, _STATE.c.step, _STATE.c.data)

_SEEN = SeenEventRow.__table__  # type: ignore[attr-defined]
_SEEN_PG = postgresql.insert(_SEEN).on_conflict_do_nothing()
_SEEN_SQLITE = sqlite.insert(_SEEN).on_conflict_do_nothing()

_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    OSError,
    TimeoutError,
)


def unavailable(error: BaseException) -> bool:
    """True when `error` means the database could not be reached (worth a retry later)."""
    return isinstance(error, _UNAVAILABLE)


def _person(row: PersonRow | Row[Any], accounts: dict[str, str] | None = None) -> Person:
    roles = frozenset(Role(r) for r in row.roles.split(",") if r in Role.__members__.values())
    return Person(
        id=row.id,
        display_name=row.display_name,
        email=row.email,
        department=row.department,
        manager_id=row.manager_id,
        timezone=row.timezone,
        roles=roles or frozenset({Role.EMPLOYEE}),
        accounts=dict(accounts or {}),
    )


class SqlPeople:
    """The directory in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Rows this transaction read per platform user (None: nobody); a save drops the saved
        # person's rows and the nobodies, which it may have turned into somebody.
        # Each call builds a fresh Person, so a caller's changes stay its own until saved.
        self._rows: dict[UserRef, Person | None] = {}

    async def _accounts(self, person_ids: Sequence[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for chunk in range(0, len(person_ids), 500):
            ids = list(person_ids[chunk : chunk + 500])
            rows = await self.session.exec(  # type: ignore[call-overload]
                _ACCOUNTS.where(_IDS.c.person_id.in_(ids))
            )
            for person_id, platform, user_id in rows:
                found.setdefault(person_id, {})[platform] = user_id
        return found

    async def _people(self, rows: Sequence[PersonRow]) -> list[Person]:
        accounts = await self._accounts([r.id for r in rows])
        return [_person(r, accounts.get(r.id)) for r in rows]

    async def get(self, person_id: str) -> Person | None:
        row = await self.session.get(PersonRow, person_id)
        return (await self._people([row]))[0] if row else None

    async def by_email(self, email: str) -> Person | None:
        rows = await self.session.exec(select(PersonRow).where(PersonRow.email == email.lower()))
        row = rows.first()
        return (await self._people([row]))[0] if row else None

    async def by_user(self, user: UserRef) -> Person | None:
        if user not in self._rows:
            await self.load([user])
        found = self._rows.get(user)
        # A copy each time: the caller's changes stay its own until saved.
        return replace(found, accounts=dict(found.accounts)) if found else None

    async def load(self, users: Sequence[UserRef]) -> None:
        wanted: dict[str, set[str]] = {}
        for user in users:
            if user not in self._rows:
                wanted.setdefault(user.platform, set()).add(user.id)
        for platform, ids in wanted.items():
            found: dict[str, Person] = {}
            if platform == "console":  # the terminal chat's users are their email addresses
                rows = list(
                    await self.session.exec(
                        select(PersonRow).where(col(PersonRow.email).in_([i.lower() for i in ids]))
                    )
                )
                found = {str(p.email): p for p in await self._people(rows)}
            else:
                # Plain rows, not ORM objects, in one query: this runs for every message.
                mine = sa_select(_IDS.c.person_id).where(
                    _IDS.c.platform == platform, _IDS.c.user_id.in_(sorted(ids))
                )
                rows = await self.session.exec(  # type: ignore[call-overload]
                    _BY_ACCOUNT.where(_PEOPLE.c.id.in_(mine))
                )
                people: dict[str, Person] = {}
                for row in rows:
                    person = people.setdefault(row.id, _person(row))
                    person.accounts[row.platform] = row.user_id
                found = {p.accounts[platform]: p for p in people.values()}
            for user_id in ids:
                key = user_id.lower() if platform == "console" else user_id
                self._rows[UserRef(platform, user_id)] = found.get(key)

    async def with_role(self, role: Role) -> Sequence[Person]:
        rows = await self.session.exec(
            select(PersonRow)
            .where(col(PersonRow.roles).contains(role.value))
            .order_by(PersonRow.id)
        )
        return [p for p in await self._people(list(rows)) if role in p.roles]

    async def all(self) -> Sequence[Person]:
        rows = await self.session.exec(select(PersonRow).order_by(PersonRow.display_name))
        return await self._people(list(rows))

    async def save(self, person: Person) -> None:
        row = await self.session.get(PersonRow, person.id) or PersonRow(
            id=person.id, display_name=person.display_name
        )
        row.display_name = person.display_name
        row.email = person.email.lower() if person.email else None
        row.department = person.department
        row.manager_id = person.manager_id
        row.timezone = person.timezone
        row.roles = ",".join(sorted(r.value for r in person.roles))
        self.session.add(row)
        held = (await self._accounts([person.id])).get(person.id, {})
        for platform, user_id in person.accounts.items():
            if held.get(platform) == user_id:
                continue
            account = await self.session.get(IdentityRow, (person.id, platform))
            account = account or IdentityRow(person_id=person.id, platform=platform, user_id="")
            account.user_id = user_id
            self.session.add(account)
        await self.session.flush()
        for user, cached in list(self._rows.items()):
            if cached is None or cached.id == person.id:
                del self._rows[user]  # read again when asked: this save may have changed it


def _ticket(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        ref=row.ref,
        asker_id=row.asker_id,
        question=row.question,
        status=TicketStatus(row.status),
        created_at=aware(row.created_at) or row.created_at,
        assignee_id=row.assignee_id,
        answer=row.answer,
        answered_at=aware(row.answered_at),
    )


class SqlTickets:
    """Questions for HR in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, ticket: Ticket) -> None:
        await self.save(ticket)

    async def get(self, ticket_id: str) -> Ticket | None:
        row = await self.session.get(TicketRow, ticket_id)
        return _ticket(row) if row else None

    async def by_ref(self, ref: str) -> Ticket | None:
        row = (await self.session.exec(select(TicketRow).where(TicketRow.ref == ref))).first()
        return _ticket(row) if row else None

    async def open(self) -> Sequence[Ticket]:
        rows = await self.session.exec(
            select(TicketRow)
            .where(col(TicketRow.status).in_([TicketStatus.OPEN, TicketStatus.ASSIGNED]))
            .order_by(col(TicketRow.created_at))
        )
        return [_ticket(r) for r in rows]

    async def answered(self, limit: int) -> Sequence[Ticket]:
        rows = await self.session.exec(
            select(TicketRow)
            .where(col(TicketRow.answer).is_not(None))
            .order_by(col(TicketRow.answered_at).desc())
            .limit(limit)
        )
        return [_ticket(r) for r in rows]

    async def save(self, ticket: Ticket) -> None:
        row = await self.session.get(TicketRow, ticket.id) or TicketRow(
            id=ticket.id,
            ref=ticket.ref,
            asker_id=ticket.asker_id,
            question=ticket.question,
            status=ticket.status.value,
            created_at=ticket.created_at,
        )
        row.status = ticket.status.value
        row.assignee_id = ticket.assignee_id
        row.answer = ticket.answer
        row.answered_at = ticket.answered_at
        self.session.add(row)
        await self.session.flush()


def _key(user: UserRef) -> str:
    return f"{user.platform}:{user.id}"


class SqlConversations:
    """Conversation state in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # What this transaction read or wrote per user, as stored (name, step, JSON data), or
        # None for no flow: most messages ask twice, and the second costs no query. Each
        # call still returns a fresh Flow, so a caller's changes stay its own until saved.
        self._seen: dict[str, tuple[str, str, str] | None] = {}

    async def flow(self, user: UserRef) -> Flow | None:
        key = _key(user)
        if key not in self._seen:
            await self.load([user])
        stored = self._seen[key]
        return Flow(stored[0], stored[1], json.loads(stored[2])) if stored else None

    async def load(self, users: Sequence[UserRef]) -> None:
        keys = sorted({_key(u) for u in users} - self._seen.keys())
        if not keys:
            return
        # Plain rows, not ORM objects: this runs for every message.
        query = _FLOW.where(_STATE.c.user_key.in_(keys))
        rows = {r.user_key: r for r in await self.session.exec(query)}  # type: ignore[call-overload]
        for key in keys:
            found = rows.get(key)
            self._seen[key] = (found.flow, found.step, found.data) if found else None

    async def set_flow(self, user: UserRef, flow: Flow | None) -> None:
        key = _key(user)
        known_absent = key in self._seen and self._seen[key] is None
        row = None if known_absent else await self.session.get(ConversationRow, key)
        if flow is None:
            self._seen[key] = None
            if row is not None:
                await self.session.delete(row)
                await self.session.flush()
            return
        data = json.dumps(flow.data)
        self._seen[key] = (flow.name, flow.step, data)
        row = row or ConversationRow(
            user_key=key, flow=flow.name, step=flow.step, data="{}", updated_at=_now()
        )
        row.flow, row.step, row.data = flow.name, flow.step, data
        row.updated_at = _now()
        self.session.add(row)
        await self.session.flush()


def _now() -> datetime:
    return datetime.now(UTC)


class SqlDeliveries:
    """Platform deliveries already handled (the seen_event table)."""

    def __init__(self, session: AsyncSession, dialect: str) -> None:
        self.session = session
        self._insert = _SEEN_PG if dialect == "postgresql" else _SEEN_SQLITE

    async def first(self, delivery_id: str) -> bool:
        # One statement: the insert that wins is the first delivery. A concurrent
        # transaction inserting the same key waits for this one and then inserts nothing.
        row = {"key": delivery_id[:200], "seen_at": datetime.now(UTC)}
        result = await self.session.exec(self._insert, params=row)
        return bool(getattr(result, "rowcount", 0) == 1)

    async def seen(self, delivery_ids: Sequence[str]) -> set[str]:
        keys = {d[:200]: d for d in delivery_ids}
        if not keys:
            return set()
        query = sa_select(_SEEN.c.key).where(_SEEN.c.key.in_(sorted(keys)))
        result = await self.session.exec(query)  # type: ignore[call-overload]
        return {keys[k] for k in result.scalars()}

    async def record(self, delivery_ids: Sequence[str]) -> set[str]:
        keys = {d[:200]: d for d in delivery_ids}
        if not keys:
            return set()
        now = datetime.now(UTC)
        query = self._insert.values([{"key": k, "seen_at": now} for k in sorted(keys)])
        result = await self.session.exec(query.returning(_SEEN.c.key))
        return {keys[k] for k in result.scalars()}


class SqlUnitOfWork:
    """One session and transaction; rolls back unless committed."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._sessions = store._sessions
        self._dialect = store.engine.dialect.name

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.people = SqlPeople(self.session)
        self.tickets = SqlTickets(self.session)
        self.conversations = SqlConversations(self.session)
        self.faq_log = SqlFaqLog(self.session)
        self.deliveries = SqlDeliveries(self.session, self._dialect)
        self.outbox = SqlOutbox(self.session, self._store.cipher)
        self.cases = SqlCases(self.session, self.outbox.about_key)
        self.inbox = SqlInbox(self.session)
        self.campaigns = SqlCampaigns(self.session)
        self.training = SqlTraining(self.session)
        self.announcements = SqlAnnouncements(self.session)
        self.suggestions = SqlSuggestions(self.session)
        self.stories = SqlStories(self.session)
        self.sign_ins = SqlSignIns(self.session)
        self.faq_changes = SqlFaqChanges(self.session)
        self.intake_tokens = SqlIntakeTokens(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
            await self.session.close()
        except Exception as cleanup:
            if exc is None and not unavailable(cleanup):
                raise
        if exc is not None and unavailable(exc):
            raise StoreUnavailable(type(exc).__name__) from exc
        if isinstance(exc, IntegrityError):
            # On PostgreSQL a concurrent insert of the same key surfaces at the next flush,
            # inside any query, not only at commit.
            raise Conflict(type(exc.orig).__name__ if exc.orig else "IntegrityError") from exc

    async def commit(self) -> None:
        try:
            await self.faq_log.flush()
            await self.session.commit()
        except IntegrityError as exc:
            await self.session.rollback()  # the session stays usable for the caller's next step
            raise Conflict(type(exc.orig).__name__ if exc.orig else "IntegrityError") from exc
        added, self.outbox.added = self.outbox.added, []
        if added:
            for listener in self._store.listeners:
                listener(added)  # e.g. wake a delivery loop: the notices are committed


class SqlStore:
    """Opens SQL units of work on one engine.

    `cipher` seals what the outbox holds (a store without one cannot write notifications);
    `listeners` are told of the notifications each commit made durable.
    """

    def __init__(self, engine: AsyncEngine, cipher: Cipher | None = None) -> None:
        self.engine = engine
        self.cipher = cipher
        self.listeners: list[Callable[[Sequence[Notification]], None]] = []
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self)
