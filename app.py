"""Composition root: reads settings once, builds the core, serves every channel on one app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters import health, logs
from adapters.broadcast import running
from adapters.channel import Channel, build_all, channel_ids, mount_all
from adapters.cli import main as command
from adapters.embedding import ModelError, semantic_parts
from adapters.web import mount as dashboard
from bot.catalog import ROUTES
from bot.clock import SystemClock
from bot.content import Content, ContentError, load_content
from bot.deps import Deps
from bot.features.faq import editing as faq_editing
from bot.features.faq.index import FaqIndex
from bot.ports import Clock, UnitOfWork
from bot.routing import Job
from bot.settings import Settings, StartupError
from storage import probe, references
from storage.addresses import Addresses
from storage.broadcasts import Broadcasts
from storage.cipher import KeyCipher
from storage.db import (
    current_revision,
    default_url,
    head_revision,
    make_engine,
    read_only,
    upgrade,
)
from storage.files import private_database, private_folder, sqlite_path
from storage.inbox_queue import InboxQueue
from storage.keys import old_secret_keys, secret_key
from storage.outbox_queue import OutboxQueue
from storage.seen import SeenEvents
from storage.uow import SqlStore, unavailable

log = logging.getLogger("policybot")


CHANNELS = ("slack", "teams", "console")
"""The channel packages under adapters/, in order: someone on several gets announcements on
the first. A new channel is its folder and its name here."""


@dataclass(slots=True)
class Services:
    """Everything built at start-up, closed at shutdown."""

    settings: Settings
    deps: Deps
    engine: AsyncEngine
    store: SqlStore
    outbox: OutboxQueue
    inbox: InboxQueue
    addresses: Addresses
    broadcasts: Broadcasts
    checks: dict[str, health.Check] = field(default_factory=dict)  # /healthz, by part
    probe: AsyncEngine | None = None  # the health checks' own connections
    _channels: dict[str, Channel] | None = None

    @property
    def channels(self) -> dict[str, Channel]:
        """The channels that are configured, by name, built on first use."""
        if self._channels is None:
            self._channels = build_all(self, CHANNELS)
        return self._channels

    @property
    def slack(self) -> Any:
        """The Slack channel, when configured (for tools that look inside it)."""
        return self.channels.get("slack")

    @property
    def teams(self) -> Any:
        """The Teams channel, when configured (for tools that look inside it)."""
        return self.channels.get("teams")

    async def close(self) -> None:
        """Release the database connections."""
        await self.engine.dispose()
        if self.probe is not None:
            await self.probe.dispose()


def load(settings: Settings) -> tuple[Content, FaqIndex]:
    """Content and the FAQ matcher; raises ContentError naming every problem."""
    with ThreadPoolExecutor(1) as pool:  # the model loads while the content is read
        parts = pool.submit(semantic_parts, settings)
        content = load_content(settings.content_dir)
    try:
        embedder, cache, reason = parts.result()
    except ModelError as err:
        raise StartupError(f"FAQ model unusable: {err}") from None
    faq = FaqIndex(content.faq, content.vocabulary, embedder=embedder, cache=cache, reason=reason)
    return content, faq


async def prepare_database(settings: Settings) -> AsyncEngine:
    """The engine, with the embedded database upgraded and an external one checked."""
    url = settings.database_url
    if url is None:
        private_folder(settings.data_dir)
        url = default_url(settings.data_dir)
    path = sqlite_path(url)
    if path is not None:
        private_database(path)  # before SQLite creates it, or its WAL, with the umask's mode
    engine = make_engine(url)
    try:
        if settings.embedded:
            await upgrade(engine)
        else:
            current = await current_revision(engine)
            if current != head_revision():
                raise StartupError(
                    f"database schema is at {current or 'nothing'}, not {head_revision()}: "
                    "run `policybot db upgrade` first"
                )
        await probe.write(engine)  # a database the bot cannot write would fail every change
    except StartupError:
        await engine.dispose()
        raise
    except Exception as exc:
        await engine.dispose()
        if read_only(exc):
            raise StartupError(
                "database is read-only: the bot needs to write to it (check the file's "
                "permissions, or the database user's)"
            ) from exc
        if unavailable(exc) or isinstance(exc, asyncio.TimeoutError):
            raise StartupError(
                f"database unreachable ({type(exc).__name__}): check DATABASE_URL"
            ) from exc
        raise
    return engine


async def upgrade_database(settings: Settings) -> str:
    """`policybot db upgrade`: bring the database to the current schema (creating the key
    that belongs with it); the revision it is at."""
    secret_key(settings)
    if settings.embedded:
        await (await prepare_database(settings)).dispose()
        return head_revision() or "base"
    engine = make_engine(settings.database_url or default_url(settings.data_dir))
    try:
        await upgrade(engine)
    except Exception as exc:
        if unavailable(exc):
            raise StartupError(f"database unreachable ({type(exc).__name__})") from exc
        raise
    finally:
        await engine.dispose()
    return head_revision() or "base"


async def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    content: tuple[Content, FaqIndex] | None = None,
) -> Services:
    """Build the core and its ports from the settings."""
    try:
        content_pair = content or load(settings)
    except ContentError as err:
        raise StartupError(f"content is invalid:\n{err}") from None
    key = secret_key(settings)
    engine = await prepare_database(settings)
    cipher = KeyCipher(key, old_secret_keys(settings))
    store = SqlStore(engine, cipher)
    outbox = OutboxQueue(store)
    sealed = await outbox.seal_legacy()
    if sealed:
        log.info("sealed %d outbox notification(s) written before outbox sealing", sealed)
    for problem in await references.stale(store, content_pair[0]):
        log.warning("content: %s", problem)
    deps = Deps(
        content=content_pair[0],
        faq=content_pair[1],
        store=store,
        clock=clock or SystemClock(),
        cipher=cipher,
        site_url=settings.site_url,
        platforms=CHANNELS,
        reminder_days=settings.reminder_days,
        channel_id=channel_ids(CHANNELS),
        intake_links=settings.public_url is not None,
    )
    async with store() as uow:  # HR's changes to the FAQ, made on the dashboard
        await faq_editing.refresh(deps, uow)
    inbox = InboxQueue(store, settings.inbox_lease)
    services = Services(
        settings, deps, engine, store, outbox, inbox, Addresses(store), Broadcasts(store)
    )
    services.probe = probe.check_engine(engine)
    services.checks.update(probe.checks(services.probe, cipher), **health.core(deps))
    return services


SERVICES = web.AppKey("services", Services)
CASE_CHECK_SECONDS = 60.0


def jobs(services: Services) -> list[tuple[str, Callable[[UnitOfWork], Awaitable[int]]]]:
    """The periodic jobs the features declare (`Routes.jobs`), by name, bound to the core's
    dependencies: each runs in its own unit of work, committed by the runner."""
    deps = services.deps

    def bound(job: Job) -> Callable[[UnitOfWork], Awaitable[int]]:
        return lambda uow: job(deps, uow)

    return [(name, bound(job)) for name, job in ROUTES.jobs.items()]


async def run_jobs(services: Services) -> dict[str, int | None]:
    """Run every periodic job once, each alone: one failing never stops the others.

    What each did (a count), or None when it failed; failures are logged under the job's name
    with the kind of error only.
    """
    done: dict[str, int | None] = {}
    for name, job in jobs(services):
        try:
            async with services.store() as uow:
                count = await job(uow)
                await uow.commit()
            done[name] = int(count or 0)
            if count:
                log.info("job %s: %d", name, count)
        except Exception as exc:  # a missed deadline matters: the next job still runs
            done[name] = None
            log.error("job %s failed: %s", name, type(exc).__name__)
    return done


def _casework(services: Services) -> Any:
    """The in-process worker: runs the periodic jobs every minute, and forgets old platform
    deliveries once an hour.

    Timers live in the database, so they survive restarts; with several replicas each runs
    the jobs, and each step is taken once (the first to commit wins).
    """

    async def loop() -> None:
        seen, pruned = SeenEvents(services.store), 0.0
        while True:
            await run_jobs(services)
            if time.monotonic() - pruned > 3600:  # platforms retry for minutes, not days
                try:
                    await seen.forget_before(days=2)
                    await services.outbox.forget_failed(
                        services.deps.clock.now() - timedelta(days=30)
                    )
                    pruned = time.monotonic()
                except Exception as exc:
                    log.error("job forget deliveries failed: %s", type(exc).__name__)
            await asyncio.sleep(CASE_CHECK_SECONDS)

    async def context(_: web.Application) -> Any:
        task = asyncio.create_task(loop(), name="casework")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context


def web_app(services: Services) -> web.Application:
    """The aiohttp application that owns every route."""
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app.router.add_get("/healthz", health.handler(services.checks, probe.problem))

    async def close(_: web.Application) -> None:
        await services.close()

    app.on_cleanup.append(close)
    if services.settings.worker:
        app.cleanup_ctx.append(_casework(services))
    else:
        log.info("worker: off (POLICYBOT_WORKER=false): deadlines and reminders run elsewhere")
    mount_all(app, services, services.channels.values(), services.store.listeners.append)
    if services.settings.worker:
        app.cleanup_ctx.append(running(services))
    dashboard(app, services.deps, secret_key(services.settings))
    return app


def configure_logging(settings: Settings) -> None:
    """One log format for everything; nothing people wrote is logged, at any level."""
    logs.configure(settings.log_level)


def refuse_a_busy_port(host: str, port: int) -> None:
    """OSError EADDRINUSE when another process listens on `host` and `port`.

    Checked before anything starts, so a busy port refuses the start at once, before any
    database connection, worker or channel exists. The port is bound for real only once the
    application is ready: until then a client is refused and tries again, rather than
    waiting on a connection nobody answers yet."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    with socket.socket(family, kind, proto) as probe_socket:
        probe_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe_socket.bind(address)


def serve(settings: Settings) -> None:
    """Run the server until SIGINT or SIGTERM, then shut down gracefully."""
    configure_logging(settings)

    async def make() -> web.Application:
        services = await bootstrap(settings)
        application = web_app(services)
        # What lives as long as the process (code, content, the FAQ index) is never garbage:
        # moved out of the collector's full passes, which then pause requests for a few
        # milliseconds instead of about a hundred.
        gc.collect()
        gc.freeze()
        return application

    refuse_a_busy_port(settings.host, settings.port)
    web.run_app(
        make(),
        host=settings.host,
        port=settings.port,
        shutdown_timeout=10,
        print=lambda msg: log.info(msg.strip()),
        access_log=None,
    )


class Composition:
    """The composition root as the `policybot` command sees it (`adapters.cli.root.Root`)."""

    def load(self, settings: Settings) -> tuple[Content, FaqIndex]:
        return load(settings)

    async def bootstrap(self, settings: Settings) -> Services:
        return await bootstrap(settings)

    async def upgrade(self, settings: Settings) -> str:
        return await upgrade_database(settings)

    def serve(self, settings: Settings) -> None:
        serve(settings)


def cli(argv: Sequence[str] | None = None) -> int:
    """The `policybot` command (`python app.py COMMAND ...` is the same)."""
    return command(sys.argv[1:] if argv is None else argv, Composition())


def main() -> int:
    """`python app.py`: the server, same as `policybot serve`; with arguments, the command."""
    return cli(sys.argv[1:] or ["serve"])


if __name__ == "__main__":
    sys.exit(main())
