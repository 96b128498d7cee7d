"""`policybot serve` (the server, as `python app.py`) and `policybot worker`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from adapters.cli.root import Root
from bot.settings import Settings

log = logging.getLogger("policybot")

COMMANDS = ("serve", "worker")


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    sub.add_parser("serve", help="run the server (same as python app.py)")
    sub.add_parser("worker", help="run a broadcast worker (with TASK_BROKER_URL)")


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    if args.command == "serve":
        return _serve(settings, root)
    return asyncio.run(_worker(settings, root))


def _serve(settings: Settings, root: Root) -> int:
    import errno

    try:
        root.serve(settings)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(
            f"policybot: cannot listen on {settings.host}:{settings.port}: the port is in use "
            "(is another policybot running? set PORT to use another)",
            file=sys.stderr,
        )
        return 2
    return 0


async def _worker(settings: Settings, root: Root) -> int:
    import signal

    from adapters.broadcast import Broadcaster

    if settings.task_broker_url is None:
        print(
            "policybot: missing setting TASK_BROKER_URL: a separate worker needs a shared queue "
            "(without one, `policybot serve` sends broadcasts itself)",
            file=sys.stderr,
        )
        return 2
    services = await root.bootstrap(settings)
    broadcaster = Broadcaster(services)
    try:
        await broadcaster.start(tick=True)
    except Exception as exc:
        await services.close()
        print(
            f"policybot: task queue unreachable ({type(exc).__name__}): check TASK_BROKER_URL",
            file=sys.stderr,
        )
        return 2
    consuming = asyncio.create_task(broadcaster.consume())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, consuming.cancel)
    log.info("worker: consuming broadcast tasks")
    try:
        await consuming
    except asyncio.CancelledError:
        log.info("worker: stopping")
    finally:
        await broadcaster.stop()
        await services.close()
    return 0
