"""One Bot Framework turn: messages, card actions and dialogs to the core, replies back."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ChannelAccount
from pydantic import TypeAdapter, ValidationError

from adapters.ports import OutboxQueue
from adapters.teams import render
from bot.deps import Deps
from bot.features.faq import faq
from bot.messages import (
    Action,
    ConversationRef,
    Form,
    Incoming,
    Reply,
    Submission,
    Text,
    TextReply,
    UserRef,
)


class Host(Protocol):
    """What a turn needs of its channel (`bot.TeamsChannel`)."""

    deps: Deps
    outbox: OutboxQueue
    lease: float
    pending: dict[str, asyncio.Task[list[Reply]]]

    async def handle(self, context: TurnContext, incoming: Incoming) -> list[Reply]:
        """Run the core for one incoming message, press or submission."""
        ...

    async def send(self, context: TurnContext, replies: list[Reply]) -> None:
        """Send replies in the turn's conversation."""
        ...

    def later(self, activity: Activity, replies: list[Reply]) -> None:
        """Send replies after the invoke response."""
        ...

    def forget_later(self, token: str) -> None:
        """Drop a dialog's kept result after a while."""
        ...


_FORM: TypeAdapter[Form] = TypeAdapter(Form)


def user_of(account: ChannelAccount) -> UserRef:
    """A Teams user as a core user reference."""
    return UserRef("teams", str(account.id))


def _shared(activity: Activity) -> bool:
    """A channel or a group chat (others read it), rather than the personal faq."""
    kind = getattr(activity.conversation, "conversation_type", None) or "personal"
    return str(kind) != "personal"


class Turns(ActivityHandler):
    """The activity handler of one channel."""

    def __init__(self, channel: Host) -> None:
        self.channel = channel

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        user = user_of(activity.from_property)
        where = ConversationRef(
            "teams", str(activity.conversation.id), activity.reply_to_id, shared=_shared(activity)
        )
        value = activity.value if isinstance(activity.value, dict) else None
        incoming: Incoming
        if value and "policybot" in value:
            incoming = Action(user, where, str(value["policybot"]), str(value.get("value", "")))
        else:
            text = TurnContext.remove_recipient_mention(activity) or ""
            delivery = f"teams:{activity.conversation.id}:{activity.id}" if activity.id else ""
            incoming = Text(user, where, text.strip(), delivery, durable=bool(delivery))
        replies = await self.channel.handle(turn_context, incoming)
        if isinstance(incoming, Text) and incoming.durable:
            # The replies were committed with the answer: sent now, then dropped. A retry of
            # an activity whose replies were never sent (the process died) sends them then.
            kept = self.channel.outbox.reply_id(incoming.delivery_id)
            if not replies:  # a repeat: its replies, if a process died before sending them
                since = datetime.now(UTC) - timedelta(seconds=self.channel.lease)
                replies = await self.channel.outbox.replies_of(kept, older_than=since) or []
            await self.channel.send(turn_context, replies)
            await self.channel.outbox.delivered([kept])
            return
        await self.channel.send(turn_context, replies)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        recipient = turn_context.activity.recipient
        if any(m.id == recipient.id for m in members_added):
            welcome = TextReply(
                "Hi! I'm Policy Bot. Ask me anything about the social media policy, or type "
                "*help* to see everything I can do."
            )
            await self.channel.send(turn_context, [welcome])

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        name = activity.name or ""
        value = activity.value if isinstance(activity.value, dict) else {}
        handlers: dict[str, Callable[[TurnContext, dict[str, Any]], Awaitable[Any]]] = {
            "task/fetch": self._task_fetch,
            "task/submit": self._task_submit,
            "adaptiveCard/action": self._card_action,
        }
        handler = handlers.get(name)
        if handler is None:
            return InvokeResponse(status=501)
        return InvokeResponse(status=200, body=await handler(turn_context, value))

    async def _task_fetch(self, context: TurnContext, value: dict[str, Any]) -> dict[str, Any]:
        data = value.get("data") or {}
        try:
            form = _FORM.validate_json(str(data.get("policybot_form", "")))
        except ValidationError:
            return _task_message("That form has expired. Type help to start again.")
        return _task_card(form)

    async def _task_submit(self, context: TurnContext, value: dict[str, Any]) -> dict[str, Any]:
        activity = context.activity
        data = dict(value.get("data") or {})
        form_id = str(data.pop("policybot_form_id", ""))
        form_context = str(data.pop("policybot_context", ""))
        data.pop("msteams", None)
        fields = {k: "" if v is None else str(v) for k, v in data.items()}
        where = ConversationRef("teams", str(activity.conversation.id), shared=_shared(activity))
        submission = Submission(
            user_of(activity.from_property), where, form_id, fields, form_context
        )
        if form_id == RESULT_FORM:
            work = self.channel.pending.get(form_context)
            if work is None:
                return _task_message("That result is no longer here. Type help to start again.")
        else:
            work = asyncio.create_task(self.channel.handle(context, submission))
        done, _ = await asyncio.wait({work}, timeout=DIALOG_DEADLINE)
        if not done:
            # Teams gives a dialog a few seconds: say it is in hand, and show the result
            # (a receipt, say) in the same dialog when the person asks for it.
            token = form_context if form_id == RESULT_FORM else secrets.token_urlsafe(16)
            self.channel.pending[token] = work
            work.add_done_callback(lambda _: self.channel.forget_later(token))
            return _task_card(working(token))
        self.channel.pending.pop(form_context, None)
        replies = work.result()
        again = next((r for r in replies if isinstance(r, Form)), None)
        if again is not None:
            # Validation errors, or a follow-on form (a receipt, a status): shown in the
            # dialog, so what it says never lands in the chat history.
            self.channel.later(activity, [r for r in replies if r is not again])
            return _task_card(again)
        self.channel.later(activity, [r for r in replies if r is not again])
        return _task_message("Done.")

    async def _card_action(self, context: TurnContext, value: dict[str, Any]) -> dict[str, Any]:
        activity = context.activity
        action = value.get("action") or {}
        data = action.get("data") or {}
        where = ConversationRef("teams", str(activity.conversation.id), shared=_shared(activity))
        press = Action(
            user_of(activity.from_property),
            where,
            str(action.get("verb") or data.get("policybot") or ""),
            str(data.get("value", "")),
        )
        replies = await self.channel.handle(context, press)
        first = replies[0] if replies else faq.offer_hr(self.channel.deps)
        cards, _ = render.cards(first)
        self.channel.later(activity, replies[1:] + _overflow(cards))
        return {
            "statusCode": 200,
            "type": "application/vnd.microsoft.card.adaptive",
            "value": cards[0],
        }


def _overflow(cards: list[dict[str, Any]]) -> list[Reply]:
    return [TextReply("(continued in the next message)")] if len(cards) > 1 else []


DIALOG_DEADLINE = 3.0  # seconds to answer a dialog submission in place
RESULT_FORM = "dialog_result"
KEEP_RESULT_SECONDS = 600.0  # how long a slow submission's result waits to be shown


def working(token: str) -> Form:
    """The dialog shown while a slow submission is being handled."""
    return Form(
        RESULT_FORM,
        "Working on it",
        (),
        intro="One moment: saving what you sent. Press *Show the result* in a few seconds.",
        submit_label="Show the result",
        context=token,
    )


def _task_card(form: Form) -> dict[str, Any]:
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": form.title,
                "width": "medium",
                "card": render.attachment(render.form_card(form)),
            },
        }
    }


def _task_message(text: str) -> dict[str, Any]:
    return {"task": {"type": "message", "value": text}}
