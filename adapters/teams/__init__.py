"""Microsoft Teams: Bot Framework activities on /api/messages, proactive delivery."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.channel import Channel, Core, Off

_CHANNEL_ID = re.compile(r"^19:[A-Za-z0-9_\-]{4,120}@thread\.(tacv2|skype)$")


def build(core: Core) -> Channel | Off:
    """The Teams channel, when an app id is set (or the emulator is used)."""
    from adapters.channel import Off

    if not core.settings.teams:
        return Off("teams", "set MICROSOFT_APP_ID")
    from adapters.teams.bot import TeamsChannel

    return TeamsChannel(core)


def channel_id(text: str) -> str | None:
    """A Teams channel id (19:…@thread.tacv2) as an announcement's target."""
    return f"teams#{text}" if _CHANNEL_ID.match(text) else None
