"""POST /api/messages: check the body, authenticate, run the turn; auth failures are 401."""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

import requests
from aiohttp import web
from botbuilder.core import InvokeResponse
from botbuilder.schema import Activity

log = logging.getLogger("policybot.teams")
ROUTE = "/api/messages"


class Host(Protocol):
    """What the route needs of its channel (`bot.TeamsChannel`)."""

    async def authenticate(self, auth_header: str, activity: Activity) -> Any:
        """Check the request's token; raises (any exception) when it is not acceptable."""
        ...

    async def process(self, authenticated: Any, activity: Activity) -> InvokeResponse | None:
        """Run one authenticated activity through the bot."""
        ...


def _bad(reason: str, status: int = 400) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def handler(channel: Host) -> Any:
    """The aiohttp handler for Bot Framework activities."""

    async def messages(request: web.Request) -> web.StreamResponse:
        if request.content_type != "application/json":
            return _bad("expected application/json", 415)
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError, RecursionError):  # nested too deep: RecursionError
            return _bad("malformed JSON")
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            return _bad("not an activity: no type")
        try:
            activity = Activity().deserialize(body)
        except Exception:
            return _bad("not an activity")
        if not activity.service_url or not activity.conversation:
            return _bad("not an activity: no serviceUrl or conversation")
        auth = request.headers.get("Authorization", "")
        try:
            authenticated = await channel.authenticate(auth, activity)
        except requests.RequestException as err:
            # The signing keys could not be fetched: not the caller's fault.
            log.error("cannot check tokens: %s", type(err).__name__)
            return _bad("authentication unavailable", 503)
        except Exception as err:
            # The SDK raises PermissionError, PyJWT errors, IndexError, AttributeError or a bare
            # Exception for a missing, expired, wrongly addressed, unsigned or garbage token.
            log.warning("rejected an activity: %s", type(err).__name__)
            return _bad("unauthorized", 401)
        response = await channel.process(authenticated, activity)
        if response is None:
            return web.Response(status=201)
        if response.body is None:
            return web.Response(status=response.status)
        return web.json_response(response.body, status=response.status)

    return messages
