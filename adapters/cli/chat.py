"""`policybot chat`: the bot in this terminal."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from adapters.cli.root import Root
from bot.settings import Settings

COMMANDS = ("chat",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    chat = sub.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument(
        "--as",
        dest="email",
        help="your email, as in the directory (default: a trial you@example.com)",
    )
    chat.add_argument("--name", default="You", help="your display name")
    chat.add_argument(
        "--add", action="store_true", help="add the --as person to the directory if missing"
    )


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    logging.getLogger().setLevel(logging.WARNING)
    return asyncio.run(_chat(settings, root, args.email, args.name, args.add))


TRIAL_EMAIL = "you@example.com"


async def _chat(settings: Settings, root: Root, email: str | None, name: str, add: bool) -> int:
    from adapters.console.chat import ConsoleChat
    from bot import entry
    from bot.directory import is_email

    if email is not None and not is_email(email.strip()):
        print(f"policybot: --as needs an email address, not {email!r}", file=sys.stderr)
        return 2
    services = await root.bootstrap(settings)
    try:
        if email is None:
            email, add = TRIAL_EMAIL, True  # the trial person, added on first use
        address = email.strip().lower()
        known = await entry.read(services.deps, lambda uow: uow.people.by_email(address))
        if known is None and not add:
            print(
                f"policybot: {email} is not in the directory: import it "
                "(policybot people import FILE.csv) or pass --add to add them",
                file=sys.stderr,
            )
            return 1
        await ConsoleChat(services, email.strip(), name).run()
    finally:
        await services.close()
    return 0
