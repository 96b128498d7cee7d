"""The core's entry points for channels besides `dispatch.handle`: each runs in a unit of work
of its own, opened and committed here, so that no channel ever opens one."""

from __future__ import annotations

from bot import home
from bot.deps import Deps
from bot.directory import Profile, identify
from bot.messages import Notification, Reply, UserRef
from bot.model import Person


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
