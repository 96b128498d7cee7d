"""The `policybot` command: one module per command group, each declaring its arguments
(`add`) and running them (`run`) with what the composition root gives it (`root.Root`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Protocol

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
from adapters.cli.root import Root
from bot.settings import Settings, SettingsError, StartupError, load_settings


class Group(Protocol):
    """A command group: the module of one or more commands."""

    @property
    def COMMANDS(self) -> tuple[str, ...]: ...

    def add(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...

    def run(self, args: argparse.Namespace, settings: Settings, root: Root) -> int: ...


GROUPS: tuple[Group, ...] = (
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


def main(argv: Sequence[str], root: Root) -> int:
    """Run one command (`app.cli`, the `policybot` console script, passes the root in)."""
    args = _parser().parse_args(argv)
    try:
        # The Teams package is a manifest with the app id: it needs no password.
        settings = load_settings(channels=args.command != "teams")
        return _run(args, settings, root)
    except SettingsError as err:
        print(f"policybot: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
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
        return group.run(args, settings, root)
    except StartupError as err:
        print(f"policybot: {err}", file=sys.stderr)
        return 2
