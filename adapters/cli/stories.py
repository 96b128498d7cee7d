"""`policybot stories export`: every story with its decision and votes."""

from __future__ import annotations

import argparse
import asyncio
import sys

from adapters.cli.root import Root
from bot.settings import Settings

COMMANDS = ("stories",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    stories = sub.add_parser("stories", help="success stories")
    stories_sub = stories.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = stories_sub.add_parser("export", help="every story with its decision and votes")
    export.add_argument("--csv", action="store_true", help="CSV (default: one line per story)")


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    return asyncio.run(_stories_export(settings, root, args.csv))


async def _stories_export(settings: Settings, root: Root, as_csv: bool) -> int:
    import csv

    from adapters.cli.root import OPERATOR
    from bot import entry
    from bot.features.stories import admin

    services = await root.bootstrap(settings)
    try:
        stories = await entry.read(services.deps, lambda uow: admin.export(uow, OPERATOR))
    finally:
        await services.close()
    if not as_csv:
        for e in stories:
            s, mark = e.story, f", won {e.won}" if e.won else ""
            print(f"{s.id}\t{s.status.value}\t{e.votes} vote(s){mark}\t{s.title}")
        print(f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'}; every column: --csv")
        return 0
    writer = csv.writer(sys.stdout)
    writer.writerow(
        ["id", "title", "author_email", "status", "may_be_shared", "link", "submitted_at",
         "decided_at", "decline_reason", "votes", "won"]
    )  # fmt: skip
    for e in stories:
        s, author = e.story, e.author
        writer.writerow(
            [
                s.id,
                s.title,
                (author.email or "") if author else "",
                s.status.value,
                str(s.share_ok).lower(),
                s.link,
                s.created_at.isoformat(timespec="seconds"),
                s.decided_at.isoformat(timespec="seconds") if s.decided_at else "",
                s.reason,
                e.votes,
                e.won,
            ]
        )
    return 0
