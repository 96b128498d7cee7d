"""`policybot chat` as a real subprocess: a user journey through the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import policybot


@pytest.fixture
def migrated(env: dict[str, str]) -> dict[str, str]:
    return env


def test_three_questions_one_unknown_and_help(migrated: dict[str, str]) -> None:
    script = "\n".join(
        [
            "Can I mention where I work on my personal instagram?",
            "a journalist dmed me on twitter asking about the layoffs, what do i do",
            "someone posted my home address online because of my job",
            "how many vacation days do I get this year?",
            "help",
            "/quit",
        ]
    )
    result = policybot(
        "chat", "--as", "sam@example.com", "--add", "--name", "Sam", env=migrated, stdin=script
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert out.count("== ") >= 3  # three answer cards
    assert "section" in out
    assert "I'm not sure about that one" in out
    assert "Send my question to HR" in out
    assert "Here is what I can do" in out
    assert "Bye!" in out


def test_ask_hr_from_console_reaches_hr_console(migrated: dict[str, str], tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text("email,name,roles\nhr@example.com,Hal,hr\nsam@example.com,Sam,\n")
    imported = policybot("people", "import", str(csv), env=migrated)
    assert imported.returncode == 0, imported.stderr
    assert "created 2" in imported.stdout

    asked = policybot(
        "chat",
        "--as",
        "sam@example.com",
        env=migrated,
        stdin="how many vacation days do I get this year?\n1\n/quit\n",
    )
    assert "Sent to HR as Q-" in asked.stdout, asked.stdout
    # HR sees the notification with the question, opens the answer form and answers.
    hr = policybot(
        "chat",
        "--as",
        "hr@example.com",
        env=migrated,
        stdin="2\nIt is on the board by reception.\n/quit\n",
    )
    assert "vacation days" in hr.stdout
    assert "was sent" in hr.stdout, hr.stdout
    back = policybot("chat", "--as", "sam@example.com", env=migrated, stdin="/quit\n")
    assert "HR answered your question" in back.stdout
    assert "board by reception" in back.stdout


def test_form_can_be_cancelled(migrated: dict[str, str]) -> None:
    result = policybot(
        "chat",
        env=migrated,
        stdin="how many vacation days do I get this year?\n2\ncancel\n/quit\n",
    )
    assert "Cancelled. Nothing was sent." in result.stdout


def test_chat_as_refuses_what_is_not_a_directory_email(migrated: dict[str, str]) -> None:
    for bad in ("not-an-email", ""):
        result = policybot("chat", "--as", bad, env=migrated, stdin="/quit\n")
        assert result.returncode == 2 and "needs an email address" in result.stderr
    unknown = policybot("chat", "--as", "nobody@example.com", env=migrated, stdin="/quit\n")
    assert unknown.returncode == 1 and "not in the directory" in unknown.stderr
    assert "--add" in unknown.stderr
    added = policybot("chat", "--as", "nobody@example.com", "--add", env=migrated, stdin="/quit\n")
    assert added.returncode == 0 and "Bye!" in added.stdout
    again = policybot("chat", "--as", "Nobody@Example.com", env=migrated, stdin="/quit\n")
    assert again.returncode == 0, again.stderr
