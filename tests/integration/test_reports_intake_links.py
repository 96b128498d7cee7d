"""Single-use intake links on a real database: the migration, and each link working once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.content import Content
from bot.features.faq.index import FaqIndex
from bot.features.reports import intake
from bot.features.reports import links as reports_links
from storage.cipher import KeyCipher
from storage.db import current_revision, downgrade, head_revision, upgrade
from storage.intake import IntakeTokenRow
from storage.tables import aware
from storage.uow import SqlStore
from tests.conftest import sql_deps, sql_unit
from tests.fakes import FakeClock, NoticeLog

NOW = datetime(2026, 3, 2, 9, 17, 42, tzinfo=UTC)


async def tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_the_migration_adds_the_table_and_takes_it_away_again(engine: AsyncEngine) -> None:
    head = head_revision()
    assert head is not None and head >= "0018" and await current_revision(engine) == head
    assert "intake_token" in await tables(engine)
    async with engine.connect() as conn:
        columns = await conn.run_sync(lambda c: inspect(c).get_columns("intake_token"))
    assert sorted(c["name"] for c in columns) == ["expires_at", "token_hash"]  # no person
    await downgrade(engine, "0017")
    assert await current_revision(engine) == "0017"
    found = await tables(engine)
    assert "intake_token" not in found and {"identity", "faq_change", "sign_in"} <= found
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()
    assert "intake_token" in await tables(engine)


async def test_a_link_is_a_keyed_hash_that_works_once_until_it_expires(
    engine: AsyncEngine, content: Content, faq: FaqIndex
) -> None:
    cipher = KeyCipher(b"k" * 32)
    clock = FakeClock(NOW)
    deps = sql_deps(content, faq, SqlStore(engine, cipher), NoticeLog(), clock, cipher)
    async with deps.store() as uow:
        url = await reports_links.link(deps, uow)
        await uow.commit()
    token = url.rsplit("/", 1)[1]
    assert url.startswith(deps.site_url + "/report/") and reports_links.token_of(url) == token
    async with sql_unit(deps) as uow:
        rows = [
            (r.token_hash, aware(r.expires_at))
            for r in await uow.session.exec(select(IntakeTokenRow))
        ]
    assert len(rows) == 1
    stored, expires = rows[0]
    assert token not in stored and len(stored) == 64
    # 24 hours, then up to the next whole hour: the stored time does not say when it was made.
    assert expires == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    assert await intake.usable(deps, token)
    assert await intake.usable(deps, token)  # looking spends nothing
    key = cipher.keyed_hash("intake link", token)
    async with deps.store() as uow:
        assert await uow.intake_tokens.take(key, clock.now()) is True
        assert await uow.intake_tokens.take(key, clock.now()) is False  # once
        await uow.commit()
    assert not await intake.usable(deps, token)

    async with deps.store() as uow:
        late = reports_links.token_of(await reports_links.link(deps, uow))
        await uow.commit()
    clock.advance(hours=25)
    assert not await intake.usable(deps, late)
    async with deps.store() as uow:
        assert (
            await uow.intake_tokens.take(cipher.keyed_hash("intake link", late), clock.now())
            is False
        )
        assert await uow.intake_tokens.forget(clock.now()) == 0  # taking it removed it
        await uow.commit()


async def test_expired_links_are_forgotten_when_a_new_one_is_made(
    engine: AsyncEngine, content: Content, faq: FaqIndex
) -> None:
    cipher = KeyCipher(b"k" * 32)
    clock = FakeClock(NOW)
    deps = sql_deps(content, faq, SqlStore(engine, cipher), NoticeLog(), clock, cipher)
    async with deps.store() as uow:
        await reports_links.link(deps, uow)
        await reports_links.link(deps, uow)
        await uow.commit()
    clock.advance(hours=26)
    async with deps.store() as uow:
        await reports_links.link(deps, uow)
        await uow.commit()
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM intake_token"))).scalar_one() == 1
    assert reports_links.expiry(NOW.replace(minute=0, second=0, microsecond=0)) == NOW.replace(
        minute=0, second=0, microsecond=0
    ) + timedelta(hours=24)
