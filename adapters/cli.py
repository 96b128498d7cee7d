"""The `policybot` command."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot.content import ContentError, load_content
from bot.directory import ImportReport, import_people, parse_people_csv
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("policybot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policybot", description="Policy Bot")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("serve", help="run the server (same as python app.py)")
    chat = sub.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument(
        "--as",
        dest="email",
        help="your email, as in the directory (default: a trial you@example.com)",
    )
    chat.add_argument("--name", default="You", help="your display name")
    chat.add_argument(
        "--add", action="store_true", help="add the --as person to the directory if missing"
    )
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
    content = sub.add_parser("content", help="policy content")
    content_sub = content.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = content_sub.add_parser("check", help="validate every content file")
    check.add_argument("--dir", type=Path, help="content folder (default: CONTENT_DIR)")
    db = sub.add_parser("db", help="database")
    db_sub = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply schema migrations")
    people = sub.add_parser("people", help="the directory")
    people_sub = people.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = people_sub.add_parser("import", help="import a CSV export of the HR system")
    imp.add_argument("file", type=Path)
    cases = sub.add_parser("cases", help="backlash reports")
    cases_sub = cases.add_subparsers(dest="action", required=True, metavar="ACTION")
    stats = cases_sub.add_parser("stats", help="statistics, without content or identities")
    stats.add_argument("--csv", action="store_true", help="one CSV row per case")
    survey = sub.add_parser("survey", help="anonymous surveys")
    survey_sub = survey.add_subparsers(dest="action", required=True, metavar="ACTION")
    results = survey_sub.add_parser("results", help="results that pass the anonymity thresholds")
    results.add_argument(
        "--csv", action="store_true", help="one CSV row per question (default: readable text)"
    )
    train = sub.add_parser("training", help="micro-training")
    train_sub = train.add_subparsers(dest="action", required=True, metavar="ACTION")
    treport = train_sub.add_parser("report", help="completion per person for the current version")
    treport.add_argument(
        "--csv", action="store_true", help="one CSV row per person (default: the figures)"
    )
    sub.add_parser("worker", help="run a broadcast worker (with TASK_BROKER_URL)")
    policy = sub.add_parser("policy", help="the policy's versions and review")
    policy_sub = policy.add_subparsers(dest="action", required=True, metavar="ACTION")
    pdiff = policy_sub.add_parser("diff", help="what changed between two versions")
    pdiff.add_argument("old", help="a version, e.g. v1")
    pdiff.add_argument("new", help="a later version, e.g. v2")
    policy_sub.add_parser("review-summary", help="staff input since the current version")
    stories = sub.add_parser("stories", help="success stories")
    stories_sub = stories.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = stories_sub.add_parser("export", help="every story with its decision and votes")
    export.add_argument("--csv", action="store_true", help="CSV (default: one line per story)")
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
    teams = sub.add_parser("teams", help="Microsoft Teams")
    teams_sub = teams.add_subparsers(dest="action", required=True, metavar="ACTION")
    package = teams_sub.add_parser("package", help="write the Teams app package (zip)")
    package.add_argument("--out", type=Path, default=Path("policybot-teams.zip"))
    package.add_argument("--organisation", default="Policy Bot", help="publisher name shown")
    package.add_argument("--website", default="https://example.com", help="https:// address")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `policybot` console script."""
    args = _parser().parse_args(argv)
    try:
        # The Teams package is a manifest with the app id: it needs no password.
        settings = load_settings(channels=args.command != "teams")
        return _run(args, settings)
    except SettingsError as err:
        print(f"policybot: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace, settings: Settings) -> int:
    import app
    from adapters import logs

    logs.configure(settings.log_level, "%(levelname)s %(name)s: %(message)s")
    if args.command != "serve":
        # Migrations say what they run; a command's own output says where the database is.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command not in ANSWERS_QUESTIONS and settings.faq_semantic is not True:
        # Commands that never answer a question do without the sentence model (it takes a
        # second or two to load): their FAQ is only needed to read the content.
        settings = settings.model_copy(update={"faq_semantic": False})
    try:
        if args.command == "serve":
            return _serve(settings)
        if args.command == "ask":
            return _ask(args, settings)
        if args.command == "content":
            return _check(args.dir or settings.content_dir)
        if args.command == "db":
            return asyncio.run(_upgrade(settings))
        if args.command == "people":
            return asyncio.run(_import(settings, args.file))
        if args.command == "cases":
            return asyncio.run(_stats(settings, args.csv))
        if args.command == "training":
            return asyncio.run(_training_report(settings, args.csv))
        if args.command == "survey":
            return asyncio.run(_survey_results(settings, args.csv))
        if args.command == "teams":
            return _package(args, settings)
        if args.command == "announce":
            return asyncio.run(_announce(args, settings))
        if args.command == "policy" and args.action == "diff":
            return _policy_diff(args, settings)
        if args.command == "policy":
            return asyncio.run(_review_summary(settings))
        if args.command == "stories":
            return asyncio.run(_stories_export(settings, args.csv))
        if args.command == "worker":
            return asyncio.run(_worker(settings))
        if args.command == "chat":
            logging.getLogger().setLevel(logging.WARNING)
            return asyncio.run(_chat(settings, args.email, args.name, args.add))
    except app.StartupError as err:
        print(f"policybot: {err}", file=sys.stderr)
        return 2
    return 2


def _serve(settings: Settings) -> int:
    import errno

    import app

    try:
        app.serve(settings)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(
            f"policybot: cannot listen on {settings.host}:{settings.port}: the port is in use "
            "(is another policybot running? set PORT to use another)",
            file=sys.stderr,
        )
        return 2
    return 0


async def _stats(settings: Settings, as_csv: bool) -> int:
    import csv

    import app
    from bot.casestats import STAT_COLUMNS, stats_rows
    from storage.uow import SqlStore

    engine = await app.prepare_database(settings)
    try:
        async with SqlStore(engine)() as uow:
            rows = stats_rows(list(await uow.cases.all()))
    finally:
        await engine.dispose()
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=STAT_COLUMNS)
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


async def _training_report(settings: Settings, as_csv: bool) -> int:
    import csv
    from datetime import UTC, datetime, timedelta

    import app
    from bot.training import outstanding, required_modules
    from bot.training_admin import DUE_DAYS
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
    from bot import training_admin
    from bot.model import Person, Role

    services = await app.bootstrap(settings)
    reader = Person(id="", display_name="policybot", roles=frozenset({Role.HR}))
    try:
        async with services.store() as uow:
            replies = await training_admin.report(services.deps, uow, reader)
    finally:
        await services.close()
    for reply in replies:
        print(render(reply)[0])
    print("One row per person: policybot training report --csv")
    return 0


async def _survey_results(settings: Settings, as_csv: bool) -> int:
    import csv

    import app
    from bot.clock import SystemClock
    from bot.deps import Deps
    from bot.survey_results import compute
    from storage.cipher import KeyCipher
    from storage.uow import SqlStore

    content, faq = app.load(settings)
    engine = await app.prepare_database(settings)
    from storage.keys import old_secret_keys, secret_key

    cipher = KeyCipher(secret_key(settings), old_secret_keys(settings))
    store = SqlStore(engine, cipher)
    deps = Deps(content, faq, store, SystemClock(), cipher)
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
        async with store() as uow:
            for campaign in await uow.campaigns.all():
                r = await compute(deps, uow, campaign)
                title = r.survey.title
                if not as_csv:
                    _print_results(r)
                    continue
                for q in r.questions:
                    counts = "; ".join(f"{k}={v}" for k, v in q.counts.items())
                    writer.writerow(
                        [
                            campaign.id,
                            campaign.survey_id,
                            title,
                            campaign.opens_on,
                            campaign.audience,
                            campaign.closes_on,
                            r.participants,
                            q.id,
                            q.answers,
                            "" if q.mean is None else f"{q.mean:.2f}",
                            "" if q.favourable is None else f"{q.favourable:.3f}",
                            counts,
                        ]
                    )
                if not r.shown:
                    writer.writerow(
                        [
                            campaign.id,
                            campaign.survey_id,
                            title,
                            campaign.opens_on,
                            campaign.audience,
                            campaign.closes_on,
                            r.participants,
                            "(hidden: fewer answers than the threshold)",
                            "",
                            "",
                            "",
                            "",
                        ]
                    )
    finally:
        await engine.dispose()
    return 0


def _print_results(r: object) -> None:
    from bot.survey_results import Results

    assert isinstance(r, Results)
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


def _package(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.teams.package import PackageError, build

    try:
        out = build(args.out, settings.microsoft_app_id or "", args.organisation, args.website)
    except PackageError as err:
        print(f"policybot: {err}", file=sys.stderr)
        return 2
    print(f"wrote {out}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return 0


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


ANSWERS_QUESTIONS = frozenset({"serve", "chat", "ask", "worker"})


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    import app

    if not args.jsonl and not " ".join(args.question).strip():
        print(
            'policybot: ask needs a question, e.g. policybot ask "can I post about the launch?"'
            " (or --jsonl to read questions from stdin)",
            file=sys.stderr,
        )
        return 2

    try:
        content, index = app.load(settings)
    except ContentError as err:
        print(f"policybot: content is invalid:\n{err}", file=sys.stderr)
        return 2
    except app.StartupError as err:
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


async def _upgrade(settings: Settings) -> int:
    import app
    from storage.db import head_revision, upgrade
    from storage.keys import secret_key

    secret_key(settings)  # the key belongs with the database it protects
    engine = await app.prepare_database(settings) if settings.embedded else None
    if engine is None:
        from storage.db import default_url, make_engine

        engine = make_engine(settings.database_url or default_url(settings.data_dir))
        try:
            await upgrade(engine)
        except Exception as exc:
            from storage.uow import unavailable

            if unavailable(exc):
                raise app.StartupError(f"database unreachable ({type(exc).__name__})") from exc
            raise
    await engine.dispose()
    print(f"database is at revision {head_revision()}")
    return 0


async def _import(settings: Settings, file: Path) -> int:
    import app

    try:
        text = await asyncio.to_thread(file.read_text, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"policybot: cannot read {file}: {exc}", file=sys.stderr)
        return 2
    services = await app.bootstrap(settings)
    try:
        report = ImportReport()
        rows = parse_people_csv(text, report)
        async with services.store() as uow:
            await import_people(uow, rows, report)
            await uow.commit()
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


async def _announce(args: argparse.Namespace, settings: Settings) -> int:
    import csv

    import app
    from adapters.console.render import render
    from bot import announcements, announcing
    from bot.directory import NotAllowed
    from bot.messages import Action, ConversationRef, UserRef

    services = await app.bootstrap(settings)
    try:
        deps = services.deps
        async with services.store() as uow:
            if args.action in ("status", "list"):
                if args.action == "list":
                    for a in await uow.announcements.recent(50):
                        print(f"{a.id}\t{a.status}\t{a.created_at:%Y-%m-%d %H:%M}\t{a.title}")
                    return 0
                found = await uow.announcements.get(args.id.upper())
                if found is None:
                    print(f"policybot: no announcement {args.id}", file=sys.stderr)
                    return 1
                if args.csv:
                    writer = csv.DictWriter(sys.stdout, announcing.RECIPIENT_COLUMNS)
                    writer.writeheader()
                    writer.writerows(await announcing.recipient_rows(uow, found.id))
                    return 0
                figures = await uow.announcements.figures(found.id, deps.clock.now())
                print(render(announcements.status_card(found, figures))[0])
                return 0
            person = await uow.people.by_email(args.author)
            if person is None:
                print(f"policybot: {args.author} is not in the directory", file=sys.stderr)
                return 1
            user = UserRef("console", person.email or args.author)
            where = ConversationRef("console", user.id)
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
                        draft = await announcing.draft(deps, uow, person, fields)
                    except announcing.Invalid as invalid:
                        for name, problem in invalid.errors.items():
                            flag = _ANNOUNCE_FLAGS.get(name, f"--{name}")
                            print(f"policybot: {flag}: {problem}", file=sys.stderr)
                        return 1
                    await uow.commit()
                    announcement_id = draft.id
                    for reply in await announcements.preview(deps, uow, draft):
                        print(render(reply)[0])
                    if not args.send:
                        print(f"Draft {announcement_id}: policybot announce send {announcement_id}")
                        return 0
                    args.id = announcement_id
                handler = announcements.cancel if args.action == "cancel" else announcements.send
                replies = await handler(deps, uow, person, Action(user, where, "", args.id))
            except NotAllowed as refused:
                print(
                    f"policybot: only people with the {refused} role can do that", file=sys.stderr
                )
                return 1
            await uow.commit()
            for reply in replies:
                print(render(reply)[0])
            return 0
    finally:
        await services.close()


# The compose form's fields, by the flags that fill them.
_ANNOUNCE_FLAGS = {
    "when": "--at",
    "audience": "--department",
    "channels": "--channel",
    "ack": "--no-ack",
}


def _policy_diff(args: argparse.Namespace, settings: Settings) -> int:
    import app
    from adapters.console.render import plain
    from bot import changes

    content, _ = app.load(settings)
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


async def _stories_export(settings: Settings, as_csv: bool) -> int:
    import csv

    import app

    services = await app.bootstrap(settings)
    try:
        async with services.store() as uow:
            stories = list(await uow.stories.all())
            rounds = list(await uow.stories.rounds())
            votes: dict[str, int] = {}
            for r in rounds:
                for story_id, n in (await uow.stories.votes(r.id)).items():
                    votes[story_id] = votes.get(story_id, 0) + n
            authors = {p.id: p for p in await uow.people.all()}
    finally:
        await services.close()
    won = {r.winner_id: r.title for r in rounds if r.winner_id}
    if not as_csv:
        for s in stories:
            mark = f", won {won[s.id]}" if s.id in won else ""
            print(f"{s.id}\t{s.status.value}\t{votes.get(s.id, 0)} vote(s){mark}\t{s.title}")
        print(f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'}; every column: --csv")
        return 0
    writer = csv.writer(sys.stdout)
    writer.writerow(
        ["id", "title", "author_email", "status", "may_be_shared", "link", "submitted_at",
         "decided_at", "decline_reason", "votes", "won"]
    )  # fmt: skip
    for s in stories:
        author = authors.get(s.author_id)
        writer.writerow(
            [
                s.id,
                s.title,
                (author.email or "") if author else "",
                s.status.value,
                str(s.share_ok).lower(),
                s.link,
                s.created_at.isoformat(timespec="seconds"),
                s.decided_at.isoformat(timespec="seconds") if s.decided_at else "",
                s.reason,
                votes.get(s.id, 0),
                won.get(s.id, ""),
            ]
        )
    return 0


async def _review_summary(settings: Settings) -> int:
    import app
    from bot import review

    services = await app.bootstrap(settings)
    try:
        async with services.store() as uow:
            found = await review.inputs(services.deps, uow)
        print(review.summary(services.deps, found))
        for section_id, items in sorted(found.by_section.items()):
            for kind, text, who in items:
                print(f"[{section_id}] {kind}: {text}" + (f" ({who})" if who else ""))
        for question in found.unanswered:
            print(f"[unanswered] {question}")
    finally:
        await services.close()
    return 0


async def _worker(settings: Settings) -> int:
    import signal

    import app
    from adapters.broadcast import Broadcaster

    if settings.task_broker_url is None:
        print(
            "policybot: missing setting TASK_BROKER_URL: a separate worker needs a shared queue "
            "(without one, `policybot serve` sends broadcasts itself)",
            file=sys.stderr,
        )
        return 2
    services = await app.bootstrap(settings)
    broadcaster = Broadcaster(services)
    services.broadcaster = broadcaster
    try:
        await broadcaster.start(tick=True)
    except Exception as exc:
        await services.close()
        print(
            f"policybot: task queue unreachable ({type(exc).__name__}): check TASK_BROKER_URL",
            file=sys.stderr,
        )
        return 2
    consuming = asyncio.create_task(broadcaster.consume())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, consuming.cancel)
    log.info("worker: consuming broadcast tasks")
    try:
        await consuming
    except asyncio.CancelledError:
        log.info("worker: stopping")
    finally:
        await broadcaster.stop()
        await services.close()
    return 0


TRIAL_EMAIL = "you@example.com"


async def _chat(settings: Settings, email: str | None, name: str, add: bool) -> int:
    import app
    from adapters.console.chat import ConsoleChat
    from bot.directory import is_email

    if email is not None and not is_email(email.strip()):
        print(f"policybot: --as needs an email address, not {email!r}", file=sys.stderr)
        return 2
    services = await app.bootstrap(settings)
    try:
        if email is None:
            email, add = TRIAL_EMAIL, True  # the trial person, added on first use
        async with services.store() as uow:
            known = await uow.people.by_email(email.strip().lower())
        if known is None and not add:
            print(
                f"policybot: {email} is not in the directory: import it "
                "(policybot people import FILE.csv) or pass --add to add them",
                file=sys.stderr,
            )
            return 1
        await ConsoleChat(services, email.strip(), name).run()
    finally:
        await services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
