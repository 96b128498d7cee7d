"""Slack: Events API, interactivity and slash commands on /slack/events, or Socket Mode."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.channel import Channel, Core, Off

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,20}$")


def build(core: Core) -> Channel | Off:
    """The Slack channel, when a bot token is set."""
    from adapters.channel import Off

    if not core.settings.slack:
        return Off("slack", "set SLACK_BOT_TOKEN")
    from adapters.slack.bot import SlackChannel

    return SlackChannel(core)


def channel_id(text: str) -> str | None:
    """A Slack channel id (C0123ABCD, from the channel's details) as an announcement's target."""
    return f"slack#{text}" if _CHANNEL_ID.match(text) else None
