"""Announcements to Teams: a proactive message per person through the Bot Connector.

The connector cannot list a conversation's messages, so unlike Slack a send whose outcome was
lost (a worker killed during the call) cannot be checked: it is sent again. The window is the
one HTTP call, so this is rare; the engine's records say which rows it affected.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ConversationAccount, ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.broadcast.engine import Result
from adapters.ports import Addresses
from adapters.teams import render
from adapters.teams.references import load_reference, reference_json
from adapters.teams.send import PER_CONVERSATION, status_of
from bot.features.announcements.model import Announcement
from bot.messages import Card
from bot.recipient import Job
from bot.settings import Settings

log = logging.getLogger("policybot.broadcast.teams")


class Host(Protocol):
    """What the sender needs of its channel (`bot.TeamsChannel`)."""

    adapter: CloudAdapter
    addresses: Addresses
    app_id: str

    async def open_conversation(
        self, user_id: str, template: ConversationReference
    ) -> ConversationReference:
        """Start a 1:1 chat with a user who has the app, where `template` was seen."""
        ...


class TeamsBroadcast:
    """The engine's Teams sender: no retries of its own, 429s go back to the shared limiter."""

    platform = "teams"
    per_conversation = float(PER_CONVERSATION)
    addressed = False

    def __init__(self, settings: Settings, channel: Host) -> None:
        self.rate = settings.teams_rate
        self.channel = channel

    async def _reference(self, job: Job) -> Any:
        """The stored conversation with this person, opened now if there is none yet; for a
        channel, the tenant's service address with the channel's conversation id."""
        addresses = self.channel.addresses
        if job.person_id.startswith("#"):
            template = await addresses.latest("teams")
            if template is None:
                return Result(permanent="not installed")
            reference = load_reference(template)
            tenant = getattr(reference.conversation, "tenant_id", None)
            reference.conversation = ConversationAccount(
                id=job.address, is_group=True, conversation_type="channel", tenant_id=tenant
            )
            return reference
        stored = await addresses.of(job.person_id, "teams")
        if stored is not None:
            return load_reference(stored)
        if await addresses.is_unreachable(job.person_id, "teams"):
            return Result(permanent="blocked")
        template = await addresses.latest("teams")
        if template is None:
            return Result(permanent="not installed")
        try:
            opened = await self.channel.open_conversation(job.address, load_reference(template))
        except HttpOperationError as err:
            return self._error(err, job)
        except ClientRequestError as err:
            return Result(transient=type(err).__name__)
        await addresses.put(job.person_id, "teams", reference_json(opened))
        return opened

    async def send(self, job: Job, announcement: Announcement, card: Card) -> Result:
        reference = await self._reference(job)
        if isinstance(reference, Result):
            return reference
        payload = render.activities([card])[0]
        sent: list[str] = []
        failures: list[Exception] = []

        async def logic(context: TurnContext) -> None:
            try:
                response = await context.send_activity(Activity().deserialize(payload))
                sent.append(str(getattr(response, "id", "") or "sent"))
            except Exception as exc:  # re-raised below, outside the turn's error handler
                failures.append(exc)

        try:
            await self.channel.adapter.continue_conversation(reference, logic, self.channel.app_id)
        except Exception as exc:
            failures.append(exc)
        if sent:
            return Result(ref=sent[0])
        result = self._error(failures[0] if failures else RuntimeError("nothing sent"), job)
        if result.permanent and not job.person_id.startswith("#"):
            await self.channel.addresses.unreachable(job.person_id, "teams")
        return result

    async def find(self, job: Job, announcement: Announcement) -> Result | None:
        return None  # the Bot Connector cannot list what a conversation holds

    async def update(self, job: Job, card: Card) -> Result:
        reference = await self._reference(job)
        if isinstance(reference, Result):
            return reference
        payload = render.activities([card])[0]
        failures: list[Exception] = []

        async def logic(context: TurnContext) -> None:
            try:
                activity = Activity().deserialize(payload)
                activity.id = job.message_ref
                await context.update_activity(activity)
            except Exception as exc:
                failures.append(exc)

        await self.channel.adapter.continue_conversation(reference, logic, self.channel.app_id)
        return self._error(failures[0], job) if failures else Result(ref=job.message_ref)

    def _error(self, err: Exception, job: Job) -> Result:
        if isinstance(err, HttpOperationError):
            status, retry_after = status_of(err)
            if status == 429:
                return Result(retry_after=retry_after if retry_after is not None else 1.0)
            if status == 403:
                text = str(getattr(err.response, "text", "") or "")
                return Result(permanent="not installed" if "install" in text.lower() else "blocked")
            if status == 404:
                return Result(permanent="not installed")
            return Result(transient=f"HTTP {status}")
        return Result(transient=type(err).__name__)
