"""The `policybot` command's non-chat subcommands, as real subprocesses."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import yaml

import app
from bot.deps import Deps
from bot.dispatch import handle
from bot.messages import Action, ConversationRef, Submission, UserRef
from bot.settings import load_settings
from tests.conftest import CONTENT
from tests.e2e.conftest import policybot
from tests.replies import as_text


def test_ask_jsonl_answers_and_abstains(env: dict[str, str]) -> None:
    questions = "may i talk about my pay online?\n\nwho won the football last night?\n"
    result = policybot("ask", "--jsonl", env=env, stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["faq_id"] for r in lines] == ["pay-and-conditions", None]
    assert all(isinstance(r["score"], float) for r in lines)
    assert lines[0]["question"] == "may i talk about my pay online?"


def test_content_check_passes_on_shipped_content(env: dict[str, str]) -> None:
    result = policybot("content", "check", env=env)
    assert result.returncode == 0, result.stderr
    assert "33 FAQ entries" in result.stdout


def test_content_check_names_file_entry_and_field(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    faq = (broken / "faq.yaml").read_text()
    faq = faq.replace("section: protected-activity", "section: no-such-section", 1)
    (broken / "faq.yaml").write_text(faq + "\n- id: extra\n  question: Why?\n")
    result = policybot("content", "check", "--dir", str(broken), env=env)
    assert result.returncode == 1
    assert "faq.yaml: entry 34 (extra): field answer: Field required" in result.stderr
    assert "field section: 'no-such-section' is not a section of policy v2" in result.stderr


def test_content_check_flags_answers_forbidding_protected_activity(
    env: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    entries = yaml.safe_load((broken / "faq.yaml").read_text())
    pay = next(e for e in entries if e["id"] == "pay-and-conditions")
    pay["answer"] = "Employees must not discuss their salary with colleagues or on social media."
    (broken / "faq.yaml").write_text(yaml.safe_dump(entries, sort_keys=False))
    result = policybot("content", "check", "--dir", str(broken), env=env)
    assert result.returncode == 1
    assert "(pay-and-conditions): field answer: may forbid protected activity" in result.stderr


def test_people_import_reports_unusable_rows(env: dict[str, str], tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("email,name,roles\nok@example.com,Ok,\nnot-an-email,Bad,\n")
    first = policybot("people", "import", str(csv), env=env)
    assert first.returncode == 0, first.stderr
    assert "created 1" in first.stdout
    assert "skipped: line 3: invalid email" in first.stdout
    second = policybot("people", "import", str(csv), env=env)
    assert "created 0, updated 0, unchanged 1" in second.stdout
    missing = policybot("people", "import", str(tmp_path / "nope.csv"), env=env)
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_people_import_fails_on_a_file_it_cannot_use(env: dict[str, str], tmp_path: Path) -> None:
    for name, text, why in (
        ("semi.csv", "email;name\nann@example.com;Ann\n", "separated by semicolons"),
        ("nomail.csv", "name,department\nAnn,Sales\n", "missing column(s) email"),
        ("empty.csv", "", "the file is empty"),
    ):
        (tmp_path / name).write_text(text)
        result = policybot("people", "import", str(tmp_path / name), env=env)
        assert result.returncode == 1, (name, result.stdout)
        assert why in result.stdout and "nothing in" in result.stderr


def test_people_import_warns_with_the_line_of_an_unknown_manager(
    env: dict[str, str], tmp_path: Path
) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text(
        "email,name,manager_email\nann@example.com,Ann,\nbo@example.com,Bo,x@example.com\n"
    )
    result = policybot("people", "import", str(csv), env=env)
    assert result.returncode == 0, result.stderr
    assert "created 2" in result.stdout
    assert "warning: line 3: bo@example.com imported without a manager" in result.stdout
    assert "skipped" not in result.stdout


def test_teams_package_carries_the_app_id(env: dict[str, str], tmp_path: Path) -> None:
    import zipfile

    out = tmp_path / "teams.zip"
    missing = policybot("teams", "package", "--out", str(out), env=env)
    assert missing.returncode == 2 and "MICROSOFT_APP_ID" in missing.stderr
    not_guid = policybot("teams", "package", env={**env, "MICROSOFT_APP_ID": "my-bot"})
    assert not_guid.returncode == 2 and "is not a Microsoft App ID" in not_guid.stderr
    app_id = "00000000-0000-4000-8000-00000000b07a"
    env = {**env, "MICROSOFT_APP_ID": app_id}  # no password needed to build the package
    made = policybot(
        "teams",
        "package",
        "--out",
        str(out),
        "--organisation",
        'ACME "UK"',
        "--website",
        "https://acme.example",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == app_id and manifest["bots"][0]["botId"] == app_id
    assert manifest["developer"]["name"] == 'ACME "UK"'
    assert manifest["developer"]["privacyUrl"] == "https://acme.example/privacy"
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}
    commands = manifest["bots"][0]["commandLists"][0]["commands"]
    assert "help" in [c["title"] for c in commands]
    assert "{{" not in json.dumps(manifest)


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


def test_announce_from_the_cli(env: dict[str, str], tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "email,name,department,roles,slack_user_id\n"
        "hana@example.com,Hana,HR,hr,U0HR\n"
        "sam@example.com,Sam,Sales,employee,U0SAM\n"
    )
    assert policybot("people", "import", str(people), env=env).returncode == 0
    base = ["announce", "create", "--title", "Version 2", "--summary", "Please read it."]

    refused = policybot(*base, "--as", "sam@example.com", env=env)
    assert refused.returncode == 1
    assert "only people with the hr role" in refused.stderr

    invalid = policybot(*base, "--as", "hana@example.com", "--link", "ftp://x", env=env)
    assert invalid.returncode == 1 and "--link: Use a full https:// address" in invalid.stderr

    draft = policybot(*base, "--as", "hana@example.com", "--department", "Sales", env=env)
    assert draft.returncode == 0, draft.stderr
    assert "preview: only you can see this" in draft.stdout
    assert "to 1 person (Sales)" in draft.stdout
    announcement_id = draft.stdout.split("Draft ")[1].split(":")[0]
    listed = policybot("announce", "list", env=env)
    assert f"{announcement_id}\tdraft\t" in listed.stdout

    cancelled = policybot(
        "announce", "cancel", announcement_id, "--as", "hana@example.com", env=env
    )
    assert cancelled.returncode == 0 and "Nothing was sent" in cancelled.stdout
    again = policybot("announce", "send", announcement_id, "--as", "hana@example.com", env=env)
    assert again.returncode == 1 and "already cancelled" in again.stderr

    status = policybot("announce", "status", announcement_id, "--csv", env=env)
    assert status.returncode == 0
    assert status.stdout.splitlines()[0] == (
        "name,email,department,platform,state,reason,delivered_at,acknowledged_at,"
        "policy_version,reminders"
    )
    missing = policybot("announce", "status", "A-NOSUCH", env=env)
    assert missing.returncode == 1 and "no announcement A-NOSUCH" in missing.stderr


def test_announce_errors_name_the_flags_typed(env: dict[str, str], tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "email,name,department,roles\nhana@example.com,Hana,HR,hr\nsam@example.com,Sam,Sales,\n"
    )
    assert policybot("people", "import", str(people), env=env).returncode == 0
    base = ["announce", "create", "--as", "hana@example.com", "--title", "T", "--summary", "S"]
    wrong = policybot(
        *base, "--at", "2026-02-30 09:00", "--department", "Nowhere", "--channel", "#x", env=env
    )
    assert wrong.returncode == 1
    assert "policybot: --at: There is no such day or time as 2026-02-30 09:00." in wrong.stderr
    assert "policybot: --department: Choose everyone or departments" in wrong.stderr
    assert "policybot: --channel: " in wrong.stderr
    assert "--when" not in wrong.stderr and "--audience" not in wrong.stderr
    right = policybot(*base, "--version", "v2", "--department", "sales", env=env)
    assert right.returncode == 0, right.stderr
    assert "to 1 person (Sales)" in right.stdout and "Policy version: 2" in right.stdout


def test_reports_print_text_unless_csv_is_asked_for(env: dict[str, str]) -> None:
    training = policybot("training", "report", env=env)
    assert training.returncode == 0, training.stderr
    assert "== Training: everyone ==" in training.stdout and "email,name" not in training.stdout
    stories = policybot("stories", "export", env=env)
    assert stories.returncode == 0 and "0 stories; every column: --csv" in stories.stdout
    surveys = policybot("survey", "results", env=env)
    assert surveys.returncode == 0 and "campaign," not in surveys.stdout


def test_database_commands_print_no_migration_lines(tmp_path: Path) -> None:
    from tests.e2e.conftest import run_env

    env = run_env(tmp_path)
    if "DATABASE_URL" in env:
        env.pop("DATABASE_URL")
        env.pop("POLICYBOT_SECRET_KEY")
    upgraded = policybot("db", "upgrade", env=env)
    assert upgraded.returncode == 0
    assert "alembic" not in upgraded.stderr and "database is at revision" in upgraded.stdout
    stats = policybot("cases", "stats", env=env)
    assert stats.returncode == 0 and "alembic" not in stats.stderr


def test_a_short_secret_key_is_refused_by_every_command(env: dict[str, str]) -> None:
    short = {**env, "POLICYBOT_SECRET_KEY": "short"}
    for command in (("cases", "stats"), ("training", "report", "--csv"), ("db", "upgrade")):
        result = policybot(*command, env=short)
        assert result.returncode == 2, command
        assert "invalid setting POLICYBOT_SECRET_KEY" in result.stderr


def test_a_busy_port_is_one_line(env: dict[str, str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = policybot("serve", env={**env, "PORT": port})
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()  # refused before anything started
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in line


def test_policy_diff(env: dict[str, str]) -> None:
    result = policybot("policy", "diff", "v1", "v2", env=env)
    assert result.returncode == 0, result.stderr
    assert "Added: AI-generated content and impersonation" in result.stdout
    assert "Removed: Blogs and podcasts" in result.stdout
    assert "Removed: \u201cKeep personal use of social media to breaks and lunchtime.\u201d" in (
        result.stdout
    )
    missing = policybot("policy", "diff", "v1", "v7", env=env)
    assert missing.returncode == 1 and "no policy version v7 (known: v1, v2)" in missing.stderr


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


def test_worker_needs_a_reachable_task_queue(env: dict[str, str]) -> None:
    alone = policybot("worker", env=env)
    assert alone.returncode == 2 and "missing setting TASK_BROKER_URL" in alone.stderr
    down = policybot("worker", env={**env, "TASK_BROKER_URL": "redis://127.0.0.1:1/0"})
    assert down.returncode == 2
    assert "task queue unreachable (ConnectionError): check TASK_BROKER_URL" in down.stderr
    assert "Traceback" not in down.stderr


def test_ask_without_a_question_says_how_to_ask(env: dict[str, str]) -> None:
    for args in (("ask",), ("ask", "  ")):
        result = policybot(*args, env=env)
        assert result.returncode == 2 and result.stdout == ""
        assert "ask needs a question" in result.stderr
