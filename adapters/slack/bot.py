"""The Slack channel: a Bolt AsyncApp whose listeners hand everything to the core."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from adapters.broadcast.engine import Sender
from adapters.channel import Core
from adapters.delivery import Outcome
from adapters.slack import render
from adapters.slack.broadcast import SlackBroadcast
from adapters.slack.client import UNREACHABLE, call, client, close_connections, keep_connections
from adapters.slack.inbox import MAX_ATTEMPTS, REPLY_EVENT, Recorded
from adapters.slack.listeners import COMMANDS, Listeners
from adapters.slack.route import ROUTE, handler
from adapters.slack.socket import DurableSocketModeHandler
from bot import dispatch, entry
from bot.batch import Batcher
from bot.directory import Profile
from bot.messages import Form, Incoming, Reply, Text, TextReply

__all__ = ["COMMANDS", "MAX_ATTEMPTS", "UNREACHABLE", "SlackChannel"]
log = logging.getLogger("policybot.slack")
VIEW_DEADLINE = 2.0  # seconds to answer a modal submission in place (Slack allows three)


class SlackChannel:
    """Translates Slack requests to core calls and core replies to Web API calls.

    Messages typed to the bot over HTTP or Socket Mode go through the inbox (`Recorded`);
    buttons, forms, commands and the home tab go through Bolt's listeners (`Listeners`).
    """

    name = "slack"
    pushes = True

    def __init__(self, core: Core) -> None:
        settings = core.settings
        self.settings = settings
        self.deps = core.deps
        self.checks = core.checks
        self.inbox = core.inbox
        self.lease = settings.inbox_lease
        self.view_deadline = VIEW_DEADLINE
        self.closing = False
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
        self.batcher = Batcher(core.deps)
        self.recorded = Recorded(self, core.inbox, core.outbox)
        self._profiles: dict[str, Profile] = {}
        self._known: set[str] = set()  # users already complete in the directory
        Listeners(self).register(self.app)

    def mount(self, app: web.Application) -> None:
        """Serve Slack on `app`: the HTTP route, or a Socket Mode connection."""
        settings = self.settings
        inbox = self.inbox

        async def inbox_health() -> dict[str, Any]:
            # Messages wait in the inbox for milliseconds; one older than a few leases means
            # no process is answering them.
            found = await inbox.backlog()
            stuck = found["oldest_seconds"] > 3 * settings.inbox_lease
            return {"status": "degraded" if stuck else "ok", **found}

        self.checks["inbox"] = inbox_health
        socket = None
        if settings.slack_app_token is not None:
            socket = DurableSocketModeHandler(self, settings.slack_app_token.get_secret_value())
            log.info("channel slack: enabled (Socket Mode)")
        else:
            assert settings.slack_signing_secret is not None
            secret = settings.slack_signing_secret.get_secret_value()
            app.router.add_post(ROUTE, handler(self, secret))
            log.info("channel slack: enabled (HTTP, POST %s)", ROUTE)

        async def start(_: web.Application) -> None:
            self.start()
            if socket is not None:
                await socket.connect_async()

        async def stop(_: web.Application) -> None:
            if socket is not None:
                await socket.close_async()
            await self.close()

        app.on_startup.append(start)
        app.on_shutdown.append(stop)

    async def deliver(self, user_id: str, person_id: str, reply: Reply) -> Outcome:
        """A notification, as a direct message."""
        error = await self.post(user_id, [reply])
        return Outcome(sent=not error, permanent_error=error if error in UNREACHABLE else "")

    def broadcast(self) -> Sender:
        """Announcements, through a client of their own (the engine does the retrying)."""
        return SlackBroadcast(self.settings)

    def start(self) -> None:
        """Called in the running event loop before the first request."""
        keep_connections(self.client)
        self.recorded.start()

    async def close(self, grace: float = 8.0) -> None:
        """Stop taking events; finish what is in hand within `grace` seconds, and give the
        rest back to the inbox for whichever process runs next."""
        self.closing = True
        await self.recorded.stop(grace)
        await self.batcher.drain()
        await close_connections(self.client)

    async def accept(self, body: dict[str, Any]) -> bool:
        """Record a message event in the inbox before Slack is acknowledged (see `Recorded`)."""
        return await self.recorded.accept(body)

    async def recover(self) -> None:
        """Post replies and answer events that other processes left (see `Recorded`)."""
        await self.recorded.recover()

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
            person = await entry.person(self.deps, incoming.user)
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
        """One Web API call (the client retries); "" on success, else the error code."""
        return await call(method, **kwargs)
