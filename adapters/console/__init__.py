"""The console chat: the same core in a terminal (`policybot chat`, a process of its own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.channel import Channel, Core, Off


def build(core: Core) -> Channel | Off:
    """The terminal chat's channel on the server: always on."""
    from adapters.console.channel import ConsoleChannel

    return ConsoleChannel(core)


def channel_id(text: str) -> str | None:
    """The terminal chat has no channels to post announcements in."""
    return None
