"""`policybot policy diff` and `policy review-summary`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from adapters.cli.root import Root
from bot.settings import Settings

COMMANDS = ("policy",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    policy = sub.add_parser("policy", help="the policy's versions and review")
    policy_sub = policy.add_subparsers(dest="action", required=True, metavar="ACTION")
    pdiff = policy_sub.add_parser("diff", help="what changed between two versions")
    pdiff.add_argument("old", help="a version, e.g. v1")
    pdiff.add_argument("new", help="a later version, e.g. v2")
    policy_sub.add_parser("review-summary", help="staff input since the current version")


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    if args.action == "diff":
        return _policy_diff(args, settings, root)
    return asyncio.run(_review_summary(settings, root))


def _policy_diff(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    from adapters.console.render import plain
    from bot.features.review import changes

    content, _ = root.load(settings)
    found = []
    for raw in (args.old, args.new):
        number = raw.lower().removeprefix("v")
        policy = content.policy(int(number)) if number.isdigit() else None
        if policy is None:
            known = ", ".join(f"v{p.version}" for p in content.policies)
            print(f"policybot: no policy version {raw} (known: {known})", file=sys.stderr)
            return 1
        found.append(policy)
    print(plain(changes.summary(changes.diff(found[0], found[1]), full=True)))
    return 0


async def _review_summary(settings: Settings, root: Root) -> int:
    from bot import entry
    from bot.features.review import review

    services = await root.bootstrap(settings)
    try:
        found = await entry.read(services.deps, lambda uow: review.inputs(services.deps, uow))
        print(review.summary(services.deps, found))
        for section_id, items in sorted(found.by_section.items()):
            for kind, text, who in items:
                print(f"[{section_id}] {kind}: {text}" + (f" ({who})" if who else ""))
        for question in found.unanswered:
            print(f"[unanswered] {question}")
    finally:
        await services.close()
    return 0
