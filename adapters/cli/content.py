"""`policybot content check`: every content file validated."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapters.cli.root import Root
from bot.content import ContentError, load_content
from bot.settings import Settings

COMMANDS = ("content",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    content = sub.add_parser("content", help="policy content")
    content_sub = content.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = content_sub.add_parser("check", help="validate every content file")
    check.add_argument("--dir", type=Path, help="content folder (default: CONTENT_DIR)")


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    return _check(args.dir or settings.content_dir)


def _check(root: Path) -> int:
    try:
        content = load_content(root)
    except ContentError as err:
        for problem in err.problems:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{len(err.problems)} problem(s) in {root}", file=sys.stderr)
        return 1
    print(
        f"ok: policy v{', v'.join(str(p.version) for p in content.policies)}, "
        f"{len(content.faq)} FAQ entries, {sum(len(e.phrasings) for e in content.faq)} phrasings"
    )
    return 0
