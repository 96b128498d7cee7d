"""The Channel contract: how a chat platform plugs into the server.

A channel package (`adapters/<name>/`) exposes `build(core)` and `channel_id(text)`
(`Package`); app.py lists the packages in `CHANNELS`. For each channel that is on, it runs a
delivery loop over `deliver` (woken by each commit), hands `broadcast()` to the announcement
engine, and lets `mount` add the routes and background work. A channel is given the `Core`,
never the composition root: it reaches the core through `deps` and its entry points (which
run their own units of work), and the outbox, inbox and addresses through ports.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Protocol, cast

from aiohttp import web

from adapters.broadcast.engine import Sender
from adapters.delivery import Delivery, Outcome
from adapters.ports import Addresses, InboxQueue, OutboxQueue
from bot.deps import Deps
from bot.messages import Reply
from bot.settings import Settings

log = logging.getLogger("policybot")
Check = Callable[[], Awaitable[dict[str, Any]]]
"""A /healthz check: a dict with a "status" ("ok", "off", "degraded"...)."""


class Core(Protocol):
    """What a channel is given: the settings, the core, and the ports it delivers through."""

    @property
    def settings(self) -> Settings: ...

    @property
    def deps(self) -> Deps: ...

    @property
    def outbox(self) -> OutboxQueue: ...

    @property
    def inbox(self) -> InboxQueue: ...

    @property
    def addresses(self) -> Addresses: ...

    @property
    def checks(self) -> dict[str, Check]:
        """The /healthz checks, by name: a channel may add its own."""
        ...


class Channel(Protocol):
    """One chat platform: its routes, replies, notifications and announcements."""

    @property
    def name(self) -> str:
        """The platform's name in user and conversation references and outbox rows."""
        ...

    @property
    def pushes(self) -> bool:
        """True when notifications are sent by `deliver`; False when the channel's own client
        fetches them from the outbox (the terminal chat)."""
        ...

    def mount(self, app: web.Application) -> None:
        """Add the channel's routes to `app`, and its background work to app's lifecycle."""
        ...

    async def deliver(self, user_id: str, person_id: str, reply: Reply) -> Outcome:
        """Send one notification to a person (`user_id`: theirs on this platform)."""
        ...

    def broadcast(self) -> Sender:
        """The broadcast engine's sender of announcements on this platform."""
        ...


@dataclass(frozen=True, slots=True)
class Off:
    """A channel that is not configured, and what would turn it on."""

    name: str
    hint: str  # e.g. "set SLACK_BOT_TOKEN"


class Package(Protocol):
    """What a channel package (`adapters/<name>/__init__.py`) exposes."""

    def build(self, core: Core) -> Channel | Off:
        """The channel, or why it is off; nothing starts before `mount`."""
        ...

    def channel_id(self, text: str) -> str | None:
        """A channel id of this platform typed as an announcement's target, as the core keeps
        it ("slack#C0123ABCD"); None when it is not one."""
        ...


def packages(names: Sequence[str]) -> list[Package]:
    """The channel packages `adapters.<name>`, imported."""
    return [cast(Package, import_module(f"adapters.{name}")) for name in names]


def channel_ids(names: Sequence[str]) -> Callable[[str], str | None]:
    """What the core parses channel ids with: the first of the channels that knows the id.

    Every listed channel parses its ids, configured or not: a post to a channel of a platform
    that is off is recorded as not installed, like a person who is on none."""
    found = packages(names)

    def parse(text: str) -> str | None:
        return next((target for p in found if (target := p.channel_id(text))), None)

    return parse


def build_all(core: Core, names: Sequence[str]) -> dict[str, Channel]:
    """The channels that are on, by name, in the order of `names`; the others are logged and
    show as off on /healthz."""
    built: dict[str, Channel] = {}
    for package in packages(names):
        channel = package.build(core)
        if isinstance(channel, Off):
            core.checks[channel.name] = _off
            log.info("channel %s: off (not configured: %s)", channel.name, channel.hint)
        else:
            built[channel.name] = channel
    return built


async def _off() -> dict[str, Any]:
    return {"status": "off", "reason": "not configured"}


def mount_all(
    app: web.Application,
    core: Core,
    channels: Iterable[Channel],
    on_commit: Callable[[Callable[[Any], None]], None],
) -> None:
    """Mount every channel on `app`; a channel that pushes notifications gets a delivery loop,
    woken by each commit (`on_commit` registers a listener), whose health is the channel's."""
    for channel in channels:
        if channel.pushes:
            _deliver(app, core, channel, on_commit)
        channel.mount(app)


def _deliver(
    app: web.Application,
    core: Core,
    channel: Channel,
    on_commit: Callable[[Callable[[Any], None]], None],
) -> None:
    delivery = Delivery(core.outbox, channel.name, channel.deliver)
    on_commit(lambda _: delivery.wake())
    core.checks[channel.name] = delivery.health

    async def start(_: web.Application) -> None:
        delivery.start()

    async def stop(_: web.Application) -> None:
        await delivery.stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)
