"""The core's entry points for channels besides `dispatch.handle`: each runs in a unit of work
of its own, opened and committed here, so that no channel ever opens one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot import home
from bot.deps import Deps
from bot.directory import Profile, identify
from bot.messages import Notification, Reply, UserRef
from bot.model import Person
from bot.ports import UnitOfWork

T = TypeVar("T")


async def read(deps: Deps, query: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Answer a query (a service's, given the unit of work) in a unit of work of its own."""
    async with deps.store() as uow:
        return await query(uow)


async def change(deps: Deps, command: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run a command (a service's, given the unit of work) in a unit of work of its own: what
    it changed, and the notifications it caused, are committed together when it returns, and
    none of it when it raises."""
    async with deps.store() as uow:
        result = await command(uow)
        await uow.commit()
        return result


async def person(deps: Deps, user: UserRef) -> Person | None:
    """The directory entry behind a platform user, if there is one (nothing is created)."""
    async with deps.store() as uow:
        return await uow.people.by_user(user)


async def home_view(deps: Deps, user: UserRef, profile: Profile | None) -> list[Reply]:
    """What a person's home tab shows; someone new is added to the directory first."""
    async with deps.store() as uow:
        someone = await identify(uow, user, profile, deps.platforms)
        await uow.commit()
        return await home.view(deps, uow, someone)


async def notify(deps: Deps, notification: Notification) -> None:
    """Put one notification in the outbox, in a transaction of its own."""
    async with deps.store() as uow:
        await uow.outbox.add(notification)
        await uow.commit()
