"""`policybot ask`: the FAQ's answers, with no database."""

from __future__ import annotations

import argparse
import json
import sys
import time

from adapters.cli.root import Root
from bot.content import ContentError
from bot.settings import Settings, StartupError

COMMANDS = ("ask",)


def add(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare the command's arguments."""
    ask = sub.add_parser("ask", help="answer questions from the FAQ (no database needed)")
    ask.add_argument("question", nargs="*", help="the question (omit with --jsonl)")
    ask.add_argument(
        "--jsonl", action="store_true", help="read questions from stdin, print JSON lines"
    )
    ask.add_argument(
        "--timings", action="store_true", help="with --jsonl: add each answer's time in ms"
    )
    ask.add_argument(
        "--batch",
        type=int,
        default=1,
        metavar="N",
        help="with --jsonl: match N questions at a time (one model call; ms is per question)",
    )


def run(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    """Run the command."""
    return _ask(args, settings, root)


def _ask(args: argparse.Namespace, settings: Settings, root: Root) -> int:
    if not args.jsonl and not " ".join(args.question).strip():
        print(
            'policybot: ask needs a question, e.g. policybot ask "can I post about the launch?"'
            " (or --jsonl to read questions from stdin)",
            file=sys.stderr,
        )
        return 2

    try:
        content, index = root.load(settings)
    except ContentError as err:
        print(f"policybot: content is invalid:\n{err}", file=sys.stderr)
        return 2
    except StartupError as err:
        print(f"policybot: {err}", file=sys.stderr)
        return 2
    if not args.jsonl:
        question = " ".join(args.question)
        match = index.match(question)
        entry = content.entry(match.faq_id) if match.faq_id else None
        print(entry.answer if entry else content.chat.dont_know)
        if match.suggestions:
            print("Did you mean: " + ", ".join(match.suggestions))
        print(
            f"({match.faq_id or 'no answer'}, confidence {match.score:.2f}, {match.matcher})",
            file=sys.stderr,
        )
        return 0
    questions = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    size = max(args.batch, 1)
    for start in range(0, len(questions), size):
        chunk = questions[start : start + size]
        started = time.perf_counter()
        matches = [index.match(chunk[0])] if size == 1 else index.match_many(chunk)
        elapsed = (time.perf_counter() - started) * 1000 / len(chunk)
        for question, match in zip(chunk, matches, strict=True):
            record: dict[str, object] = {
                "question": question,
                "faq_id": match.faq_id,
                "score": match.score,
                "suggestions": list(match.suggestions),
                "matcher": match.matcher,
            }
            if args.timings:
                record["ms"] = round(elapsed, 4)
            sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()
    return 0
