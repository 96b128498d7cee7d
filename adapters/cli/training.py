"""`policybot training report`: completion for the current version."""

from __future__ import annotations

import argparse
import asyncio
import sys

from adapters.cli.root import Root
from bot.settings import Settings

COMMANDS = ("training",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    train = sub.add_parser("training", help="micro-training")
    train_sub = train.add_subparsers(dest="action", required=True, metavar="ACTION")
    treport = train_sub.add_parser("report", help="completion per person for the current version")
    treport.add_argument(
        "--csv", action="store_true", help="one CSV row per person (default: the figures)"
    )


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    return asyncio.run(_training_report(settings, root, args.csv))


async def _training_report(settings: Settings, root: Root, as_csv: bool) -> int:
    import csv

    from adapters.cli.root import OPERATOR
    from adapters.console.render import render
    from bot import entry
    from bot.features.training import admin, status

    services = await root.bootstrap(settings)
    deps = services.deps
    try:
        if not as_csv:  # the figures HR sees in chat (`training report`), as text
            replies = await entry.read(deps, lambda uow: admin.report(deps, uow, OPERATOR))
        else:
            roster = await entry.read(deps, lambda uow: status.roster(deps, uow, OPERATOR))
    finally:
        await services.close()
    if not as_csv:
        for reply in replies:
            print(render(reply)[0])
        print("One row per person: policybot training report --csv")
        return 0
    writer = csv.writer(sys.stdout)
    writer.writerow(
        ["email", "name", "department", "manager", "manager_email", "version", "modules_open",
         "attested_at", "overdue"]
    )  # fmt: skip
    for row in roster:
        p, manager = row.person, row.manager
        writer.writerow(
            [
                p.email or "",
                p.display_name,
                p.department or "",
                manager.display_name if manager else "",
                (manager.email or "") if manager else "",
                row.version,
                " ".join(row.modules_open),
                row.attested_at.isoformat() if row.attested_at else "",
                str(row.overdue).lower(),
            ]
        )
    return 0
