"""Microsoft Teams: Bot Framework activities on /api/messages, proactive delivery."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from app import Services

log = logging.getLogger("policybot.teams")
ROUTE = "/api/messages"


def mount(web_app: web.Application, services: Services) -> None:
    """Serve Teams on `web_app` and deliver notifications to Teams users."""
    from adapters.delivery import Delivery, Outcome
    from adapters.teams import render
    from adapters.teams.bot import TeamsChannel, load_reference, reference_json
    from adapters.teams.route import handler
    from adapters.teams.send import Unreachable
    from bot.messages import Reply
    from storage.addresses import Addresses

    settings = services.settings
    addresses = Addresses(services.store)
    channel = TeamsChannel(settings, services.deps, addresses, services.outbox)
    services.teams = channel

    async def deliver(user_id: str, person_id: str, reply: Reply) -> Outcome:
        reference = await addresses.of(person_id, "teams")
        if reference is None and await addresses.is_unreachable(person_id, "teams"):
            return Outcome(permanent_error="unreachable (403)")
        try:
            if reference is None:
                template = await addresses.latest("teams")
                if template is None:
                    return Outcome(skip=True)  # no one has talked to the bot yet
                opened = await channel.open_conversation(user_id, load_reference(template))
                reference = reference_json(opened)
                await addresses.put(person_id, "teams", reference)
            await channel.sender.send(load_reference(reference), render.activities([reply]))
        except Unreachable:
            await addresses.unreachable(person_id, "teams")
            return Outcome(permanent_error="unreachable (403)")
        except Exception as exc:
            log.warning("Teams delivery failed: %s", type(exc).__name__)
            return Outcome()
        return Outcome(sent=True)

    delivery = Delivery(services.outbox, "teams", deliver)
    services.store.listeners.append(lambda _: delivery.wake())
    services.checks["teams"] = delivery.health
    web_app.router.add_post(ROUTE, handler(channel))
    if settings.microsoft_app_id:
        log.info("channel teams: enabled (POST %s, app %s)", ROUTE, settings.microsoft_app_id)
    else:
        log.warning(
            "channel teams: enabled WITHOUT AUTHENTICATION (TEAMS_EMULATOR): anyone who can "
            "reach POST %s can act as any user. Use only with the Bot Framework Emulator.",
            ROUTE,
        )

    async def start(_: web.Application) -> None:
        delivery.start()

    async def stop(_: web.Application) -> None:
        await delivery.stop()

    web_app.on_startup.append(start)
    web_app.on_shutdown.append(stop)
