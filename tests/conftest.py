"""Shared fixtures: the real content, fakes for unit tests, a real database for the rest."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.content import Content, load_content
from bot.deps import Deps
from bot.features.faq.index import FaqIndex
from bot.model import Person, Role
from tests.fakes import FakeCipher, FakeClock, FakeStore, NoticeLog

if TYPE_CHECKING:
    from storage.uow import SqlStore, SqlUnitOfWork

# Helper modules that assert for the tests that use them: their failures explained as a test's.
pytest.register_assert_rewrite("tests.e2e.slack.announcing", "tests.e2e.web.seed")

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(CONTENT)


@pytest.fixture(scope="session")
def faq(content: Content) -> FaqIndex:
    return FaqIndex(content.faq, content.vocabulary)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def notices() -> NoticeLog:
    return NoticeLog()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def deps(
    content: Content, faq: FaqIndex, store: FakeStore, notices: NoticeLog, clock: FakeClock
) -> Deps:
    store.listeners.append(notices)
    return Deps(content, faq, store, clock, FakeCipher())


@pytest.fixture
def hr_person(store: FakeStore) -> Person:
    person = Person(
        id="hr1",
        display_name="Hana HR",
        email="hana@example.com",
        roles=frozenset({Role.EMPLOYEE, Role.HR}),
        accounts={"slack": "UHR"},
    )
    store.data.people[person.id] = person
    return person


# A connection an earlier test leaked (a failed test's background work) would hold locks and
# make DROP SCHEMA wait forever: end every other session on the test database first.
TERMINATE_OTHERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def database_url(tmp_path: Path) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set, else a fresh SQLite file."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[object]:
    """A real, empty database upgraded to the newest schema."""
    from sqlalchemy import text

    from storage.db import make_engine, upgrade

    url = database_url(tmp_path)
    eng = make_engine(url)
    if url.startswith("postgres"):
        try:
            async with eng.begin() as conn:
                await conn.execute(text(TERMINATE_OTHERS))
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        except OSError as exc:
            await eng.dispose()
            if os.environ.get("REQUIRE_TEST_DATABASE"):
                raise
            pytest.skip(f"PostgreSQL at TEST_DATABASE_URL is not reachable: {exc}")
    await upgrade(eng)
    yield eng
    await eng.dispose()


def sql_deps(
    content: Content,
    faq: FaqIndex,
    engine_or_store: Any,
    notices: NoticeLog,
    clock: Any,
    cipher: Any,
) -> Deps:
    """Deps on a real database: a store (made on `engine_or_store` if it is an engine) whose
    commits report their notifications to `notices`."""
    from storage.uow import SqlStore

    store = engine_or_store
    if not isinstance(store, SqlStore):
        store = SqlStore(engine_or_store, cipher)
    elif store.cipher is None:
        store.cipher = cipher
    store.listeners.append(notices)
    return Deps(content, faq, store, clock, cipher)


def sql_store(deps: Deps) -> SqlStore:
    """The store of the real database `deps` were made on (see `sql_deps`)."""
    from storage.uow import SqlStore

    assert isinstance(deps.store, SqlStore), deps.store
    return deps.store


def sql_unit(deps: Deps) -> SqlUnitOfWork:
    """A unit of work of the real database `deps` were made on, whose session a test may
    query directly."""
    return sql_store(deps)()
