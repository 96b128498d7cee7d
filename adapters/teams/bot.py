"""The Teams channel: a botbuilder CloudAdapter whose turns hand everything to the core.

Every line that depends on the Bot Framework SDK lives in adapters/teams/.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)

from adapters.broadcast.engine import Sender as Broadcast
from adapters.channel import Core
from adapters.delivery import Outcome
from adapters.teams import render
from adapters.teams.broadcast import TeamsBroadcast
from adapters.teams.clients import ReusingAuthentication
from adapters.teams.references import load_reference, reference_json
from adapters.teams.route import ROUTE, handler
from adapters.teams.send import Sender, Unreachable
from adapters.teams.turns import KEEP_RESULT_SECONDS, Turns, user_of
from bot import dispatch
from bot.directory import Profile
from bot.messages import Incoming, Reply, TextReply
from bot.settings import Settings

__all__ = ["TeamsChannel", "load_reference", "reference_json", "user_of"]
log = logging.getLogger("policybot.teams")


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


class TeamsChannel:
    """Translates Bot Framework activities to core calls and core replies to activities."""

    name = "teams"
    pushes = True

    def __init__(self, core: Core) -> None:
        settings = core.settings
        self.settings = settings
        self.deps = core.deps
        self.addresses = core.addresses
        self.outbox = core.outbox
        self.lease = settings.inbox_lease  # a repeat sends kept replies older than this
        self.app_id = settings.microsoft_app_id or ""
        self.adapter = CloudAdapter(ReusingAuthentication(_Config(settings)))
        self.adapter.on_turn_error = self._on_turn_error
        self.sender = Sender(self.adapter, self.app_id)
        self.bot = Turns(self)
        self._known: set[str] = set()
        self._background: set[asyncio.Task[None]] = set()
        # Slow dialog submissions, by the token of the dialog waiting for their result.
        self.pending: dict[str, asyncio.Task[list[Reply]]] = {}

    def mount(self, app: web.Application) -> None:
        """Serve Bot Framework activities on `app`."""
        app.router.add_post(ROUTE, handler(self))
        if self.app_id:
            log.info("channel teams: enabled (POST %s, app %s)", ROUTE, self.app_id)
        else:
            log.warning(
                "channel teams: enabled WITHOUT AUTHENTICATION (TEAMS_EMULATOR): anyone who "
                "can reach POST %s can act as any user. Use only with the Bot Framework "
                "Emulator.",
                ROUTE,
            )

    async def deliver(self, user_id: str, person_id: str, reply: Reply) -> Outcome:
        """A notification, in the person's chat with the bot (opened first if need be)."""
        addresses = self.addresses
        reference = await addresses.of(person_id, "teams")
        if reference is None and await addresses.is_unreachable(person_id, "teams"):
            return Outcome(permanent_error="unreachable (403)")
        try:
            if reference is None:
                template = await addresses.latest("teams")
                if template is None:
                    return Outcome(skip=True)  # no one has talked to the bot yet
                opened = await self.open_conversation(user_id, load_reference(template))
                reference = reference_json(opened)
                await addresses.put(person_id, "teams", reference)
            await self.sender.send(load_reference(reference), render.activities([reply]))
        except Unreachable:
            await addresses.unreachable(person_id, "teams")
            return Outcome(permanent_error="unreachable (403)")
        except Exception as exc:
            log.warning("Teams delivery failed: %s", type(exc).__name__)
            return Outcome()
        return Outcome(sent=True)

    def broadcast(self) -> Broadcast:
        """Announcements, through this channel's adapter (the engine does the retrying)."""
        return TeamsBroadcast(self.settings, self)

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
