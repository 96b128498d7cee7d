"""`policybot people import`: the directory from the HR system's export."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from adapters.cli.root import Root
from bot.directory import ImportReport, import_people, parse_people_csv
from bot.settings import Settings

COMMANDS = ("people",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    people = sub.add_parser("people", help="the directory")
    people_sub = people.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = people_sub.add_parser("import", help="import a CSV export of the HR system")
    imp.add_argument("file", type=Path)


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    return asyncio.run(_import(settings, root, args.file))


async def _import(settings: Settings, root: Root, file: Path) -> int:
    from bot import entry

    try:
        text = await asyncio.to_thread(file.read_text, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"policybot: cannot read {file}: {exc}", file=sys.stderr)
        return 2
    services = await root.bootstrap(settings)
    try:
        report = ImportReport()
        rows = parse_people_csv(text, report)
        await entry.change(services.deps, lambda uow: import_people(uow, rows, report))
    finally:
        await services.close()
    print(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
    for problem in report.problems:
        print(f"skipped: {problem}")
    for warning in report.warnings:
        print(f"warning: {warning}")
    if not report.used:
        print(f"policybot: nothing in {file} could be imported", file=sys.stderr)
        return 1
    return 0
