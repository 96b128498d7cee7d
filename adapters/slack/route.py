"""POST /slack/events: verify, check the shape, then hand the request to Bolt."""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.ports import InboxQueue
from bot.batch import Batcher

log = logging.getLogger("policybot.slack")
ROUTE = "/slack/events"


class Host(Protocol):
    """What the route (and Socket Mode) need of their channel (`bot.SlackChannel`)."""

    app: AsyncApp
    batcher: Batcher
    closing: bool  # the channel is shutting down: take nothing new

    @property
    def inbox(self) -> InboxQueue | None:
        """None: messages are answered in the request, not recorded first."""
        ...

    async def accept(self, body: dict[str, Any]) -> bool:
        """Record a message event in the inbox; False if it was a repeat."""
        ...


def _bad(reason: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)


def _json_body(content_type: str, body: str) -> tuple[str | None, dict[str, Any] | None]:
    """Why a JSON body cannot be read (or None), and the object it holds."""
    if content_type != "application/json":
        return None, None
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):
        return "malformed JSON", None
    return (None, data) if isinstance(data, dict) else ("JSON body must be an object", None)


def _well_formed(content_type: str, body: str) -> str | None:
    """Why a body that is not JSON is not a Slack request we can read, or None if it is."""
    if content_type == "application/json":
        return None  # read by _json_body
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            return "malformed form body"
        if "payload" in form:
            try:
                data = json.loads(form["payload"][0])
            except (ValueError, RecursionError):
                return "malformed payload"
            if not isinstance(data, dict):
                return "payload must be an object"
            return _interaction_problem(data)
        return None if "command" in form or "ssl_check" in form else "unknown form body"
    return "unsupported content type"


def _interaction_problem(data: dict[str, Any]) -> str | None:
    """Why an interactive payload cannot be handled, or None."""
    kind = data.get("type")
    if not isinstance(data.get("user"), dict) or not data["user"].get("id"):
        return "payload has no user" if kind in ("block_actions", "view_submission") else None
    if kind == "block_actions":
        actions = data.get("actions")
        if not isinstance(actions, list) or not actions:
            return "block_actions without actions"
        if not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            return "malformed action"
    if kind == "view_submission":
        view = data.get("view")
        values = (
            ((view or {}).get("state") or {}).get("values", {}) if isinstance(view, dict) else None
        )
        if not isinstance(values, dict) or not all(
            isinstance(block, dict) and all(isinstance(v, dict) for v in block.values())
            for block in values.values()
        ):
            return "malformed view state"
    return None


def message_event(data: dict[str, Any]) -> dict[str, Any] | None:
    """An Events API callback (over HTTP or Socket Mode) when it carries a message or a
    mention: what goes through the inbox."""
    event = data.get("event")
    if data.get("type") != "event_callback" or not isinstance(event, dict):
        return None
    return dict(data) if event.get("type") in ("message", "app_mention") else None


def _valid(verifier: SignatureVerifier, body: str, headers: Any) -> bool:
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or not signature:
        return False
    return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)


def handler(channel: Host, signing_secret: str) -> Any:
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
        problem, data = _json_body(request.content_type, body)
        problem = problem or _well_formed(request.content_type, body)
        if problem:
            log.warning("rejected a signed request: %s", problem)
            return _bad(problem)
        if channel.closing:
            return _bad("shutting down", 503)  # Slack sends it again, to a running replica
        # Hold new requests back while too many messages wait to be answered; Slack allows
        # three seconds for the acknowledgement, and this waits milliseconds.
        await channel.batcher.room()
        event = message_event(data) if data is not None and channel.inbox else None
        if event is not None:
            # Acknowledged only once recorded: a crash after this loses nothing.
            if await channel.accept(event):
                return web.Response(status=200)
            return _bad("storage unavailable", 503)
        bolt = AsyncBoltRequest(
            body=body,
            query=request.query_string,
            headers=dict(request.headers),
        )
        return await to_aiohttp_response(await channel.app.async_dispatch(bolt))

    return events
