"""The `policybot announce` subcommands, as real subprocesses: who may announce, drafts,
cancelling, status, and errors that name the flags typed."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import policybot


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
