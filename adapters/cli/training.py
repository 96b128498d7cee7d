"""`policybot training report`: completion for the current version."""

from __future__ import annotations

import argparse
import asyncio
import sys

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


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the command."""
    return asyncio.run(_training_report(settings, args.csv))


async def _training_report(settings: Settings, as_csv: bool) -> int:
    import csv
    from datetime import UTC, datetime, timedelta

    import app
    from bot.features.training.status import DUE_DAYS
    from bot.features.training.training import outstanding, required_modules
    from storage.uow import SqlStore

    if not as_csv:
        return await _training_figures(settings)
    content, _ = app.load(settings)
    version = content.current.version
    published = content.current.meta.published
    due = datetime(published.year, published.month, published.day, tzinfo=UTC)
    late = datetime.now(UTC) > due + timedelta(days=DUE_DAYS)
    engine = await app.prepare_database(settings)
    try:
        async with SqlStore(engine)() as uow:
            people = list(await uow.people.all())
            attested = await uow.training.attestations(version)
            done = await uow.training.everyone_completed()
            required = required_modules(content, await uow.training.required_sets())
    finally:
        await engine.dispose()
    writer = csv.writer(sys.stdout)
    writer.writerow(
        [
            "email",
            "name",
            "department",
            "manager",
            "manager_email",
            "version",
            "modules_open",
            "attested_at",
            "overdue",
        ]
    )
    by_id = {p.id: p for p in people}
    for p in sorted(people, key=lambda p: p.display_name):
        left = outstanding(content, done.get(p.id, {}), required)
        at = attested.get(p.id)
        manager = by_id.get(p.manager_id or "")
        writer.writerow(
            [
                p.email or "",
                p.display_name,
                p.department or "",
                manager.display_name if manager else "",
                (manager.email or "") if manager else "",
                version,
                " ".join(m.id for m in left),
                at.isoformat() if at else "",
                str(at is None and late).lower(),
            ]
        )
    return 0


async def _training_figures(settings: Settings) -> int:
    """The figures HR sees in chat (`training report`), as text."""
    import app
    from adapters.console.render import render
    from bot.features.training import admin
    from bot.model import Person, Role

    services = await app.bootstrap(settings)
    reader = Person(id="", display_name="policybot", roles=frozenset({Role.HR}))
    try:
        async with services.store() as uow:
            replies = await admin.report(services.deps, uow, reader)
    finally:
        await services.close()
    for reply in replies:
        print(render(reply)[0])
    print("One row per person: policybot training report --csv")
    return 0
