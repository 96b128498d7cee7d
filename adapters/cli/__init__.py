"""The `policybot` command: one module per command group, each declaring its arguments
(`add`) and running them (`run`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from adapters.cli import (
    announce,
    ask,
    cases,
    chat,
    content,
    db,
    people,
    policy,
    server,
    stories,
    survey,
    teams,
    training,
)
from bot.settings import Settings, SettingsError, load_settings

GROUPS: tuple[ModuleType, ...] = (
    server,
    chat,
    ask,
    content,
    db,
    people,
    cases,
    survey,
    training,
    policy,
    stories,
    announce,
    teams,
)
ANSWERS_QUESTIONS = frozenset({"serve", "chat", "ask", "worker"})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policybot", description="Policy Bot")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `policybot` console script."""
    args = _parser().parse_args(argv)
    try:
        # The Teams package is a manifest with the app id: it needs no password.
        settings = load_settings(channels=args.command != "teams")
        return _run(args, settings)
    except SettingsError as err:
        print(f"policybot: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace, settings: Settings) -> int:
    import app
    from adapters import logs

    logs.configure(settings.log_level, "%(levelname)s %(name)s: %(message)s")
    if args.command != "serve":
        # Migrations say what they run; a command's own output says where the database is.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command not in ANSWERS_QUESTIONS and settings.faq_semantic is not True:
        # Commands that never answer a question do without the sentence model (it takes a
        # second or two to load): their FAQ is only needed to read the content.
        settings = settings.model_copy(update={"faq_semantic": False})
    group = next(g for g in GROUPS if args.command in g.COMMANDS)
    try:
        return int(group.run(args, settings))
    except app.StartupError as err:
        print(f"policybot: {err}", file=sys.stderr)
        return 2
