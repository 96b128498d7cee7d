"""The web dashboard's entry points: one-time sign-in links from chat, and role-checked pages.

A page of the dashboard is a function of the signed-in person, run here in one unit of work
(committed, so that what a page records, such as the audit of a case view, is kept). The
web adapter renders what it returns and never opens a unit of work itself.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from bot.deps import Deps
from bot.directory import require
from bot.messages import Action, Reply, TextReply
from bot.model import Person, Role
from bot.ports import UnitOfWork
from bot.routing import Hint, MenuEntry, Routes

log = logging.getLogger(__name__)
T = TypeVar("T")
ROLES = (Role.HR, Role.HANDLER, Role.MANAGER)  # and admin, who holds every role
LINK_LIFETIME = timedelta(minutes=10)
SIGN_IN_PATH = "/dashboard/sign-in/"
_PURPOSE = "dashboard sign-in"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{40,60}$")


class SignedOut(Exception):
    """The session names nobody the directory knows any more: sign in again."""


class Forbidden(Exception):
    """The person has the page's role but may not see this record; the message says why."""


class Missing(LookupError):
    """The record a page is about does not exist."""


def may_use(person: Person) -> bool:
    """True when the person may open the dashboard."""
    return person.has(*ROLES)


async def link(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """`dashboard` in chat: a sign-in link for the asker only, valid once for ten minutes."""
    require(person, *ROLES)
    token = secrets.token_urlsafe(32)
    now = deps.clock.now()
    expires = now + LINK_LIFETIME
    await uow.sign_ins.forget(now)
    await uow.sign_ins.add(deps.cipher.keyed_hash(_PURPOSE, token), person.id, expires)
    log.info("dashboard sign-in link issued")
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    return [
        TextReply(
            f"Your link to the dashboard:\n{deps.site_url}{SIGN_IN_PATH}{token}\n"
            f"It works once, for you only, for {minutes} minutes: do not forward it. "
            "Type *dashboard* for a new one."
        )
    ]


async def sign_in(deps: Deps, token: str) -> str | None:
    """The person a one-time link was made for, if it is unused, unexpired and theirs to use;
    the link is spent either way."""
    if not _TOKEN.match(token):
        return None
    async with deps.store() as uow:
        person_id = await uow.sign_ins.take(
            deps.cipher.keyed_hash(_PURPOSE, token), deps.clock.now()
        )
        person = await uow.people.get(person_id) if person_id else None
        await uow.commit()
    if person is None or not may_use(person):
        log.info("dashboard sign-in refused")
        return None
    log.info("dashboard sign-in")
    return person.id


async def page(
    deps: Deps, person_id: str, build: Callable[[Deps, UnitOfWork, Person], Awaitable[T]]
) -> T:
    """What `build` makes for the signed-in person, in one unit of work.

    Raises SignedOut when the person is no longer in the directory, and NotAllowed when they
    have none of the dashboard's roles (each page checks its own roles too). A Forbidden
    record is refused after committing, so that the refusal's audit is kept.
    """
    async with deps.store() as uow:
        person = await uow.people.get(person_id)
        if person is None:
            raise SignedOut(person_id)
        require(person, *ROLES)
        try:
            result = await build(deps, uow, person)
        except Forbidden:
            await uow.commit()  # what was refused changed nothing but its audit, which stays
            raise
        await uow.commit()
    return result


ROUTES = Routes(
    actions={"dashboard_link": link},
    typed={"dashboard_link": ("dashboard", "web dashboard", "dashboard link")},
    slash={"dashboard": "dashboard"},
    menu=(
        MenuEntry("Web dashboard", "dashboard_link", 150, (Role.HR, Role.HANDLER, Role.MANAGER)),
    ),
    hints=(
        Hint(
            "*dashboard* (a sign-in link)", (Role.HR, Role.HANDLER, Role.MANAGER, Role.ADMIN), 110
        ),
    ),
)
