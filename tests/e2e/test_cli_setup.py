"""The `policybot` command's setup and running subcommands, as real subprocesses: importing
the directory, building the Teams package, upgrading the database, refusing a bad secret
key, a busy port and an unreachable task queue."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import policybot


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


def test_worker_needs_a_reachable_task_queue(env: dict[str, str]) -> None:
    alone = policybot("worker", env=env)
    assert alone.returncode == 2 and "missing setting TASK_BROKER_URL" in alone.stderr
    down = policybot("worker", env={**env, "TASK_BROKER_URL": "redis://127.0.0.1:1/0"})
    assert down.returncode == 2
    assert "task queue unreachable (ConnectionError): check TASK_BROKER_URL" in down.stderr
    assert "Traceback" not in down.stderr
