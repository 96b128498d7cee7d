"""The `policybot` command's non-chat subcommands, as real subprocesses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from tests.conftest import CONTENT
from tests.e2e.conftest import policybot


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


def test_teams_package_carries_the_app_id(env: dict[str, str], tmp_path: Path) -> None:
    import zipfile

    out = tmp_path / "teams.zip"
    missing = policybot("teams", "package", "--out", str(out), env=env)
    assert missing.returncode == 2 and "MICROSOFT_APP_ID" in missing.stderr
    app_id = "00000000-0000-4000-8000-00000000b07a"
    env = {**env, "MICROSOFT_APP_ID": app_id, "MICROSOFT_APP_PASSWORD": "x"}
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


def test_cases_stats_csv_has_no_content_columns(env: dict[str, str]) -> None:
    assert policybot("db", "upgrade", env=env).returncode == 0
    result = policybot("cases", "stats", "--csv", env=env)
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0].split(",")
    assert header[:4] == ["ref", "category", "severity", "status"]
    assert not {"what", "where", "reporter", "email", "name"} & set(header)


def test_survey_results_csv(env: dict[str, str]) -> None:
    assert policybot("db", "upgrade", env=env).returncode == 0
    result = policybot("survey", "results", "--csv", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("campaign,survey,audience")


def test_training_report_csv_lists_people(env: dict[str, str], tmp_path: Path) -> None:
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("email,name,department\nann@example.com,Ann,Sales\n")
    assert policybot("people", "import", str(csv_file), env=env).returncode == 0
    result = policybot("training", "report", "--csv", env=env)
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()[:2]
    assert header.startswith("email,name,department")
    assert row.startswith("ann@example.com,Ann,Sales,,2,")
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
    assert "already cancelled" in again.stdout

    status = policybot("announce", "status", announcement_id, "--csv", env=env)
    assert status.returncode == 0
    assert status.stdout.splitlines()[0] == (
        "name,email,department,platform,state,reason,delivered_at,acknowledged_at,"
        "policy_version,reminders"
    )
    missing = policybot("announce", "status", "A-NOSUCH", env=env)
    assert missing.returncode == 1 and "no announcement A-NOSUCH" in missing.stderr


def test_policy_diff(env: dict[str, str]) -> None:
    result = policybot("policy", "diff", "v1", "v2", env=env)
    assert result.returncode == 0, result.stderr
    assert "Added: AI-generated content and impersonation" in result.stdout
    assert "Removed: Blogs and podcasts" in result.stdout
    missing = policybot("policy", "diff", "v1", "v7", env=env)
    assert missing.returncode == 1 and "no policy version v7 (known: v1, v2)" in missing.stderr


def test_stories_export_csv(env: dict[str, str]) -> None:
    result = policybot("stories", "export", "--csv", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "id,title,author_email,status,may_be_shared,link,submitted_at,decided_at,"
        "decline_reason,votes,won"
    ]


def test_worker_needs_a_reachable_task_queue(env: dict[str, str]) -> None:
    alone = policybot("worker", env=env)
    assert alone.returncode == 2 and "missing setting TASK_BROKER_URL" in alone.stderr
    down = policybot("worker", env={**env, "TASK_BROKER_URL": "redis://127.0.0.1:1/0"})
    assert down.returncode == 2
    assert "task queue unreachable (ConnectionError): check TASK_BROKER_URL" in down.stderr
    assert "Traceback" not in down.stderr
