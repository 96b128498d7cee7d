"""`policybot cases stats`: report figures, without content or identities."""

from __future__ import annotations

import argparse
import asyncio
import sys

from adapters.cli.root import Root
from bot.settings import Settings

COMMANDS = ("cases",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    cases = sub.add_parser("cases", help="backlash reports")
    cases_sub = cases.add_subparsers(dest="action", required=True, metavar="ACTION")
    stats = cases_sub.add_parser("stats", help="statistics, without content or identities")
    stats.add_argument("--csv", action="store_true", help="one CSV row per case")


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    return asyncio.run(_stats(settings, root, args.csv))


async def _stats(settings: Settings, root: Root, as_csv: bool) -> int:
    import csv

    from bot import entry
    from bot.features.reports import stats

    services = await root.bootstrap(settings)
    try:
        rows = await entry.read(services.deps, stats.rows)
    finally:
        await services.close()
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=stats.STAT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return 0
    print(f"{len(rows)} report(s)")
    for key in ("status", "category", "severity"):
        tally: dict[str, int] = {}
        for row in rows:
            tally[row[key]] = tally.get(row[key], 0) + 1
        print(f"by {key}: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
    return 0
