"""The Teams channel: a botbuilder CloudAdapter whose turns hand everything to the core.

Every line that depends on the Bot Framework SDK lives in adapters/teams/.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from pydantic import TypeAdapter, ValidationError

from adapters.teams import render
from adapters.teams.clients import ReusingAuthentication
from adapters.teams.send import Sender, Unreachable
from bot import dispatch
from bot.deps import Deps
from bot.directory import Profile
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
from bot.settings import Settings
from storage.addresses import Addresses
from storage.outbox import OutboxQueue, reply_id

log = logging.getLogger("policybot.teams")
_FORM: TypeAdapter[Form] = TypeAdapter(Form)


class _Config:
    """The SDK's configuration object, from our settings."""

    def __init__(self, settings: Settings) -> None:
        secret = settings.microsoft_app_password
        self.APP_ID = settings.microsoft_app_id or ""
        self.APP_PASSWORD = secret.get_secret_value() if secret else ""
        self.APP_TYPE = settings.microsoft_app_type
        self.APP_TENANTID = settings.microsoft_app_tenant_id or ""
        if settings.teams_openid_metadata_url:
            # Setting any endpoint switches the SDK to its parameterised mode, which needs the
            # public cloud's other values spelled out too.
            from botbuilder.schema import CallerIdConstants
            from botframework.connector.auth import AuthenticationConstants as Auth

            url = settings.teams_openid_metadata_url
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = url
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = url
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = Auth.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
            self.TO_CHANNEL_FROM_BOT_LOGIN_URL = Auth.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
            self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = Auth.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            self.OAUTH_URL = Auth.OAUTH_URL
            self.CALLER_ID = CallerIdConstants.public_azure_channel.value


def user_of(account: ChannelAccount) -> UserRef:
    """A Teams user as a core user reference."""
    return UserRef("teams", str(account.id))


def reference_json(source: Activity | ConversationReference) -> str:
    """The opaque conversation reference stored for proactive messages."""
    if isinstance(source, Activity):
        activity = source
        source = TurnContext.get_conversation_reference(activity)
        data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        tenant = (data.get("tenant") or {}).get("id")
        if source.conversation is not None and not source.conversation.tenant_id and tenant:
            # Teams sends the tenant as conversation.tenantId, which the SDK's model drops.
            source.conversation.tenant_id = tenant
    return json.dumps(source.serialize())


def load_reference(raw: str) -> ConversationReference:
    """A stored conversation reference back."""
    return ConversationReference().deserialize(json.loads(raw))


class TeamsChannel:
    """Translates Bot Framework activities to core calls and core replies to activities."""

    def __init__(
        self, settings: Settings, deps: Deps, addresses: Addresses, outbox: OutboxQueue
    ) -> None:
        self.deps = deps
        self.addresses = addresses
        self.outbox = outbox
        self.lease = settings.inbox_lease  # a repeat sends kept replies older than this
        self.app_id = settings.microsoft_app_id or ""
        self.adapter = CloudAdapter(ReusingAuthentication(_Config(settings)))
        self.adapter.on_turn_error = self._on_turn_error
        self.sender = Sender(self.adapter, self.app_id)
        self.bot = _Bot(self)
        self._known: set[str] = set()
        self._background: set[asyncio.Task[None]] = set()
        # Slow dialog submissions, by the token of the dialog waiting for their result.
        self.pending: dict[str, asyncio.Task[list[Reply]]] = {}

    def forget_later(self, token: str) -> None:
        """A finished result is kept for a while for its dialog to show, then dropped."""
        asyncio.get_running_loop().call_later(
            KEEP_RESULT_SECONDS, lambda: self.pending.pop(token, None)
        )

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("turn failed: %s (%s)", type(error).__name__, context.activity.type)
        try:
            await context.send_activity(self.deps.content.chat.unavailable)
        except Exception as exc:
            log.error("could not apologise: %s", type(exc).__name__)

    async def authenticate(self, auth_header: str, activity: Activity) -> Any:
        """Check the request's token; raises (any exception) when it is not acceptable."""
        auth = self.adapter.bot_framework_authentication
        return await auth.authenticate_request(activity, auth_header)

    async def process(self, authenticated: Any, activity: Activity) -> InvokeResponse | None:
        """Run one authenticated activity through the bot."""
        return await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)

    async def handle(self, context: TurnContext, incoming: Incoming) -> list[Reply]:
        """Run the core; new users are completed from their Teams profile."""
        profile = None
        if incoming.user.id not in self._known:
            profile = await self._profile(context)
        try:
            replies = await dispatch.handle(self.deps, incoming, profile)
        except Exception as exc:  # the user must hear back even when something broke
            log.error("handling failed: %s", type(exc).__name__)
            return [TextReply(self.deps.content.chat.unavailable)]
        if incoming.user.id not in self._known:
            try:
                await self.addresses.remember(incoming.user, reference_json(context.activity))
            except Exception as exc:  # the answer matters more; the next message retries
                log.warning("could not store the conversation reference: %s", type(exc).__name__)
                return replies
            if len(self._known) > 100_000:
                self._known.clear()
            self._known.add(incoming.user.id)
        return replies

    async def _profile(self, context: TurnContext) -> Profile:
        sender = context.activity.from_property
        profile = Profile(display_name=sender.name)
        if context.activity.channel_id == "msteams":
            try:
                from botbuilder.core.teams import TeamsInfo

                member = await TeamsInfo.get_member(context, sender.id)
                email = getattr(member, "email", None) or getattr(
                    member, "user_principal_name", None
                )
                profile = Profile(display_name=member.name or sender.name, email=email)
            except Exception as exc:
                log.info("member lookup failed: %s", type(exc).__name__)
        return profile

    async def send(self, context: TurnContext, replies: list[Reply]) -> None:
        """Send replies in the turn's conversation (in the thread of a channel message)."""
        conversation = str(context.activity.conversation.id)
        try:
            for payload in render.activities(replies):
                await self.sender.with_retries(
                    conversation,
                    lambda p=payload: context.send_activity(Activity().deserialize(p)),
                )
        except Unreachable:
            log.info("conversation refuses messages (403)")

    async def open_conversation(
        self, user_id: str, template: ConversationReference
    ) -> ConversationReference:
        """Start a 1:1 chat with a user who has the app, where `template` was seen."""
        tenant = getattr(template.conversation, "tenant_id", None)
        parameters = ConversationParameters(
            is_group=False,
            bot=template.bot,
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        created: list[ConversationReference] = []

        async def logic(context: TurnContext) -> None:
            created.append(TurnContext.get_conversation_reference(context.activity))

        await self.sender.with_retries(
            f"create:{user_id}",
            lambda: self.adapter.create_conversation(
                self.app_id, logic, parameters, template.channel_id, template.service_url, None
            ),
            proactive=True,
        )
        if not created:
            raise RuntimeError("the connector created no conversation")
        return created[0]

    def later(self, activity: Activity, replies: list[Reply]) -> None:
        """Send replies after the invoke response, through the stored conversation."""
        if not replies:
            return
        reference = TurnContext.get_conversation_reference(activity)
        task = asyncio.create_task(self.sender.send(reference, render.activities(replies)))
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _shared(activity: Activity) -> bool:
    """A channel or a group chat (others read it), rather than the personal chat."""
    kind = getattr(activity.conversation, "conversation_type", None) or "personal"
    return str(kind) != "personal"


class _Bot(ActivityHandler):
    def __init__(self, channel: TeamsChannel) -> None:
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
            kept = reply_id(incoming.delivery_id)
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
