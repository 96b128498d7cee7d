"""Storage on a real database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, CursorResult, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.directory import ImportReport, Profile, identify, import_people, parse_people_csv
from bot.features.askhr.model import Ticket, TicketStatus
from bot.messages import Card, Notification, UserRef
from bot.model import Flow, Person, Role, new_id
from bot.ports import StoreUnavailable
from storage.cipher import KeyCipher
from storage.db import current_revision, head_revision, make_engine, upgrade
from storage.outbox_queue import OutboxQueue
from storage.uow import SqlStore, SqlUnitOfWork
from tests.dump import statements as sent_on

PEOPLE_CSV = """email,name,department,manager_email,timezone,slack_user_id,teams_user_id,roles
boss@example.com,Bea Boss,Sales,,Europe/Paris,UBOSS,,manager
ann@example.com,Ann Lee,Sales,boss@example.com,Europe/Paris,UANN,29:ann,
hr@example.com,Hal R,People,,Europe/London,,,hr;handler
bad-email,No One,Sales,,,,,
dup@example.com,Dup,Sales,,Mars/Base,,,
ann@example.com,Ann Again,Sales,,,,,
x@example.com,X,Sales,,,,,wizard
"""


async def sql(uow: SqlUnitOfWork, query: str) -> CursorResult[*tuple[Any, ...]]:
    """Plain SQL in the unit of work's own transaction (sees what it has flushed)."""
    return await (await uow.session.connection()).execute(text(query))


async def test_migrations_reach_head_and_are_idempotent(engine: AsyncEngine) -> None:
    assert await current_revision(engine) == head_revision()
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()


async def test_the_identity_migration_moves_platform_ids_and_back(engine: AsyncEngine) -> None:
    """A directory at the revision before keeps its Slack and Teams ids in person columns:
    upgraded, they are identity rows the bot finds people by; downgraded, columns again."""
    from storage.db import downgrade

    await downgrade(engine, "0015")
    people = [
        ("p1", "Sam", "sam@example.com", "U0SAM", None),
        ("p2", "Tess", "tess@example.com", None, "29:tess"),
        ("p3", "Both", "both@example.com", "U0BOTH", "29:both"),
        ("p4", "Neither", "neither@example.com", None, None),
    ]
    async with engine.begin() as conn:
        for row in people:
            await conn.execute(
                text(
                    "INSERT INTO person (id, display_name, email, slack_user_id, "
                    "teams_user_id, roles) VALUES (:i, :n, :e, :s, :t, 'employee')"
                ),
                dict(zip("inest", row, strict=True)),
            )
    await upgrade(engine)
    store = SqlStore(engine)
    async with store() as uow:
        conn = await uow.session.connection()
        moved = sorted(tuple(r) for r in await conn.execute(text("SELECT * FROM identity")))
        assert moved == [
            ("p1", "slack", "U0SAM"),
            ("p2", "teams", "29:tess"),
            ("p3", "slack", "U0BOTH"),
            ("p3", "teams", "29:both"),
        ]
        both = await uow.people.by_user(UserRef("teams", "29:both"))
        assert both is not None and both.accounts == {"slack": "U0BOTH", "teams": "29:both"}
        assert await uow.people.by_user(UserRef("slack", "29:both")) is None
    await downgrade(engine, "0015")
    async with engine.connect() as conn:
        back = await conn.execute(
            text("SELECT id, slack_user_id, teams_user_id FROM person ORDER BY id")
        )
        assert [tuple(r) for r in back] == [(i, s, t) for i, _, _, s, t in people]
    await upgrade(engine)
    assert await current_revision(engine) == head_revision()


async def test_people_import_is_idempotent_and_reports_bad_rows(engine: AsyncEngine) -> None:
    store = SqlStore(engine)
    report = ImportReport()
    rows = parse_people_csv(PEOPLE_CSV, report)
    async with store() as uow:
        await import_people(uow, rows, report)
        await uow.commit()
    assert (report.created, report.updated) == (3, 0)
    assert len(report.problems) == 4
    assert any("invalid email" in p for p in report.problems)
    assert any("Mars/Base" in p for p in report.problems)
    assert any("duplicate email" in p for p in report.problems)
    assert any("wizard" in p for p in report.problems)

    again = ImportReport()
    async with store() as uow:
        await import_people(uow, parse_people_csv(PEOPLE_CSV, again), again)
        await uow.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    async with store() as uow:
        ann = await uow.people.by_user(UserRef("slack", "UANN"))
        boss = await uow.people.by_email("BOSS@example.com")
        hr = await uow.people.with_role(Role.HR)
        assert ann is not None and boss is not None
        assert ann.manager_id == boss.id
        assert ann.timezone == "Europe/Paris"
        assert [p.email for p in hr] == ["hr@example.com"]
        assert Role.HANDLER in hr[0].roles
        assert await uow.people.by_user(UserRef("teams", "29:ann")) == ann


async def test_identify_creates_and_completes_people(engine: AsyncEngine) -> None:
    store = SqlStore(engine)
    async with store() as uow:
        p = await identify(uow, UserRef("slack", "UNEW"), Profile("Neo", "neo@example.com", "UTC"))
        await uow.commit()
    async with store() as uow:
        again = await identify(uow, UserRef("teams", "29:neo"), Profile(email="neo@example.com"))
        await uow.commit()
    assert again.id == p.id
    assert (again.accounts, again.timezone) == ({"slack": "UNEW", "teams": "29:neo"}, "UTC")


async def test_uncommitted_work_is_rolled_back(engine: AsyncEngine) -> None:
    store = SqlStore(engine)
    with pytest.raises(RuntimeError):
        async with store() as uow:
            await uow.people.save(Person(id=new_id(), display_name="Ghost", email="g@example.com"))
            raise RuntimeError("boom")
    async with store() as uow:
        assert await uow.people.by_email("g@example.com") is None


async def test_tickets_flows_and_faq_log(engine: AsyncEngine) -> None:
    store = SqlStore(engine)
    now = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)
    ticket = Ticket(new_id(), "Q-ABCDEF", "p1", "Where?", TicketStatus.OPEN, now)
    user = UserRef("slack", "U1")
    async with store() as uow:
        await uow.tickets.add(ticket)
        await uow.conversations.set_flow(user, Flow("ask_hr", "offered", {"question": "Where?"}))
        answer_id = await uow.faq_log.answered("doxxing", 0.8, date(2026, 5, 4))
        await uow.faq_log.unanswered("Where?", date(2026, 5, 4))
        await uow.commit()
    async with store() as uow:
        got = await uow.tickets.by_ref("Q-ABCDEF")
        assert got is not None and got.created_at == now
        assert [t.id for t in await uow.tickets.open()] == [ticket.id]
        got.status = TicketStatus.ANSWERED
        got.answer = "Here."
        await uow.tickets.save(got)
        assert await uow.conversations.flow(user) == Flow(
            "ask_hr", "offered", {"question": "Where?"}
        )
        await uow.conversations.set_flow(user, None)
        assert await uow.faq_log.feedback(answer_id, False)
        assert not await uow.faq_log.feedback("missing", True)
        await uow.commit()
    async with store() as uow:
        assert await uow.tickets.open() == []
        assert await uow.conversations.flow(user) is None
        rows = (await sql(uow, "SELECT faq_id, helpful FROM faq_answer")).all()
        assert [tuple(r) for r in rows] == [("doxxing", False)]


async def test_outbox_round_trip_is_sealed_and_deleted_once_delivered(
    engine: AsyncEngine,
) -> None:
    store = SqlStore(engine, KeyCipher(b"o" * 32))
    outbox = OutboxQueue(store)
    card = Card("Title", "Body of a private note", (("k", "v"),))
    async with store() as uow:
        await uow.outbox.add(Notification("p1", card, "hello"))
        # Not committed: nothing is visible yet, and nothing is left after the rollback.
    assert await outbox.pending("p1") == []
    async with store() as uow:
        await uow.outbox.add(Notification("p1", card, "hello"))
        await uow.commit()
    pending = await outbox.pending("p1")
    assert [(s, r) for _, s, r in pending] == [("hello", card)]
    async with store() as uow:
        raw = (await sql(uow, "SELECT * FROM outbox")).all()
    assert "private note" not in repr(raw) and "hello" not in repr(raw)
    await outbox.delivered([i for i, _, _ in pending])
    assert await outbox.pending("p1") == []
    async with store() as uow:
        assert (await sql(uow, "SELECT count(*) FROM outbox")).one()[0] == 0


async def test_notices_written_before_recipients_were_sealed_are_sealed_at_start_up(
    engine: AsyncEngine,
) -> None:
    """Rows from before name their person in clear (one with its content in clear too, one
    sealed without a recipient, one failed): sealing them leaves no person id in the outbox,
    and each is still delivered to the right person."""
    from storage.outbox import dump_reply, recipient_key
    from storage.outbox import seal as seal_row
    from storage.tables import OutboxRow

    cipher = KeyCipher(b"o" * 32)
    store = SqlStore(engine, cipher)
    outbox = OutboxQueue(store)
    person = Person(new_id(), "Ria Legacy", "ria@example.com", accounts={"slack": "U0RIA"})
    card = Card("Your case", "A handler wrote to you", ())
    now = datetime.now(UTC)
    async with store() as uow:
        await uow.people.save(person)
        uow.session.add(OutboxRow(id="a" * 32, person_id=person.id, created_at=now,
                                  payload=dump_reply(card)))  # fmt: skip
        sealed = seal_row(cipher, "b" * 32, "", "case news", card)
        uow.session.add(OutboxRow(id="b" * 32, person_id=person.id, created_at=now, box=sealed))
        uow.session.add(OutboxRow(id="c" * 32, person_id=person.id, created_at=now,
                                  failed_at=now, error="account_inactive"))  # fmt: skip
        await uow.commit()
    assert await outbox.seal_legacy() == 3
    assert await outbox.seal_legacy() == 0  # once is enough
    async with store() as uow:
        rows = (await sql(uow, "SELECT * FROM outbox")).all()
    assert person.id not in repr(rows) and "A handler wrote" not in repr(rows)
    assert {r.person_id for r in rows} == {recipient_key(cipher, person.id)}
    pending = await outbox.pending(person.id)
    assert sorted(summary for _, summary, _ in pending) == ["", "case news"]
    assert all(reply == card for _, _, reply in pending)
    due = await outbox.due_for("slack")
    assert sorted((i, user, who) for i, _, user, who, _ in due) == [
        ("a" * 32, "U0RIA", person.id),
        ("b" * 32, "U0RIA", person.id),
    ]


async def test_unreachable_database_raises_store_unavailable() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    try:
        with pytest.raises(StoreUnavailable):
            async with SqlStore(engine)() as uow:
                await uow.people.get("x")
    finally:
        await engine.dispose()


async def test_seen_events_register_once_and_forget_old(engine: AsyncEngine) -> None:
    from datetime import UTC, datetime, timedelta

    from storage.seen import SeenEvents
    from storage.tables import SeenEventRow
    from storage.uow import SqlStore

    store = SqlStore(engine)
    seen = SeenEvents(store)

    async def first(key: str) -> bool:
        async with store() as uow:
            fresh = await uow.deliveries.first(key)
            await uow.commit()
            return fresh

    assert await first("slack:Ev1") is True
    assert await first("slack:Ev1") is False
    assert await first("slack:Ev2") is True
    async with store() as uow:
        old = await uow.session.get(SeenEventRow, "slack:Ev1")
        assert old is not None
        old.seen_at = datetime.now(UTC) - timedelta(days=3)
        uow.session.add(old)
        await uow.commit()
    assert await seen.forget_before(days=2) == 1
    assert await first("slack:Ev1") is True


async def test_migrations_match_the_tables(engine: AsyncEngine) -> None:
    """The hand-written migrations build exactly what the SQLModel tables declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from storage.repositories import discover

    discover()  # every table on SQLModel.metadata

    def diff(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection)
        return list(compare_metadata(context, SQLModel.metadata))

    async with engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_a_flow_is_read_once_per_transaction_and_stays_the_callers_copy(
    engine: AsyncEngine,
) -> None:
    store = SqlStore(engine)
    user = UserRef("teams", "29:flow")
    async with store() as uow:
        await uow.conversations.set_flow(user, Flow("quiz", "q1", {"answered": []}))
        await uow.commit()
    with sent_on(engine) as statements:
        async with store() as uow:
            first = await uow.conversations.flow(user)
            assert first is not None
            first.data["answered"].append("q1")  # not saved
            again = await uow.conversations.flow(user)
            assert again == Flow("quiz", "q1", {"answered": []})
            reads = [s for s in statements if "conversation_state" in s]
            assert len(reads) == 1  # the second read came from this transaction's copy
            await uow.conversations.set_flow(user, Flow("quiz", "q2", {"answered": ["q1"]}))
            assert await uow.conversations.flow(user) == Flow("quiz", "q2", {"answered": ["q1"]})
            await uow.conversations.set_flow(user, None)
            assert await uow.conversations.flow(user) is None
            # not committed
    async with store() as uow:
        assert await uow.conversations.flow(user) == Flow("quiz", "q1", {"answered": []})


async def test_the_flows_a_transaction_sets_are_written_together_at_its_commit(
    engine: AsyncEngine,
) -> None:
    """Thirty people's flows (set, replaced, cleared) cost two statements at the commit, and
    what is stored is each person's last state."""
    store = SqlStore(engine)
    people = [UserRef("slack", f"UF{n}") for n in range(30)]
    async with store() as uow:
        await uow.conversations.set_flow(people[0], Flow("quiz", "q1", {}))
        await uow.conversations.set_flow(people[1], Flow("quiz", "q1", {}))
        await uow.commit()
    with sent_on(engine) as statements:
        async with store() as uow:
            await uow.conversations.load(people)
            for n, user in enumerate(people):
                await uow.conversations.set_flow(user, Flow("ask_hr", "offered", {"q": f"{n}"}))
            await uow.conversations.set_flow(people[0], None)  # stored before: deleted
            await uow.conversations.set_flow(people[2], None)  # set here only: never stored
            await uow.conversations.set_flow(people[3], Flow("quiz", "q2", {}))
            await uow.conversations.set_flow(people[4], None)
            writes = [s for s in statements if "conversation_state" in s]
            assert len(writes) == 1  # the load; nothing written before the commit
            await uow.commit()
    assert len([s for s in statements if "conversation_state" in s]) == 3
    async with store() as uow:
        rows = (await sql(uow, "SELECT user_key, flow, step FROM conversation_state")).all()
    stored = {k: (f, s) for k, f, s in rows if k.startswith("slack:UF")}
    assert "slack:UF0" not in stored and "slack:UF2" not in stored and "slack:UF4" not in stored
    assert stored["slack:UF1"] == ("ask_hr", "offered")
    assert stored["slack:UF3"] == ("quiz", "q2")
    assert len(stored) == 27


async def test_a_reply_that_keeps_failing_is_given_up_keeping_only_its_error(
    engine: AsyncEngine,
) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.messages import ConversationRef, TextReply
    from storage.outbox import MAX_REPLY_ATTEMPTS, reply_id

    store = SqlStore(engine, KeyCipher(b"o" * 32))
    queue = OutboxQueue(store)
    async with store() as uow:
        await uow.outbox.reply(
            ConversationRef("slack", "D0X"), [TextReply("a private answer")], "slack:Ev0X"
        )
        await uow.commit()
    taken = []
    for _ in range(MAX_REPLY_ATTEMPTS):
        later = datetime.now(UTC) + timedelta(seconds=1)
        taken.append(len(await queue.stale_replies("slack", later)))
    assert taken == [1] * (MAX_REPLY_ATTEMPTS - 1) + [0]
    async with store() as uow:
        row = (await sql(uow, "SELECT id, error, box FROM outbox")).one()
    assert row[0] == reply_id("slack:Ev0X") and row[1] == "too many attempts" and row[2] is None


async def test_the_inbox_holds_messages_sealed_and_drops_them_once_answered(
    engine: AsyncEngine,
) -> None:
    from sqlmodel import SQLModel

    from storage.inbox_queue import InboxQueue

    store = SqlStore(engine, KeyCipher(b"i" * 32))
    inbox = InboxQueue(store, lease_seconds=30)
    private = "my manager keeps screenshotting my private instagram stories"
    event = {"user": "U0X", "channel": "D0X", "thread": None, "text": private, "delivery": "k"}
    assert await inbox.record("slack:Ev0IN", "slack", event)
    assert not await inbox.record("slack:Ev0IN", "slack", event)  # a repeat
    async with engine.connect() as conn:
        dumped = repr(
            [
                (await conn.execute(text(f'SELECT * FROM "{t.name}"'))).all()
                for t in SQLModel.metadata.sorted_tables
            ]
        )
    assert "instagram" not in dumped and "U0X" not in dumped
    if engine.url.get_backend_name() == "sqlite":
        db = Path(str(engine.url.database))
        raw = b"".join(f.read_bytes() for f in db.parent.glob(db.name + "*"))
        assert b"instagram" not in raw
    async with store() as uow:
        await uow.inbox.done(["slack:Ev0IN"])
        await uow.deliveries.record(["slack:Ev0IN"])
        await uow.commit()
    assert await inbox.backlog() == {"waiting": 0, "oldest_seconds": 0.0}
    assert not await inbox.record("slack:Ev0IN", "slack", event)  # answered: still a repeat
