"""POST /slack/events: verify, check the shape, then hand the request to Bolt."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.bot import SlackChannel

log = logging.getLogger("policybot.slack")


def _bad(reason: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)


def _well_formed(content_type: str, body: str) -> str | None:
    """Why the body is not a Slack request we can read, or None if it is."""
    if content_type == "application/json":
        try:
            data: Any = json.loads(body)
        except ValueError:
            return "malformed JSON"
        return None if isinstance(data, dict) else "JSON body must be an object"
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            return "malformed form body"
        if "payload" in form:
            try:
                data = json.loads(form["payload"][0])
            except ValueError:
                return "malformed payload"
            return None if isinstance(data, dict) else "payload must be an object"
        return None if "command" in form or "ssl_check" in form else "unknown form body"
    return "unsupported content type"


def _valid(verifier: SignatureVerifier, body: str, headers: Any) -> bool:
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or not signature:
        return False
    return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)


def handler(channel: SlackChannel, signing_secret: str) -> Any:
    """The aiohttp handler for the Events API, interactivity and slash commands."""
    verifier = SignatureVerifier(signing_secret)

    async def events(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _bad("body is not UTF-8")
        if not _valid(verifier, body, request.headers):
            log.warning("rejected a request with a bad or stale signature")
            return _bad("invalid signature", 401)
        problem = _well_formed(request.content_type, body)
        if problem:
            log.warning("rejected a signed request: %s", problem)
            return _bad(problem)
        # Hold new requests back while too many messages wait to be answered; Slack allows
        # three seconds for the acknowledgement, and this waits milliseconds.
        await channel.batcher.room()
        bolt = AsyncBoltRequest(
            body=body,
            query=request.query_string,
            headers=dict(request.headers),
        )
        return await to_aiohttp_response(await channel.app.async_dispatch(bolt))

    return events
