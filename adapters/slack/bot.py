"""The Slack channel: a Bolt AsyncApp whose listeners hand everything to the core."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from pydantic import TypeAdapter, ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound, render
from bot import dispatch, home
from bot.batch import Batcher
from bot.catalog import ROUTES
from bot.deps import Deps
from bot.directory import Profile, identify
from bot.messages import ConversationRef, Form, Incoming, Reply, Submission, Text, TextReply
from bot.settings import Settings
from storage.inbox import InboxQueue
from storage.outbox import OutboxQueue, reply_id

log = logging.getLogger("policybot.slack")
_FORM: TypeAdapter[Form] = TypeAdapter(Form)
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
COMMANDS = {"help": "help", "cancel": "cancel", **ROUTES.slash}
"""`/policy <subcommand>` -> what it stands for typed in chat: the features declare theirs."""


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


REPLY_EVENT = "policybot_reply"
VIEW_DEADLINE = 2.0  # seconds to answer a modal submission in place (Slack allows three)
WORKING = Form(
    "working", "Working on it", (), intro="One moment: saving what you sent.", submit_label="Close"
)
DONE = "Done. You can close this window."
MAX_ATTEMPTS = 5  # an event that failed this often is dropped (logged), not retried forever


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


class SlackChannel:
    """Translates Slack requests to core calls and core replies to Web API calls.

    Messages typed to the bot (DMs and mentions, over HTTP) are recorded in the inbox before
    Slack gets its acknowledgement, answered in a transaction that writes their replies to
    the outbox, and posted from there: a crash at any point loses nothing, and a reply that
    may have been posted already is looked for in the conversation before it is sent again.
    """

    def __init__(self, settings: Settings, deps: Deps, inbox: InboxQueue | None = None) -> None:
        self.deps = deps
        self.inbox = inbox
        self.lease = settings.inbox_lease
        self.view_deadline = VIEW_DEADLINE
        self.closing = False
        self._work: dict[str, asyncio.Task[None]] = {}  # delivery -> its answering task
        self._recovery: asyncio.Task[None] | None = None
        self.client = client(settings)
        secret = settings.slack_signing_secret
        self.app = AsyncApp(
            client=self.client,
            signing_secret=secret.get_secret_value() if secret else "socket-mode",
            # The HTTP route verifies signatures before Bolt sees a request; Socket Mode
            # connections are authenticated by the app token.
            request_verification_enabled=False,
            process_before_response=False,
            ignoring_self_events_enabled=True,
            logger=logging.getLogger("policybot.slack.bolt"),
        )
        # Messages typed to the bot share transactions when many arrive at once.
        self.batcher = Batcher(deps)
        self._profiles: dict[str, Profile] = {}
        self._known: set[str] = set()  # users already complete in the directory
        self._register()

    def start(self) -> None:
        """Called in the running event loop before the first request."""
        keep_connections(self.client)
        if self.inbox is not None:
            self._recovery = asyncio.create_task(self._recover_forever(), name="slack-inbox")

    async def close(self, grace: float = 8.0) -> None:
        """Stop taking events; finish what is in hand within `grace` seconds, and give the
        rest back to the inbox for whichever process runs next."""
        self.closing = True
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
        if self._work:
            await asyncio.wait(set(self._work.values()), timeout=grace)
        left = [d for d, task in self._work.items() if not task.done()]
        for task in self._work.values():
            task.cancel()
        if left and self.inbox is not None:
            with contextlib.suppress(Exception):
                await self.inbox.release(left)
            log.info("left %d event(s) in the inbox for the next start", len(left))
        await self.batcher.drain()
        await close_connections(self.client)

    async def accept(self, body: dict[str, Any]) -> bool:
        """Record a message event in the inbox before Slack is acknowledged; False when it
        could not be recorded (Slack will send it again). Events that are not for us, and
        repeats of recorded ones, are acknowledged without recording."""
        assert self.inbox is not None
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
        assert self.inbox is not None
        try:
            replies = await self.handle(message, durable=True)
        except Exception as exc:
            # Still in the inbox: taken up again once its lease runs out.
            log.warning("a recorded event waits for another try: %s", type(exc).__name__)
            return
        if replies:
            error = await self.post(
                message.conversation.id,
                replies,
                message.conversation.thread,
                reply_to=reply_id(message.delivery_id),
            )
            if error and error not in UNREACHABLE:
                return  # the outbox keeps it: posted by the recovery once the lease runs out
        await self.inbox.sent([reply_id(message.delivery_id)])

    async def _recover_forever(self) -> None:
        while True:
            try:
                await self.recover()
            except Exception as exc:
                log.warning("inbox recovery failed: %s", type(exc).__name__)
            await asyncio.sleep(max(0.5, self.lease / 3))

    async def recover(self) -> None:
        """Post replies whose sender died (unless they are in the conversation already), and
        answer events whose handler died."""
        assert self.inbox is not None
        if self.closing:
            return
        queue = OutboxQueue(self.inbox.store)
        since = datetime.now(UTC) - timedelta(seconds=self.lease)
        for row_id, where, replies, written in await queue.stale_replies("slack", since):
            posted = await self._posted_parts(where, row_id, written)
            if posted is None:
                continue  # the history cannot be read now: try again later
            error = await self.post(where.id, replies, where.thread, reply_to=row_id, skip=posted)
            if not error or error in UNREACHABLE:
                await self.inbox.sent([row_id])
        for key, attempts, event in await self.inbox.abandoned("slack"):
            if attempts > MAX_ATTEMPTS:
                # Never answered: say so (nothing it asked for was saved), rather than
                # leave the person waiting, and stop trying.
                log.error("dropped an event that failed %d times", attempts - 1)
                where = _message_of(event).conversation
                apology: list[Reply] = [TextReply(self.deps.content.chat.unavailable)]
                await self.post(where.id, apology, where.thread)
                await self.inbox.drop(key)
                continue
            self._answer_later(_message_of(event))

    async def _posted_parts(
        self, where: ConversationRef, row_id: str, written: datetime
    ) -> set[int] | None:
        """Which parts of a reply are in the conversation already (by their metadata)."""
        args: dict[str, Any] = {
            "channel": where.id,
            "oldest": f"{written.timestamp() - 60:.6f}",
            "limit": 200,
            "include_all_metadata": True,
        }
        method: Callable[..., Awaitable[Any]] = self.client.conversations_history
        if where.thread:
            method, args["ts"] = self.client.conversations_replies, where.thread
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

    def _register(self) -> None:
        app = self.app
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_mention)
        app.event("app_home_opened")(self._on_home)
        app.command(re.compile(r"^/policy"))(self._on_command)
        app.action(re.compile(r".+"))(self._on_action)
        app.view(re.compile(r".+"))(self._on_view)
        app.error(self._on_error)

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        # Never log the body: it carries what users typed.
        log.error("listener failed: %s (%s)", type(error).__name__, body.get("type", "?"))

    async def _on_message(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        if event.get("channel_type") != "im":
            return  # channel chatter is not for us; mentions arrive as app_mention
        if not inbound.is_human_message(event, context.get("bot_user_id")):
            return
        message = inbound.dm_text(event, str(body.get("event_id") or ""))
        await self.reply(message, await self.handle(message))

    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        if not inbound.is_human_message(event, context.get("bot_user_id")):
            return
        message = inbound.mention_text(event, str(body.get("event_id") or ""))
        await self.reply(message, await self.handle(message))

    async def _on_home(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        user = inbound.user(event["user"])
        async with self.deps.store() as uow:
            person = await identify(uow, user, await self.profile(user.id))
            await uow.commit()
            shown = await home.view(self.deps, uow, person)
        blocks = render.view_blocks(shown)
        await self.call(
            self.client.views_publish, user_id=user.id, view={"type": "home", "blocks": blocks}
        )

    async def _after(self, ack: AsyncAck, incoming: Incoming) -> list[Reply]:
        """Handle, then acknowledge: Slack hears back once the change is committed (or after
        the deadline, when it is slow, so that the person sees no error)."""
        work = asyncio.create_task(self.handle(incoming), name="slack-interaction")
        await asyncio.wait({work}, timeout=self.view_deadline)
        await ack()
        return await work

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        text = str(body.get("text") or "").strip()
        word, _, rest = text.partition(" ")
        word = word.lower()
        said = rest.strip() if word == "ask" and rest.strip() else COMMANDS.get(word, "help")
        if word == "training" and rest.strip().lower() == "report":
            said = "training report"
        message = Text(
            inbound.user(body["user_id"]),
            ConversationRef("slack", body["user_id"]),
            said,
        )
        # A form answer (e.g. `/policy announce`) opens as a modal straight away.
        await self.reply(message, await self._after(ack, message), body.get("trigger_id"))

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        press = inbound.action(body, action)
        trigger = body.get("trigger_id")
        if press.action_id == "open_form":
            await ack()
            try:
                form = _FORM.validate_json(press.value)
            except ValidationError:
                await self.reply(
                    press, [TextReply("That form has expired. Type *help* to start again.")]
                )
                return
            await self.open_form(form, press, trigger)
            return
        await self.reply(press, await self._after(ack, press), trigger)

    async def _on_view(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        if view.get("callback_id") in (WORKING.form_id, "done"):
            await ack()  # "Close" on a modal that only says something
            return
        fields = render.field_values((view.get("state") or {}).get("values") or {})
        form, meta = inbound.submission(body, fields)
        where = {"channel": str(meta.get("channel", "")), "thread": str(meta.get("thread", ""))}
        work = asyncio.create_task(self.handle(form), name="slack-view")
        done, _ = await asyncio.wait({work}, timeout=self.view_deadline)
        if not done:
            # Slack allows three seconds: show that it is in hand, then put the result in
            # the same modal, so a receipt is never lost even when the answer is slow.
            await ack(response_action="update", view=render.modal(WORKING, where))
            replies = await work
            await self._show_late(body, form, replies, where)
            return
        replies = work.result()
        again = next((r for r in replies if isinstance(r, Form)), None)
        if again is not None and again.form_id == form.form_id and again.errors:
            await ack(response_action="errors", errors=dict(again.errors))
            return
        if again is not None:
            # A follow-on form (a receipt, a status) replaces the modal: what it shows never
            # lands in the chat history.
            await ack(response_action="update", view=render.modal(again, where))
        else:
            await ack()
        await self.reply(form, [r for r in replies if r is not again])

    async def _show_late(
        self, body: dict[str, Any], form: Submission, replies: list[Reply], where: dict[str, str]
    ) -> None:
        """The result of a slow submission, in the modal that says it is being worked on."""
        again = next((r for r in replies if isinstance(r, Form)), None)
        shown = again or Form("done", "Done", (), intro=DONE, submit_label="Close")
        view_id = str((body.get("view") or {}).get("id") or "")
        error = await self.call(
            self.client.views_update, view_id=view_id, view=render.modal(shown, where)
        )
        if error and again is not None:
            # The modal is gone (closed meanwhile): an ephemeral message, never kept in the
            # conversation's history, is the one place left for what it must show.
            user = form.user.id
            text = f"*{again.title}*\n{again.intro}"
            await self.call(self.client.chat_postEphemeral, channel=user, user=user, text=text)
        await self.reply(form, [r for r in replies if r is not again])

    async def profile(self, user_id: str) -> Profile | None:
        """Name, email and time zone from users.info, once per user and process."""
        if user_id in self._profiles:
            return self._profiles[user_id]
        try:
            info = await self.client.users_info(user=user_id)
        except SlackApiError as err:
            log.warning("users.info failed: %s", err.response.get("error"))
            return None
        except (TimeoutError, OSError) as err:  # the Web API is unreachable: ask next time
            log.warning("users.info failed: %s", type(err).__name__)
            return None
        user = info.get("user") or {}
        prof = user.get("profile") or {}
        profile = Profile(
            display_name=prof.get("real_name") or user.get("real_name") or user.get("name"),
            email=prof.get("email"),
            timezone=user.get("tz"),
        )
        if len(self._profiles) > 10_000:
            self._profiles.clear()
        self._profiles[user_id] = profile
        return profile

    async def handle(self, incoming: Incoming, durable: bool = False) -> list[Reply]:
        """Run the core; new users are completed from their Slack profile.

        `durable`: the message is in the inbox, so a failure raises (it will be answered
        later) instead of apologising now."""
        user_id = incoming.user.id
        profile = None
        if user_id not in self._known:
            async with self.deps.store() as uow:
                person = await uow.people.by_user(incoming.user)
            if person is None or not person.email:
                profile = await self.profile(user_id)
            if len(self._known) > 100_000:
                self._known.clear()
            self._known.add(user_id)
        try:
            if isinstance(incoming, Text) and incoming.delivery_id:
                return await self.batcher.handle(incoming, profile)
            return await dispatch.handle(self.deps, incoming, profile)
        except Exception as exc:  # the user must hear back even when something broke
            if durable:
                raise
            log.error("handling failed: %s", type(exc).__name__)
            return [TextReply(self.deps.content.chat.unavailable)]

    async def open_form(self, form: Form, where: Incoming, trigger: str | None) -> None:
        """A form as a modal; without a trigger, a button that opens it."""
        if not trigger:
            await self.reply(where, [form])
            return
        meta = {"channel": where.conversation.id, "thread": where.conversation.thread or ""}
        await self.call(self.client.views_open, trigger_id=trigger, view=render.modal(form, meta))

    async def reply(self, to: Incoming, replies: list[Reply], trigger: str | None = None) -> None:
        """Send replies where the message came from; the first form opens as a modal."""
        rest: list[Reply] = []
        for r in replies:
            if isinstance(r, Form) and trigger:
                await self.open_form(r, to, trigger)
                trigger = None  # a trigger_id works once
            else:
                rest.append(r)
        await self.post(to.conversation.id, rest, to.conversation.thread)

    async def post(
        self,
        channel: str,
        replies: list[Reply],
        thread: str | None = None,
        reply_to: str = "",
        skip: set[int] | frozenset[int] = frozenset(),
    ) -> str:
        """Post replies as messages; the error code if one could not be posted, else "".

        `reply_to` tags each message with the outbox row it comes from (message metadata),
        so that a restart can tell what was posted; parts in `skip` are not posted again."""
        for part, message in enumerate(render.messages(replies)):
            if part in skip:
                continue
            if thread:
                message["thread_ts"] = thread
            if reply_to:
                message["metadata"] = {
                    "event_type": REPLY_EVENT,
                    "event_payload": {"reply": reply_to, "part": part},
                }
            error = await self.call(self.client.chat_postMessage, channel=channel, **message)
            if error:
                return error
        return ""

    async def call(self, method: Callable[..., Awaitable[Any]], **kwargs: Any) -> str:
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
