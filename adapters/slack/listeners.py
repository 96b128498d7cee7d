"""The Bolt listeners: events, slash commands, buttons and modal submissions to the core."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from pydantic import TypeAdapter, ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import inbound, render
from bot import entry
from bot.catalog import ROUTES
from bot.deps import Deps
from bot.directory import Profile
from bot.messages import ConversationRef, Form, Incoming, Reply, Submission, Text, TextReply

log = logging.getLogger("policybot.slack")
_FORM: TypeAdapter[Form] = TypeAdapter(Form)
COMMANDS = {"help": "help", "cancel": "cancel", **ROUTES.slash}
"""`/policy <subcommand>` -> what it stands for typed in chat: the features declare theirs."""
WORKING = Form(
    "working", "Working on it", (), intro="One moment: saving what you sent.", submit_label="Close"
)
DONE = "Done. You can close this window."


class Host(Protocol):
    """What the listeners need of their channel (`bot.SlackChannel`)."""

    deps: Deps
    client: AsyncWebClient
    view_deadline: float  # seconds to answer a modal submission in place

    async def profile(self, user_id: str) -> Profile | None:
        """What Slack says of a user, for someone new to the directory."""
        ...

    async def call(self, method: Callable[..., Awaitable[Any]], **kwargs: Any) -> str:
        """One Web API call; "" on success, else the error code."""
        ...

    async def handle(self, incoming: Incoming, durable: bool = False) -> list[Reply]:
        """Run the core for one message, press or submission."""
        ...

    async def reply(self, to: Incoming, replies: list[Reply], trigger: str | None = None) -> None:
        """Answer where the message came from (a form opens as a modal with `trigger`)."""
        ...

    async def open_form(self, form: Form, where: Incoming, trigger: str | None) -> None:
        """Open a form as a modal (or post it, without a trigger)."""
        ...


class Listeners:
    """What Bolt calls, for one channel."""

    def __init__(self, channel: Host) -> None:
        self.channel = channel

    def register(self, app: AsyncApp) -> None:
        """Route every kind of request the app receives to its listener."""
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
        await self.channel.reply(message, await self.channel.handle(message))

    async def _on_mention(self, body: dict[str, Any], event: dict[str, Any], context: Any) -> None:
        if not inbound.is_human_message(event, context.get("bot_user_id")):
            return
        message = inbound.mention_text(event, str(body.get("event_id") or ""))
        await self.channel.reply(message, await self.channel.handle(message))

    async def _on_home(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        channel = self.channel
        user = inbound.user(event["user"])
        shown = await entry.home_view(channel.deps, user, await channel.profile(user.id))
        blocks = render.view_blocks(shown)
        await channel.call(
            channel.client.views_publish, user_id=user.id, view={"type": "home", "blocks": blocks}
        )

    async def _after(self, ack: AsyncAck, incoming: Incoming) -> list[Reply]:
        """Handle, then acknowledge: Slack hears back once the change is committed (or after
        the deadline, when it is slow, so that the person sees no error)."""
        work = asyncio.create_task(self.channel.handle(incoming), name="slack-interaction")
        await asyncio.wait({work}, timeout=self.channel.view_deadline)
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
        replies = await self._after(ack, message)
        await self.channel.reply(message, replies, body.get("trigger_id"))

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        press = inbound.action(body, action)
        trigger = body.get("trigger_id")
        if press.action_id == "open_form":
            await ack()
            try:
                form = _FORM.validate_json(press.value)
            except ValidationError:
                await self.channel.reply(
                    press, [TextReply("That form has expired. Type *help* to start again.")]
                )
                return
            await self.channel.open_form(form, press, trigger)
            return
        await self.channel.reply(press, await self._after(ack, press), trigger)

    async def _on_view(self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        if view.get("callback_id") in (WORKING.form_id, "done"):
            await ack()  # "Close" on a modal that only says something
            return
        fields = render.field_values((view.get("state") or {}).get("values") or {})
        form, meta = inbound.submission(body, fields)
        where = {"channel": str(meta.get("channel", "")), "thread": str(meta.get("thread", ""))}
        work = asyncio.create_task(self.channel.handle(form), name="slack-view")
        done, _ = await asyncio.wait({work}, timeout=self.channel.view_deadline)
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
        await self.channel.reply(form, [r for r in replies if r is not again])

    async def _show_late(
        self, body: dict[str, Any], form: Submission, replies: list[Reply], where: dict[str, str]
    ) -> None:
        """The result of a slow submission, in the modal that says it is being worked on."""
        channel = self.channel
        again = next((r for r in replies if isinstance(r, Form)), None)
        shown = again or Form("done", "Done", (), intro=DONE, submit_label="Close")
        view_id = str((body.get("view") or {}).get("id") or "")
        error = await channel.call(
            channel.client.views_update, view_id=view_id, view=render.modal(shown, where)
        )
        if error and again is not None:
            # The modal is gone (closed meanwhile): an ephemeral message, never kept in the
            # conversation's history, is the one place left for what it must show.
            user = form.user.id
            text = f"*{again.title}*\n{again.intro}"
            await channel.call(
                channel.client.chat_postEphemeral, channel=user, user=user, text=text
            )
        await channel.reply(form, [r for r in replies if r is not again])
