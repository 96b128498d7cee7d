"""Socket Mode, with the same promise as the HTTP route: a message is acknowledged only once
it is recorded in the inbox.

Bolt's own handler acknowledges an event envelope before its listeners run, so a crash
between the two would lose the message for good (Slack never sends an acknowledged envelope
again). Message envelopes are recorded first here and acknowledged after; an envelope that
could not be recorded is left unacknowledged, and Slack delivers it again. Everything else
(buttons, forms, commands) goes through Bolt as before.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.slack.route import Host, message_event

log = logging.getLogger("policybot.slack")


class DurableSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, with message events recorded before they are acked."""

    def __init__(self, channel: Host, app_token: str) -> None:
        super().__init__(channel.app, app_token)
        self.channel = channel

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        event = self._message(req)
        if event is None or self.channel.inbox is None:
            await super().handle(client, req)
            return
        if self.channel.closing:
            return  # not acknowledged: Slack delivers it again, to a running connection
        await self.channel.batcher.room()
        if await self.channel.accept(event):
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

    @staticmethod
    def _message(req: SocketModeRequest) -> dict[str, Any] | None:
        if req.type != "events_api" or not isinstance(req.payload, dict):
            return None
        return message_event(req.payload)
