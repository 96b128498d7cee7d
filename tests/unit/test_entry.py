"""The core's entry points for the command line and the channels: a query reads in a unit of
work of its own; a command's change and the notifications it causes commit together when it
returns, and none of it when it raises."""

from __future__ import annotations

import pytest

from bot import entry
from bot.deps import Deps
from bot.messages import Notification, TextReply
from bot.model import Person
from bot.ports import UnitOfWork
from tests.fakes import FakeStore


class Broken(Exception):
    pass


async def test_a_command_commits_its_change_and_its_notice_together(
    deps: Deps, store: FakeStore
) -> None:
    async def welcome(uow: UnitOfWork) -> str:
        await uow.people.save(Person("p1", "Pat"))
        await uow.outbox.add(Notification("p1", TextReply("Hello Pat"), "Welcome"))
        return "done"

    assert await entry.change(deps, welcome) == "done"
    assert store.commits == 1
    assert "p1" in store.data.people and [n.summary for n in store.data.outbox] == ["Welcome"]
    assert await entry.read(deps, lambda uow: uow.people.get("p1")) == store.data.people["p1"]


async def test_a_command_that_raises_leaves_nothing_behind(deps: Deps, store: FakeStore) -> None:
    async def half_done(uow: UnitOfWork) -> None:
        await uow.people.save(Person("p2", "Pat"))
        await uow.outbox.add(Notification("p2", TextReply("Hello Pat"), "Welcome"))
        raise Broken

    with pytest.raises(Broken):
        await entry.change(deps, half_done)
    assert store.commits == 0
    assert "p2" not in store.data.people and not store.data.outbox


async def test_a_query_never_commits(deps: Deps, store: FakeStore) -> None:
    async def peeks(uow: UnitOfWork) -> int:
        await uow.people.save(Person("p3", "Pat"))  # a query that wrongly writes
        return len(await uow.people.all())

    assert await entry.read(deps, peeks) == 1
    assert store.commits == 0 and "p3" not in store.data.people
