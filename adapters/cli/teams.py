"""`policybot teams package`: the Teams app package."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapters.cli.root import Root
from bot.settings import Settings

COMMANDS = ("teams",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    teams = sub.add_parser("teams", help="Microsoft Teams")
    teams_sub = teams.add_subparsers(dest="action", required=True, metavar="ACTION")
    package = teams_sub.add_parser("package", help="write the Teams app package (zip)")
    package.add_argument("--out", type=Path, default=Path("policybot-teams.zip"))
    package.add_argument("--organisation", default="Policy Bot", help="publisher name shown")
    package.add_argument("--website", default="https://example.com", help="https:// address")


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    return _package(args, settings)


def _package(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.teams.package import PackageError, build

    try:
        out = build(args.out, settings.microsoft_app_id or "", args.organisation, args.website)
    except PackageError as err:
        print(f"policybot: {err}", file=sys.stderr)
        return 2
    print(f"wrote {out}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return 0
