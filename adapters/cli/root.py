"""What the command needs from the composition root, which passes it in (`app.py` builds the
server and the command alike): the command imports neither the root nor storage, and reads or
changes records only through the core's services (`bot.entry.read` and `change`)."""

from __future__ import annotations

from typing import Protocol

from adapters import broadcast, channel
from bot.content import Content
from bot.features.faq.index import FaqIndex
from bot.model import Person, Role
from bot.settings import Settings

OPERATOR = Person(id="", display_name="policybot", roles=frozenset({Role.HR}))
"""Whoever runs the command on the server: they hold its key and its database already, so
they read what HR reads."""


class Running(channel.Core, broadcast.Core, Protocol):
    """The core built for one command, closed when it ends."""

    async def close(self) -> None:
        """Release the database connections."""
        ...


class Root(Protocol):
    """The composition root, as the command sees it."""

    def load(self, settings: Settings) -> tuple[Content, FaqIndex]:
        """The content and its FAQ matcher, without a database."""
        ...

    async def bootstrap(self, settings: Settings) -> Running:
        """The core and its ports, as the server builds them."""
        ...

    async def upgrade(self, settings: Settings) -> str:
        """Bring the database to the current schema; the revision it is at."""
        ...

    def serve(self, settings: Settings) -> None:
        """Run the server until it is stopped."""
        ...
