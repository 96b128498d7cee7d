"""Slack: Events API, interactivity and slash commands on /slack/events, or Socket Mode."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from app import Services

log = logging.getLogger("policybot.slack")
ROUTE = "/slack/events"


def mount(web_app: web.Application, services: Services) -> None:
    """Serve Slack on `web_app`: the HTTP route, or a Socket Mode connection; plus delivery."""
    from adapters.delivery import Delivery, Outcome
    from adapters.slack.bot import UNREACHABLE, SlackChannel
    from adapters.slack.route import handler
    from bot.messages import Reply
    from storage.inbox import InboxQueue

    settings = services.settings
    inbox = InboxQueue(services.store, settings.inbox_lease)
    # Over HTTP and Socket Mode alike, messages are recorded in the inbox before the ack.
    channel = SlackChannel(settings, services.deps, inbox)

    async def deliver(user_id: str, person_id: str, reply: Reply) -> Outcome:
        error = await channel.post(user_id, [reply])
        return Outcome(sent=not error, permanent_error=error if error in UNREACHABLE else "")

    delivery = Delivery(services.outbox, "slack", deliver)
    services.store.listeners.append(lambda _: delivery.wake())
    services.checks["slack"] = delivery.health
    if channel.inbox is not None:

        async def inbox_health() -> dict[str, Any]:
            # Messages wait in the inbox for milliseconds; one older than a few leases means
            # no process is answering them.
            found = await inbox.backlog()
            stuck = found["oldest_seconds"] > 3 * settings.inbox_lease
            return {"status": "degraded" if stuck else "ok", **found}

        services.checks["inbox"] = inbox_health
    services.slack = channel
    socket = None
    if settings.slack_app_token is not None:
        from adapters.slack.socket import DurableSocketModeHandler

        socket = DurableSocketModeHandler(channel, settings.slack_app_token.get_secret_value())
        log.info("channel slack: enabled (Socket Mode)")
    else:
        assert settings.slack_signing_secret is not None
        secret = settings.slack_signing_secret.get_secret_value()
        web_app.router.add_post(ROUTE, handler(channel, secret))
        log.info("channel slack: enabled (HTTP, POST %s)", ROUTE)

    async def start(_: web.Application) -> None:
        channel.start()
        delivery.start()
        if socket is not None:
            await socket.connect_async()

    async def stop(_: web.Application) -> None:
        if socket is not None:
            await socket.close_async()
        await delivery.stop()
        await channel.close()

    web_app.on_startup.append(start)
    web_app.on_shutdown.append(stop)
