"""`policybot survey results`: what passes the anonymity thresholds."""

from __future__ import annotations

import argparse
import asyncio
import sys

from adapters.cli.root import Root
from bot.features.surveys.results import Results
from bot.settings import Settings

COMMANDS = ("survey",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    survey = sub.add_parser("survey", help="anonymous surveys")
    survey_sub = survey.add_subparsers(dest="action", required=True, metavar="ACTION")
    results = survey_sub.add_parser("results", help="results that pass the anonymity thresholds")
    results.add_argument(
        "--csv", action="store_true", help="one CSV row per question (default: readable text)"
    )


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    return asyncio.run(_survey_results(settings, root, args.csv))


async def _survey_results(settings: Settings, root: Root, as_csv: bool) -> int:
    import csv

    from bot import entry
    from bot.features.surveys.results import everything

    services = await root.bootstrap(settings)  # the server's own dependencies
    writer = csv.writer(sys.stdout)
    header = [
            "campaign",
            "survey",
            "title",
            "opens_on",
            "audience",
            "closes_on",
            "answered",
            "question",
            "n",
            "mean",
            "favourable",
            "counts",
        ]  # fmt: skip
    if as_csv:
        writer.writerow(header)
    try:
        for r in await entry.read(services.deps, lambda uow: everything(services.deps, uow)):
            if not as_csv:
                _print_results(r)
                continue
            c = r.campaign
            about = [
                c.id, c.survey_id, r.survey.title, c.opens_on, c.audience, c.closes_on,
                r.participants,
            ]  # fmt: skip
            for q in r.questions:
                writer.writerow(
                    [
                        *about,
                        q.id,
                        q.answers,
                        "" if q.mean is None else f"{q.mean:.2f}",
                        "" if q.favourable is None else f"{q.favourable:.3f}",
                        "; ".join(f"{k}={v}" for k, v in q.counts.items()),
                    ]
                )
            if not r.shown:
                writer.writerow([*about, "(hidden: fewer answers than the threshold)", *[""] * 4])
    finally:
        await services.close()
    return 0


def _print_results(r: Results) -> None:
    c = r.campaign
    print(
        f"{r.survey.title} ({c.audience}, {c.opens_on:%d %b %Y} to {c.closes_on:%d %b %Y}): "
        f"{r.participants} answered"
    )
    if not r.shown:
        print("  hidden: fewer answers than the anonymity threshold")
    for q in r.questions:
        counts = ", ".join(f"{k}: {v}" for k, v in q.counts.items()) or "no answers"
        print(f"  {q.text}: {counts}")
