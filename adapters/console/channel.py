"""The terminal chat as a channel of the server: no routes, and notifications that wait in the
outbox until `policybot chat` prints them at the person's prompt."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.broadcast.engine import Sender
from adapters.channel import Core
from adapters.console.broadcast import PLATFORM, ConsoleBroadcast
from adapters.delivery import Outcome
from bot.messages import Reply

log = logging.getLogger("policybot")


class ConsoleChannel:
    """The server's side of the terminal chat: announcements to the people who use it."""

    name = PLATFORM
    pushes = False  # the chat fetches its notifications itself

    def __init__(self, core: Core) -> None:
        self.deps = core.deps

    def mount(self, app: web.Application) -> None:
        """Nothing to serve: the chat is a process of its own, on the same database."""
        log.info("console chat: run `policybot chat` in another terminal")

    async def deliver(self, user_id: str, person_id: str, reply: Reply) -> Outcome:
        """Never pushed: the notification stays in the outbox for the chat to print."""
        return Outcome(skip=True)

    def broadcast(self) -> Sender:
        """Announcements, as notifications in the outbox."""
        return ConsoleBroadcast(self.deps)
