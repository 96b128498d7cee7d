"""Announcements to Slack: chat.postMessage tagged with message metadata, so that a send whose
outcome was lost can be found again in the conversation's history instead of repeated."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.broadcast.engine import Result
from adapters.slack import render
from adapters.slack.client import close_connections, keep_connections
from bot.features.announcements.model import Announcement
from bot.messages import Card
from bot.recipient import Job
from bot.settings import Settings

log = logging.getLogger("policybot.broadcast.slack")
EVENT_TYPE = "policybot_announcement"

# Slack's error codes that will not change by retrying, as the reasons HR sees.
REASONS = {
    "account_inactive": "deactivated",
    "user_disabled": "deactivated",
    "user_not_found": "user left",
    "channel_not_found": "user left",
    "cannot_dm_bot": "blocked",
    "messages_tab_disabled": "blocked",
    "restricted_action": "blocked",
    "not_in_channel": "not installed",
    "is_archived": "channel archived",
    "not_authed": "not installed",
    "invalid_auth": "not installed",
    "account_revoked": "not installed",
    "token_revoked": "not installed",
}


# chat.update errors meaning the delivered message can no longer be edited.
GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


class SlackBroadcast:
    """The engine's Slack sender. Retries are the engine's job: the client does none."""

    platform = "slack"
    per_conversation = 1.0  # Slack: about one message per second into one conversation
    addressed = False

    def __init__(self, settings: Settings) -> None:
        assert settings.slack_bot_token is not None
        self.rate = settings.slack_rate
        self.client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_api_url,
            timeout=10,
            retry_handlers=[],
        )

    async def close(self) -> None:
        await close_connections(self.client)

    async def send(self, job: Job, announcement: Announcement, card: Card) -> Result:
        message = render.messages([card])[0]
        metadata = {
            "event_type": EVENT_TYPE,
            "event_payload": {"announcement_id": announcement.id, "recipient": job.id},
        }
        answer = await self._call(
            self.client.chat_postMessage, channel=job.address, metadata=metadata, **message
        )
        if isinstance(answer, Result):
            return answer
        return Result(ref=f"{answer.get('channel', job.address)}|{answer.get('ts', '')}")

    async def find(self, job: Job, announcement: Announcement) -> Result | None:
        """The earlier message in the conversation's history (tagged by its metadata); None
        when it is not there; a Result saying why when the history cannot be read now."""
        channel = job.address
        if not job.person_id.startswith("#"):  # a person: look in the DM with them
            opened = await self._call(self.client.conversations_open, users=job.address)
            if isinstance(opened, Result):
                return opened
            channel = str((opened.get("channel") or {}).get("id") or "")
        if not channel:
            return Result(transient="no conversation")
        history = await self._call(
            self.client.conversations_history,
            channel=channel,
            limit=100,
            include_all_metadata=True,
        )
        if isinstance(history, Result):
            return history
        for message in history.get("messages") or []:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if (
                meta.get("event_type") == EVENT_TYPE
                and payload.get("announcement_id") == announcement.id
            ):
                return Result(ref=f"{channel}|{message.get('ts', '')}")
        return None

    async def update(self, job: Job, card: Card) -> Result:
        channel, _, ts = job.message_ref.partition("|")
        message = render.messages([card])[0]
        answer = await self._call(self.client.chat_update, channel=channel, ts=ts, **message)
        if isinstance(answer, Result) and answer.transient in GONE:
            return Result(permanent="message gone")  # deleted or too old: leave it be
        return answer if isinstance(answer, Result) else Result(ref=job.message_ref)

    async def _call(self, method: Any, **kwargs: Any) -> Any:
        """The answer's data, or a Result saying what went wrong."""
        keep_connections(self.client)
        try:
            response = await method(**kwargs)
            return response.data if hasattr(response, "data") else response
        except SlackApiError as err:
            status = err.response.status_code
            if status == 429:
                retry = err.response.headers.get("Retry-After") or err.response.headers.get(
                    "retry-after"
                )
                return Result(retry_after=_seconds(retry))
            code = str(err.response.get("error", "") or f"HTTP {status}")
            if status == 403:
                return Result(permanent="blocked")
            if code in REASONS:
                return Result(permanent=REASONS[code])
            log.warning("Slack %s failed: %s", getattr(method, "__name__", "call"), code)
            return Result(transient=code)
        except (TimeoutError, OSError) as err:
            return Result(transient=type(err).__name__)
        except Exception as err:  # aiohttp's own errors, unexpected bodies
            return Result(transient=type(err).__name__)


def _seconds(value: Any) -> float:
    try:
        return max(0.0, min(120.0, float(value)))
    except (TypeError, ValueError):
        return 1.0
