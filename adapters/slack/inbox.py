"""Messages typed to the bot (DMs and mentions) through the inbox: recorded before Slack is
acknowledged, answered in a transaction that writes their replies to the outbox, and posted
from there. A crash at any point loses nothing, and a reply that may have been posted
already is looked for in the conversation before it is sent again."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.ports import InboxQueue, OutboxQueue
from adapters.slack import inbound
from adapters.slack.client import UNREACHABLE
from bot.deps import Deps
from bot.messages import ConversationRef, Incoming, Reply, Text, TextReply

log = logging.getLogger("policybot.slack")
REPLY_EVENT = "policybot_reply"
MAX_ATTEMPTS = 5  # an event that failed this often is dropped (logged), not retried forever


class Host(Protocol):
    """What the inbox path needs of its channel (`bot.SlackChannel`)."""

    deps: Deps
    client: AsyncWebClient
    lease: float  # a message held longer than this by a replica is taken over
    closing: bool  # the channel is shutting down: take nothing new

    async def handle(self, incoming: Incoming, durable: bool = False) -> list[Reply]:
        """Run the core for one message."""
        ...

    async def post(
        self,
        channel: str,
        replies: list[Reply],
        thread: str | None = None,
        reply_to: str = "",
        skip: set[int] | frozenset[int] = frozenset(),
    ) -> str:
        """Post replies; the error code if one could not be posted, else ""."""
        ...


def _event_of(message: Text) -> dict[str, Any]:
    """What the inbox keeps of a message (sealed): enough to answer it after a restart."""
    c = message.conversation
    return {
        "user": message.user.id,
        "channel": c.id,
        "thread": c.thread,
        "text": message.text,
        "delivery": message.delivery_id,
    }


def _message_of(event: dict[str, Any]) -> Text:
    return Text(
        inbound.user(str(event["user"])),
        ConversationRef("slack", str(event["channel"]), event.get("thread") or None),
        str(event["text"]),
        str(event["delivery"]),
        durable=True,
    )


class Recorded:
    """The inbox path of one Slack channel: recording, answering, and taking over."""

    def __init__(self, channel: Host, inbox: InboxQueue, outbox: OutboxQueue) -> None:
        self.channel = channel
        self.inbox = inbox
        self.outbox = outbox
        self._work: dict[str, asyncio.Task[None]] = {}  # delivery -> its answering task
        self._recovery: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start taking over what other processes left (in the running event loop)."""
        self._recovery = asyncio.create_task(self._recover_forever(), name="slack-inbox")

    async def stop(self, grace: float) -> None:
        """Finish what is in hand within `grace` seconds, and give the rest back to the inbox
        for whichever process runs next."""
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
        if self._work:
            await asyncio.wait(set(self._work.values()), timeout=grace)
        left = [d for d, task in self._work.items() if not task.done()]
        for task in self._work.values():
            task.cancel()
        if left:
            with contextlib.suppress(Exception):
                await self.inbox.release(left)
            log.info("left %d event(s) in the inbox for the next start", len(left))

    async def accept(self, body: dict[str, Any]) -> bool:
        """Record a message event in the inbox before Slack is acknowledged; False when it
        could not be recorded (Slack will send it again). Events that are not for us, and
        repeats of recorded ones, are acknowledged without recording."""
        event = body.get("event")
        if not isinstance(event, dict):
            return True
        bot_ids = {
            a.get("user_id") for a in body.get("authorizations") or [] if isinstance(a, dict)
        }
        bot_user = next((b for b in bot_ids if b), None)
        if event.get("type") == "message" and event.get("channel_type") != "im":
            return True  # channel chatter is not for us; mentions arrive as app_mention
        if not inbound.is_human_message(event, bot_user):
            return True
        event_id = str(body.get("event_id") or "")
        if not event_id or not isinstance(event.get("channel"), str):
            return True
        if event.get("type") == "app_mention":
            message = inbound.mention_text(event, event_id)
        else:
            message = inbound.dm_text(event, event_id)
        message = dataclasses.replace(message, durable=True)
        try:
            fresh = await self.inbox.record(message.delivery_id, "slack", _event_of(message))
        except Exception as exc:
            log.warning("could not record an event: %s", type(exc).__name__)
            return False
        if fresh:
            self._answer_later(message)
        return True

    def _answer_later(self, message: Text) -> None:
        if message.delivery_id in self._work:
            return
        task = asyncio.create_task(self._answer(message), name="slack-answer")
        self._work[message.delivery_id] = task
        task.add_done_callback(lambda _: self._work.pop(message.delivery_id, None))

    async def _answer(self, message: Text, attempts: int = 0) -> None:
        """Answer a recorded message and post its replies (then drop them from the outbox)."""
        kept = self.outbox.reply_id(message.delivery_id)
        try:
            replies = await self.channel.handle(message, durable=True)
        except Exception as exc:
            # Still in the inbox: taken up again once its lease runs out.
            log.warning("a recorded event waits for another try: %s", type(exc).__name__)
            return
        if replies:
            where = message.conversation
            error = await self.channel.post(where.id, replies, where.thread, reply_to=kept)
            if error and error not in UNREACHABLE:
                return  # the outbox keeps it: posted by the recovery once the lease runs out
        await self.inbox.sent([kept])

    async def _recover_forever(self) -> None:
        while True:
            try:
                await self.recover()
            except Exception as exc:
                log.warning("inbox recovery failed: %s", type(exc).__name__)
            await asyncio.sleep(max(0.5, self.channel.lease / 3))

    async def recover(self) -> None:
        """Post replies whose sender died (unless they are in the conversation already), and
        answer events whose handler died."""
        if self.channel.closing:
            return
        post = self.channel.post
        since = datetime.now(UTC) - timedelta(seconds=self.channel.lease)
        for row_id, where, replies, written in await self.outbox.stale_replies("slack", since):
            posted = await self._posted_parts(where, row_id, written)
            if posted is None:
                continue  # the history cannot be read now: try again later
            error = await post(where.id, replies, where.thread, reply_to=row_id, skip=posted)
            if not error or error in UNREACHABLE:
                await self.inbox.sent([row_id])
        for key, attempts, event in await self.inbox.abandoned("slack"):
            if attempts > MAX_ATTEMPTS:
                # Never answered: say so (nothing it asked for was saved), rather than
                # leave the person waiting, and stop trying.
                log.error("dropped an event that failed %d times", attempts - 1)
                where = _message_of(event).conversation
                apology: list[Reply] = [TextReply(self.channel.deps.content.chat.unavailable)]
                await post(where.id, apology, where.thread)
                await self.inbox.drop(key)
                continue
            self._answer_later(_message_of(event))

    async def _posted_parts(
        self, where: ConversationRef, row_id: str, written: datetime
    ) -> set[int] | None:
        """Which parts of a reply are in the conversation already (by their metadata)."""
        client = self.channel.client
        args: dict[str, Any] = {
            "channel": where.id,
            "oldest": f"{written.timestamp() - 60:.6f}",
            "limit": 200,
            "include_all_metadata": True,
        }
        method: Callable[..., Awaitable[Any]] = client.conversations_history
        if where.thread:
            method, args["ts"] = client.conversations_replies, where.thread
        try:
            found = await method(**args)
        except SlackApiError as err:
            log.warning("Slack history failed: %s", err.response.get("error"))
            return None
        except (TimeoutError, OSError) as err:
            log.warning("Slack history failed: %s", type(err).__name__)
            return None
        parts: set[int] = set()
        for m in found.get("messages") or []:
            meta = m.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == REPLY_EVENT and payload.get("reply") == row_id:
                parts.add(int(payload.get("part", 0)))
        return parts
