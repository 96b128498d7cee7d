"""Anonymous receipts and passphrases on a real database with the real cipher: the slow hash
runs off the event loop with no transaction open, codes are read however they are typed, and
an unknown receipt takes as long to refuse as a real one."""

from __future__ import annotations

import asyncio
import gc
import statistics
import threading
import time
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content import Content
from bot.deps import Deps
from bot.dispatch import handle
from bot.features.faq.index import FaqIndex
from bot.messages import Form, Submission
from bot.model import Person, Role
from storage.cipher import KeyCipher
from storage.uow import SqlStore, SqlUnitOfWork
from tests.fakes import FakeClock, NoticeLog
from tests.integration.test_reports import DM, SAM, report
from tests.replies import as_form


class Counting:
    """A store that knows how many units of work are open."""

    def __init__(self, inner: SqlStore) -> None:
        self.inner = inner
        self.listeners = inner.listeners
        self.open = 0

    def __call__(self) -> Any:
        return _Counted(self, self.inner())


class _Counted:
    def __init__(self, store: Counting, uow: SqlUnitOfWork) -> None:
        self.store, self.uow = store, uow

    async def __aenter__(self) -> SqlUnitOfWork:
        entered = await self.uow.__aenter__()
        self.store.open += 1
        return entered

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.store.open -= 1
        await self.uow.__aexit__(kind, exc, tb)


class Watching(KeyCipher):
    """The real cipher, noting where each slow hash and check runs."""

    def __init__(self, store: Counting) -> None:
        super().__init__(b"p" * 32)
        self.store = store
        self.slow: list[tuple[str, bool, int]] = []  # (what, on the loop's thread, open uows)

    def _note(self, what: str) -> None:
        on_loop = threading.current_thread() is threading.main_thread()
        self.slow.append((what, on_loop, self.store.open))

    def slow_hash(self, secret: str) -> str:
        self._note("hash")
        return super().slow_hash(secret)

    def slow_verify(self, hashed: str, secret: str) -> bool:
        self._note("verify")
        return super().slow_verify(hashed, secret)


@pytest.fixture
async def watched(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> AsyncIterator[tuple[Deps, Watching]]:
    # What lives this long is kept out of the collector's full passes, as the server does once
    # it has started (app.serve): late in a whole test run, a full pass over this process's
    # heap pauses everything for up to a second, which would read as a stalled event loop or
    # a slow check here.
    gc.collect()
    gc.freeze()
    try:
        yield await _watched(engine, content, faq, clock, notices)
    finally:
        gc.unfreeze()


async def _watched(
    engine: AsyncEngine, content: Content, faq: FaqIndex, clock: FakeClock, notices: NoticeLog
) -> tuple[Deps, Watching]:
    inner = SqlStore(engine)
    store = Counting(inner)
    cipher = Watching(store)
    inner.cipher = cipher
    inner.listeners.append(notices)
    async with inner() as uow:
        await uow.people.save(
            Person("hal", "Hal", "hal@example.com", roles=frozenset({Role.HANDLER}))
        )
        await uow.commit()
    return Deps(content, faq, store, clock, cipher), cipher


async def anonymous(deps: Deps) -> tuple[str, str]:
    (receipt,) = await handle(deps, report(identity="anonymous"))
    assert isinstance(receipt, Form)
    lines = dict(line.split(": ", 1) for line in receipt.intro.splitlines()[:2])
    return lines["Your receipt"], lines["Your passphrase"]


def followup(receipt: str, passphrase: str) -> Submission:
    fields = {"receipt": receipt, "passphrase": passphrase, "message": ""}
    return Submission(SAM, DM, "report_followup", fields)


async def test_hashing_and_checks_run_in_threads_with_no_transaction_open(
    watched: tuple[Deps, Watching],
) -> None:
    deps, cipher = watched
    receipt, passphrase = await anonymous(deps)
    (opened,) = await handle(deps, followup(receipt, passphrase))
    assert isinstance(opened, Form) and opened.form_id == "report_status"
    assert cipher.slow == [("hash", False, 0), ("verify", False, 0)]


async def test_a_code_typed_in_lower_case_or_with_spaces_is_the_same_code(
    watched: tuple[Deps, Watching],
) -> None:
    deps, _ = watched
    receipt, passphrase = await anonymous(deps)
    typed_receipt = receipt.lower().replace("-", " ")
    typed_passphrase = " " + passphrase.lower().replace("-", "  ") + " "
    (opened,) = await handle(deps, followup(typed_receipt, typed_passphrase))
    assert isinstance(opened, Form) and opened.form_id == "report_status", opened
    (again,) = await handle(deps, followup(receipt.replace("-", ""), passphrase.replace("-", "")))
    assert isinstance(again, Form) and again.form_id == "report_status"


async def test_an_unknown_receipt_takes_as_long_to_refuse_as_a_real_one(
    watched: tuple[Deps, Watching],
) -> None:
    deps, cipher = watched
    receipt, _ = await anonymous(deps)
    unknown = "ABCD-EFGH-JKMN-PQRS"
    await handle(deps, followup(unknown, "WXYZ-2345-6789-ABCD-EFGH"))  # the dummy hash, once
    cipher.slow.clear()
    times: dict[str, list[float]] = {"real": [], "unknown": []}
    for _ in range(2):
        for kind, code in (("real", receipt), ("unknown", unknown)):
            started = time.monotonic()
            (wrong,) = await handle(deps, followup(code, "WXYZ-2345-6789-ABCD-EFGH"))
            times[kind].append(time.monotonic() - started)
            assert isinstance(wrong, Form) and "do not match" in wrong.errors["passphrase"]
    assert [what for what, _, _ in cipher.slow] == ["verify"] * 4  # as slow, either way
    real, unknown_time = statistics.median(times["real"]), statistics.median(times["unknown"])
    assert unknown_time > real / 3, times  # it was 10 times faster


async def test_thirty_concurrent_checks_leave_the_database_and_the_loop_free(
    watched: tuple[Deps, Watching],
) -> None:
    deps, _ = watched
    receipt, passphrase = await anonymous(deps)
    stalls: list[float] = []
    waits: list[float] = []

    async def loop_watch() -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            stalls.append(time.monotonic() - before - 0.01)

    async def other_transactions() -> None:
        while True:
            before = time.monotonic()
            async with deps.store() as uow:
                await uow.people.get("hal")
            waits.append(time.monotonic() - before)
            await asyncio.sleep(0.05)

    watchers = [asyncio.create_task(loop_watch()), asyncio.create_task(other_transactions())]
    started = time.monotonic()
    try:
        results = await asyncio.gather(
            *(handle(deps, followup(receipt, passphrase)) for _ in range(30))
        )
    finally:
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
    took = time.monotonic() - started
    blocked = sum(s for s in stalls if s > 0.05)
    print(f"30 checks: {took:.2f} s; other transactions waited at most {max(waits):.3f} s;")
    print(f"the event loop stalled {blocked:.2f} s in all, at most {max(stalls):.3f} s at once")
    assert all(as_form(r[0]).form_id == "report_status" for r in results)
    # Generous bounds, compared with the seconds the checks take together.
    assert blocked < took / 4, (blocked, took)
    assert max(waits) < min(1.0, took / 4), (max(waits), took)
