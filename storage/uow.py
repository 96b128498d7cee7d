"""Repositories and the SQL unit of work behind the core's ports."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self, TypeVar, cast

from sqlalchemy import bindparam
from sqlalchemy import delete as sa_delete
from sqlalchemy import exc as sa_exc
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.messages import Notification, UserRef
from bot.model import Flow
from bot.ports import Cipher, Conflict, RepositoryKey, StoreUnavailable
from storage import repositories
from storage.announcements import SqlAnnouncements
from storage.askhr import SqlTickets
from storage.faq import SqlFaqChanges, SqlFaqLog
from storage.inbox import SqlInbox
from storage.intake import SqlIntakeTokens
from storage.outbox import SqlOutbox
from storage.people import SqlPeople
from storage.reports import SqlCases
from storage.signins import SqlSignIns
from storage.stories import SqlStories
from storage.suggestions import SqlSuggestions
from storage.surveys import SqlCampaigns
from storage.tables import ConversationRow, SeenEventRow
from storage.training import SqlTraining

R = TypeVar("R")
_STATE = ConversationRow.__table__  # type: ignore[attr-defined]
_FLOW = sa_select(_STATE.c.user_key, _STATE.c.flow, _STATE.c.step, _STATE.c.data)
_SEALED = "sealed:"  # a flow's data, sealed (base64): anything else is JSON from before
_FLOW_CONTEXT = b"flow:"
_FORGET = sa_delete(_STATE).where(_STATE.c.user_key == bindparam("key"))


def _set_flow(insert: Any) -> Any:
    statement = insert(_STATE)
    changed = {c: statement.excluded[c] for c in ("flow", "step", "data", "updated_at")}
    return statement.on_conflict_do_update(index_elements=[_STATE.c.user_key], set_=changed)


_SET_FLOW_PG = _set_flow(postgresql.insert)
_SET_FLOW_SQLITE = _set_flow(sqlite.insert)

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


def _key(user: UserRef) -> str:
    return f"{user.platform}:{user.id}"


class SqlConversations:
    """Conversation state in SQL. A flow's data (a question waiting for HR, say) is sealed
    with the installation's key, bound to its user: the table names who is in which flow,
    never what they wrote."""

    def __init__(self, session: AsyncSession, dialect: str, cipher: Cipher | None = None) -> None:
        self.session = session
        self._cipher = cipher
        self._upsert = _SET_FLOW_PG if dialect == "postgresql" else _SET_FLOW_SQLITE
        self._pending: dict[str, dict[str, str] | None] = {}  # user key -> row, or None: gone
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
            self._seen[key] = (
                (found.flow, found.step, self._open(key, found.data)) if found else None
            )

    def _seal(self, key: str, data: str) -> str:
        if self._cipher is None:
            return data
        token = self._cipher.seal(data.encode(), _FLOW_CONTEXT + key.encode())
        return _SEALED + base64.b64encode(token).decode()

    def _open(self, key: str, stored: str) -> str:
        if not stored.startswith(_SEALED):
            return stored  # written before flows were sealed: sealed when next written
        if self._cipher is None:
            raise RuntimeError("this store has no cipher: it cannot read a sealed flow")
        token = base64.b64decode(stored.removeprefix(_SEALED))
        return self._cipher.open(token, _FLOW_CONTEXT + key.encode()).decode()

    async def set_flow(self, user: UserRef, flow: Flow | None) -> None:
        # Written at the commit, a batch's users together (this runs for every question the
        # bot cannot answer); reads of a user written here come from `_seen`.
        key = _key(user)
        if flow is None:
            if self._seen.get(key, ()) is None and key not in self._pending:
                return  # known to have none, in the database and here
            self._seen[key] = None
            self._pending[key] = None
            return
        data = json.dumps(flow.data)
        self._seen[key] = (flow.name, flow.step, data)
        self._pending[key] = {"user_key": key, "flow": flow.name, "step": flow.step, "data": data}

    async def flush(self) -> None:
        """Write the flows set or cleared since the last flush."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        forget = [{"key": k} for k, row in pending.items() if row is None]
        now = _now()
        rows = [
            {**row, "data": self._seal(row["user_key"], row["data"]), "updated_at": now}
            for row in pending.values()
            if row is not None
        ]
        if forget:
            await self.session.exec(_FORGET, params=forget)
        if rows:
            await self.session.exec(self._upsert, params=rows)


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
        self.conversations = SqlConversations(self.session, self._dialect, self._store.cipher)
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
        self._registered: dict[str, Any] = {}
        return self

    def repository(self, key: RepositoryKey[R]) -> R:
        """The repository a storage module declared under `key` (`storage.repositories`)."""
        if key.name not in self._registered:
            self._registered[key.name] = repositories.make(
                self._store.repositories, key, self.session
            )
        return cast(R, self._registered[key.name])

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
            await self.conversations.flush()
            await self.outbox.flush()
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
        self.repositories = repositories.discover()
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self)
