"""The `policybot` command's reports, as real subprocesses: case statistics, survey results,
training and story exports, as CSV without personal content, and as text by default."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from pathlib import Path

import app
from bot.deps import Deps
from bot.dispatch import handle
from bot.messages import Action, ConversationRef, Submission, UserRef
from bot.settings import load_settings
from tests.e2e.conftest import policybot
from tests.replies import as_text

PEOPLE = (
    "email,name,department,roles,slack_user_id\n"
    "hana@example.com,Hana Hr,People,hr,U0HANA\n"
    "hal@example.com,Hal Handler,Security,handler,U0HAL\n"
    + "".join(f"p{n}@example.com,Person Number{n},Sales,,U0P{n}\n" for n in range(6))
)


DM = ConversationRef("slack", "D0CLI")


def as_(user: str) -> UserRef:
    return UserRef("slack", user)


def seed(env: dict[str, str], tmp_path: Path, steps: Callable[[Deps], Awaitable[None]]) -> None:
    """The directory imported with the CLI, then `steps` through the core on the CLI's own
    database and key, as chat through the server would do them."""
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE)
    imported = policybot("people", "import", str(people), env=env)
    assert imported.returncode == 0, imported.stderr

    async def run() -> None:
        names = ("POLICYBOT_DATA_DIR", "DATABASE_URL", "POLICYBOT_SECRET_KEY")
        given = {k: env[k] for k in names if k in env}
        settings = load_settings(channels=True, **given, POLICYBOT_WORKER="false")
        services = await app.bootstrap(settings)
        try:
            await steps(services.deps)
        finally:
            await services.close()

    asyncio.run(run())


def csv_rows(stdout: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(stdout)))


def test_cases_stats_csv_has_no_content_columns(env: dict[str, str], tmp_path: Path) -> None:
    assert policybot("db", "upgrade", env=env).returncode == 0
    what = "Strangers post my home address under the launch video"

    async def reports(deps: Deps) -> None:
        fields = {"category": "threats", "severity": "high", "what": what}
        await handle(
            deps, Submission(as_("U0P0"), DM, "report", {**fields, "identity": "confidential"})
        )
        await handle(
            deps, Submission(as_("U0P1"), DM, "report", {**fields, "identity": "anonymous"})
        )
        async with deps.store() as uow:
            first = next(c for c in await uow.cases.all() if not c.anonymous)
        await handle(deps, Action(as_("U0HAL"), DM, "case_ack", first.id))

    seed(env, tmp_path, reports)
    result = policybot("cases", "stats", "--csv", env=env)
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split(",")
    assert header[:4] == ["ref", "category", "severity", "status"]
    assert not {"what", "where", "reporter", "email", "name"} & set(header)
    rows = sorted(csv_rows(result.stdout), key=lambda r: r["anonymous"])
    assert [(r["category"], r["anonymous"], r["status"]) for r in rows] == [
        ("threats", "false", "acknowledged"),
        ("threats", "true", "open"),
    ]
    assert rows[0]["hours_to_acknowledge"] == "0.0" and rows[1]["hours_to_acknowledge"] == ""
    for secret in (what, "home address", "Person Number", "p0@", "p1@", "U0P"):
        assert secret not in result.stdout


def test_survey_results_csv(env: dict[str, str], tmp_path: Path) -> None:
    assert policybot("db", "upgrade", env=env).returncode == 0
    answers = {"understand": "4", "confident-backlash": "2", "know-report": "5"}
    answers |= {"free-expression": "4", "comments": "My manager reads my posts"}

    async def answer(deps: Deps, people: range) -> None:
        async with deps.store() as uow:
            campaigns = list(await uow.campaigns.all())
        if not campaigns:
            fields = {"survey": "policy-awareness", "audience": "everyone", "days": "14"}
            await handle(deps, Submission(as_("U0HANA"), DM, "survey_new", fields))
            async with deps.store() as uow:
                campaigns = list(await uow.campaigns.all())
        for n in people:
            taken = Submission(as_(f"U0P{n}"), DM, "survey_answer", answers, campaigns[0].id)
            await handle(deps, taken)

    seed(env, tmp_path, lambda deps: answer(deps, range(4)))
    hidden = policybot("survey", "results", "--csv", env=env)
    assert hidden.returncode == 0, hidden.stderr
    assert hidden.stdout.splitlines()[0].startswith("campaign,survey,title,opens_on,audience")
    (row,) = csv_rows(hidden.stdout)  # four answers: below the threshold, no figures
    assert (row["answered"], row["question"], row["counts"]) == (
        "4",
        "(hidden: fewer answers than the threshold)",
        "",
    )
    seed(env, tmp_path, lambda deps: answer(deps, range(4, 5)))
    shown = policybot("survey", "results", "--csv", env=env)
    figures = {r["question"]: r for r in csv_rows(shown.stdout)}
    assert figures["understand"]["answered"] == figures["understand"]["n"] == "5"
    assert figures["understand"]["counts"] == "4=5"
    assert figures["confident-backlash"]["mean"] == "2.00"
    assert figures["confident-backlash"]["favourable"] == "0.000"
    for secret in ("My manager", "Person Number", "U0P", "@example.com"):
        assert secret not in shown.stdout


def test_training_report_csv_lists_people(env: dict[str, str], tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("email,name,department\nann@example.com,Ann,Sales\n")
    assert policybot("people", "import", str(csv_file), env=env).returncode == 0
    result = policybot("training", "report", "--csv", env=env)
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()[:2]
    assert header.startswith("email,name,department,manager,manager_email,version")
    assert row.startswith("ann@example.com,Ann,Sales,,,2,")
    assert "boundaries" in row  # nothing done yet


def test_reports_print_text_unless_csv_is_asked_for(env: dict[str, str]) -> None:
    training = policybot("training", "report", env=env)
    assert training.returncode == 0, training.stderr
    assert "== Training: everyone ==" in training.stdout and "email,name" not in training.stdout
    stories = policybot("stories", "export", env=env)
    assert stories.returncode == 0 and "0 stories; every column: --csv" in stories.stdout
    surveys = policybot("survey", "results", env=env)
    assert surveys.returncode == 0 and "campaign," not in surveys.stdout


def test_stories_export_csv(env: dict[str, str], tmp_path: Path) -> None:
    header = (
        "id,title,author_email,status,may_be_shared,link,submitted_at,decided_at,"
        "decline_reason,votes,won"
    )
    result = policybot("stories", "export", "--csv", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [header]  # nothing yet

    async def stories(deps: Deps) -> None:
        hr = as_("U0HANA")
        shared = []
        for n, title in enumerate(("Three hundred answers", "Accessibility post", "A rant")):
            fields = {"title": title, "text": "The story.", "link": "", "share": "yes"}
            shared_by = Submission(as_(f"U0P{n}"), DM, "story", fields)
            (thanks,) = map(as_text, await handle(deps, shared_by))
            shared.append(thanks.text.rsplit("(", 1)[1].rstrip(")."))
        for story_id in shared[:2]:
            await handle(deps, Action(hr, DM, "story_approve", story_id))
        reason = {"reason": "Not about our work."}
        await handle(deps, Submission(hr, DM, "story_decline", reason, shared[2]))
        await handle(deps, Submission(hr, DM, "round_new", {"title": "Best post", "days": "7"}))
        async with deps.store() as uow:
            (round_,) = await uow.stories.rounds()
        for voter in ("U0P3", "U0P4"):
            await handle(deps, Action(as_(voter), DM, "round_vote", f"{round_.id}:{shared[1]}"))
        await handle(deps, Action(hr, DM, "round_close", round_.id))

    seed(env, tmp_path, stories)
    result = policybot("stories", "export", "--csv", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == header
    rows = {r["title"]: r for r in csv_rows(result.stdout)}
    assert [(r["status"], r["votes"], r["won"]) for r in rows.values()] == [
        ("approved", "0", ""),
        ("approved", "2", "Best post"),
        ("declined", "0", ""),
    ]
    assert rows["A rant"]["decline_reason"] == "Not about our work."
    assert rows["Accessibility post"]["author_email"] == "p1@example.com"
    assert all(r["submitted_at"] and r["may_be_shared"] == "true" for r in rows.values())
