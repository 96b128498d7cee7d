"""Outbound Bot Connector calls with retries and Teams' rate limits.

The SDK neither retries nor throttles: 429, 412, 502, 503 and 504 are retried honouring
Retry-After (else exponential backoff with jitter); 403 means the bot was blocked or removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import OrderedDict
from typing import Any

from aiolimiter import AsyncLimiter
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

log = logging.getLogger("policybot.teams.send")
RETRYABLE = frozenset({412, 429, 502, 503, 504})
MAX_ATTEMPTS = 5
PER_CONVERSATION = 7  # operations per second, Teams' documented limit
PER_APP = 50  # requests per second per app per tenant


class Unreachable(Exception):
    """The platform refuses to deliver to this conversation (HTTP 403)."""


def status_of(err: Exception) -> tuple[int, float | None]:
    response = getattr(err, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", None) or {}
    retry_after = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return status, float(retry_after) if retry_after is not None else None
    except ValueError:
        return status, None


class Sender:
    """Sends activities to stored conversations, politely and persistently."""

    def __init__(self, adapter: CloudAdapter, app_id: str, base_delay: float = 0.5) -> None:
        self.adapter = adapter
        self.app_id = app_id
        self.base_delay = base_delay
        self._app = AsyncLimiter(PER_APP, 1)
        self._conversations: OrderedDict[str, AsyncLimiter] = OrderedDict()

    def _limiter(self, conversation_id: str) -> AsyncLimiter:
        limiter = self._conversations.pop(conversation_id, None) or AsyncLimiter(
            PER_CONVERSATION, 1
        )
        self._conversations[conversation_id] = limiter
        while len(self._conversations) > 10_000:
            self._conversations.popitem(last=False)
        return limiter

    async def send(self, reference: ConversationReference, payloads: list[dict[str, Any]]) -> None:
        """Send each payload into the conversation; raises Unreachable on 403."""

        failures: list[Exception] = []

        async def logic(context: TurnContext) -> None:
            try:
                for payload in payloads:
                    await self.with_retries(
                        reference.conversation.id,
                        lambda p=payload: context.send_activity(Activity().deserialize(p)),
                        proactive=True,
                    )
            except Exception as exc:  # raised below, not swallowed by the turn's error handler
                failures.append(exc)

        await self.adapter.continue_conversation(reference, logic, self.app_id)
        if failures:
            raise failures[0]

    async def with_retries(self, conversation_id: str, call: Any, proactive: bool = False) -> Any:
        """One connector call under the rate limits, retried on transient failures.

        Replies within a turn are limited per conversation; proactive sends also share the
        app-wide budget, which is what bulk notifications exhaust.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            async with (
                self._app if proactive else contextlib.nullcontext(),
                self._limiter(conversation_id),
            ):
                try:
                    return await call()
                except HttpOperationError as err:
                    status, retry_after = status_of(err)
                    if status == 403:
                        raise Unreachable("403") from err
                    if status not in RETRYABLE or attempt == MAX_ATTEMPTS:
                        raise
                except ClientRequestError:
                    if attempt == MAX_ATTEMPTS:
                        raise
                    status, retry_after = 0, None
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            log.info("connector answered %s; retrying in %.1fs", status or "no answer", delay)
            await asyncio.sleep(min(delay, 60.0))
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        return float(self.base_delay * 2 ** (attempt - 1) * (0.5 + random.random()))
