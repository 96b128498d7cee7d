"""Slack's Web API client: retries, one HTTP session per client, calls that return an error."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings

log = logging.getLogger("policybot.slack")
# Errors that will not go away by retrying: the user or channel cannot be messaged.
UNREACHABLE = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "user_not_found",
        "cannot_dm_bot",
        "account_inactive",
        "user_disabled",
        "is_archived",
        "restricted_action",
        "messages_tab_disabled",
    }
)


def client(settings: Settings) -> AsyncWebClient:
    """A Web API client that retries on 429 (honouring Retry-After), 5xx and lost connections."""
    assert settings.slack_bot_token is not None
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AsyncServerErrorRetryHandler(max_retry_count=3),
            AsyncConnectionErrorRetryHandler(max_retry_count=3),
        ],
    )


def keep_connections(client: AsyncWebClient) -> None:
    """Give the client one HTTP session for all its calls, inside the running event loop.

    Without one, slack_sdk opens a new session, and so a new TLS connection to Slack, for
    every call.
    """
    if client.session is None or client.session.closed:
        client.session = aiohttp.ClientSession()


async def close_connections(client: AsyncWebClient) -> None:
    """Close the session `keep_connections` gave the client."""
    if client.session is not None and not client.session.closed:
        await client.session.close()
    client.session = None


async def call(method: Callable[..., Awaitable[Any]], **kwargs: Any) -> str:
    """One Web API call (the client retries); "" on success, else the error code.

    Errors are logged by code only, never with the message content.
    """
    name = getattr(method, "__name__", "call")
    try:
        await method(**kwargs)
        return ""
    except SlackApiError as err:
        code = str(err.response.get("error", "unknown"))
        level = logging.INFO if code in UNREACHABLE else logging.ERROR
        log.log(level, "Slack %s failed: %s", name, code)
        return code
    except (TimeoutError, OSError) as err:
        log.error("Slack %s failed: %s", name, type(err).__name__)
        return type(err).__name__
