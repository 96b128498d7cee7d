"""`policybot db upgrade`: the schema migrations."""

from __future__ import annotations

import argparse
import asyncio

from adapters.cli.root import Root
from bot.settings import Settings

COMMANDS = ("db",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    db = sub.add_parser("db", help="database")
    db_sub = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply schema migrations")


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    print(f"database is at revision {asyncio.run(root.upgrade(settings))}")
    return 0
