"""`policybot stories export`: every story with its decision and votes."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.settings import Settings

COMMANDS = ("stories",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    stories = sub.add_parser("stories", help="success stories")
    stories_sub = stories.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = stories_sub.add_parser("export", help="every story with its decision and votes")
    export.add_argument("--csv", action="store_true", help="CSV (default: one line per story)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command."""
    return asyncio.run(_stories_export(settings, args.csv))


async def _stories_export(settings: Settings, as_csv: bool) -> int:
    import csv

    import app

    services = await app.bootstrap(settings)
    try:
        async with services.store() as uow:
            stories = list(await uow.stories.all())
            rounds = list(await uow.stories.rounds())
            votes: dict[str, int] = {}
            for r in rounds:
                for story_id, n in (await uow.stories.votes(r.id)).items():
                    votes[story_id] = votes.get(story_id, 0) + n
            authors = {p.id: p for p in await uow.people.all()}
    finally:
        await services.close()
    won = {r.winner_id: r.title for r in rounds if r.winner_id}
    if not as_csv:
        for s in stories:
            mark = f", won {won[s.id]}" if s.id in won else ""
            print(f"{s.id}\t{s.status.value}\t{votes.get(s.id, 0)} vote(s){mark}\t{s.title}")
        print(f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'}; every column: --csv")
        return 0
    writer = csv.writer(sys.stdout)
    writer.writerow(
        ["id", "title", "author_email", "status", "may_be_shared", "link", "submitted_at",
         "decided_at", "decline_reason", "votes", "won"]
    )  # fmt: skip
    for s in stories:
        author = authors.get(s.author_id)
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
                votes.get(s.id, 0),
                won.get(s.id, ""),
            ]
        )
    return 0
