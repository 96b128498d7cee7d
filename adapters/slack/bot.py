"""The Slack channel: a Bolt AsyncApp whose listeners hand everything to the core."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
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
from bot.deps import Deps
from bot.directory import Profile, identify
from bot.messages import ConversationRef, Form, Incoming, Reply, Text, TextReply
from bot.settings import Settings

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
COMMANDS = {
    "help": "help",
    "tickets": "tickets",
    "cancel": "cancel",
    "report": "report",
    "follow-up": "follow up",
    "followup": "follow up",
    "cases": "cases",
    "quiz": "quiz",
    "training": "quiz",
    "survey": "surveys",
    "surveys": "surveys",
    "announce": "announce",
    "announcements": "announcements",
    "to-read": "to read",
    "changes": "what changed",
    "what-changed": "what changed",
    "suggest": "suggest",
    "suggestions": "suggestions",
    "review": "review summary",
    "story": "share a story",
    "stories": "stories",
    "vote": "vote",
    "daily": "daily question",
}


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


class SlackChannel:
    """Translates Slack requests to core calls and core replies to Web API calls."""

    def __init__(self, settings: Settings, deps: Deps) -> None:
        self.deps = deps
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

    async def close(self) -> None:
        await self.batcher.drain()
        await close_connections(self.client)

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

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
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
        await self.reply(message, await self.handle(message), body.get("trigger_id"))

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        press = inbound.action(body, action)
        trigger = body.get("trigger_id")
        if press.action_id == "open_form":
            try:
                form = _FORM.validate_json(press.value)
            except ValidationError:
                await self.reply(
                    press, [TextReply("That form has expired. Type *help* to start again.")]
                )
                return
            await self.open_form(form, press, trigger)
            return
        await self.reply(press, await self.handle(press), trigger)

    async def _on_view(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        fields = render.field_values((view.get("state") or {}).get("values") or {})
        form, meta = inbound.submission(body, fields)
        replies = await self.handle(form)
        again = next((r for r in replies if isinstance(r, Form)), None)
        if again is not None and again.form_id == form.form_id and again.errors:
            await ack(response_action="errors", errors=dict(again.errors))
            return
        if again is not None:
            # A follow-on form (a receipt, a status) replaces the modal: what it shows never
            # lands in the chat history.
            where = {"channel": str(meta.get("channel", "")), "thread": str(meta.get("thread", ""))}
            await ack(response_action="update", view=render.modal(again, where))
        else:
            await ack()
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

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Run the core; new users are completed from their Slack profile."""
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

    async def post(self, channel: str, replies: list[Reply], thread: str | None = None) -> str:
        """Post replies as messages; the error code if one could not be posted, else ""."""
        for message in render.messages(replies):
            if thread:
                message["thread_ts"] = thread
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
