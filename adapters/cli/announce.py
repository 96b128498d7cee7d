"""`policybot announce`: compose, send, cancel and follow announcements."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys

from adapters.cli.root import Root
from adapters.console.render import render
from bot import entry
from bot.deps import Deps
from bot.directory import NotAllowed
from bot.features.announcements import announcements, service
from bot.settings import Settings

COMMANDS = ("announce",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    ann = sub.add_parser("announce", help="announcements to employees")
    ann_sub = ann.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = ann_sub.add_parser("create", help="compose one (a draft unless --send)")
    create.add_argument("--as", dest="author", required=True, help="your email (role hr)")
    create.add_argument("--title", required=True)
    create.add_argument("--summary", required=True)
    create.add_argument("--link", default="")
    create.add_argument("--version", default="none", help="policy version it announces")
    create.add_argument("--no-ack", action="store_true", help="no acknowledgement asked")
    create.add_argument(
        "--department", action="append", default=[], help="a department (repeat); default all"
    )
    create.add_argument(
        "--channel", action="append", default=[], help="also post in a channel (repeat)"
    )
    create.add_argument("--at", default="", help="send at YYYY-MM-DD HH:MM (your time zone)")
    create.add_argument("--send", action="store_true", help="confirm it straight away")
    for name, text in (("send", "confirm a draft"), ("cancel", "cancel before it starts")):
        one = ann_sub.add_parser(name, help=text)
        one.add_argument("id")
        one.add_argument("--as", dest="author", required=True, help="your email (role hr)")
    status = ann_sub.add_parser("status", help="delivery and acknowledgement figures")
    status.add_argument("id")
    status.add_argument("--csv", action="store_true", help="one CSV row per recipient")
    ann_sub.add_parser("list", help="recent announcements")


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    return asyncio.run(_announce(args, settings, root))


async def _announce(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    services = await root.bootstrap(settings)
    try:
        if args.action in ("status", "list"):
            return await _follow(args, services.deps)
        return await _change(args, services.deps)
    finally:
        await services.close()


async def _follow(args: argparse.Namespace, deps: Deps) -> int:
    """`list` and `status`: read only."""
    if args.action == "list":
        for a in await entry.read(deps, lambda uow: uow.announcements.recent(50)):
            print(f"{a.id}\t{a.status}\t{a.created_at:%Y-%m-%d %H:%M}\t{a.title}")
        return 0
    found = await entry.read(deps, lambda uow: service.find(uow, args.id))
    if found is None:
        print(f"policybot: no announcement {args.id}", file=sys.stderr)
        return 1
    if args.csv:
        rows = await entry.read(deps, lambda uow: service.recipient_rows(uow, found.id))
        writer = csv.DictWriter(sys.stdout, service.RECIPIENT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return 0
    now = deps.clock.now()
    figures = await entry.read(deps, lambda uow: uow.announcements.figures(found.id, now))
    print(render(announcements.status_card(found, figures))[0])
    return 0


async def _change(args: argparse.Namespace, deps: Deps) -> int:
    """`create`, `send` and `cancel`, as the author (who must have the hr role)."""
    person = await entry.read(deps, lambda uow: uow.people.by_email(args.author))
    if person is None:
        print(f"policybot: {args.author} is not in the directory", file=sys.stderr)
        return 1
    try:
        if args.action == "create":
            fields = {
                "title": args.title,
                "summary": args.summary,
                "link": args.link,
                "version": args.version.strip().lower().removeprefix("v"),
                "ack": "no" if args.no_ack else "yes",
                "audience": ",".join(args.department) or "everyone",
                "channels": ",".join(args.channel),
                "when": args.at,
            }
            try:
                draft = await entry.change(
                    deps, lambda uow: service.draft(deps, uow, person, fields)
                )
            except service.Invalid as invalid:
                for name, problem in invalid.errors.items():
                    flag = _ANNOUNCE_FLAGS.get(name, f"--{name}")
                    print(f"policybot: {flag}: {problem}", file=sys.stderr)
                return 1
            for reply in await entry.read(
                deps, lambda uow: announcements.preview(deps, uow, draft)
            ):
                print(render(reply)[0])
            if not args.send:
                print(f"Draft {draft.id}: policybot announce send {draft.id}")
                return 0
            args.id = draft.id
        if args.action == "cancel":
            print(
                await entry.change(deps, lambda uow: service.withdraw(deps, uow, person, args.id))
            )
            return 0
        sent = await entry.change(deps, lambda uow: service.schedule(deps, uow, person, args.id))
    except NotAllowed as refused:
        print(f"policybot: only people with the {refused} role can do that", file=sys.stderr)
        return 1
    except service.Refused as refused:
        print(f"policybot: {refused}", file=sys.stderr)
        return 1
    if service.later(deps, sent):
        print(f"Announcement {sent.id} will go out at {sent.send_at:%Y-%m-%d %H:%M} UTC.")
    else:
        print(f"Announcement {sent.id} is going out now.")
    print(f"Follow it: policybot announce status {sent.id}")
    return 0


# The compose form's fields, by the flags that fill them.
_ANNOUNCE_FLAGS = {
    "when": "--at",
    "audience": "--department",
    "channels": "--channel",
    "ack": "--no-ack",
}
