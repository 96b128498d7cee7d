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


def _ref(out: str) -> str:
    import re

    found = re.search(r"Report (R-[A-Z0-9]{6}) sent", out)
    assert found, out
    return found.group(1)


def test_the_readme_tour_employee_handler_and_hr(migrated: dict[str, str]) -> None:
    """The journeys of the README's first tour, each person in their own terminal."""
    example = Path(__file__).resolve().parents[2] / "examples" / "people.csv"
    imported = policybot("people", "import", str(example), env=migrated)
    assert imported.returncode == 0 and "created 5" in imported.stdout, imported.stdout

    def chat(email: str, *lines: str) -> str:
        result = policybot("chat", "--as", email, env=migrated, stdin="\n".join(lines) + "\n")
        assert result.returncode == 0, result.stderr
        assert result.stdout.rstrip().endswith("Bye!"), result.stdout
        return result.stdout

    # The employee asks, gets an answer citing its section, and reports a threat.
    # Report form: danger (Enter: no), what is happening (3: threats), how serious (2: high),
    # what happened, where, when, identity (Enter: confidential), who must not see it.
    sam = chat(
        "sam@example.com",
        "Can I mention where I work on my personal instagram?",
        "report", "1", "", "3", "2", "Someone posted my home address under my launch post",
        "https://x.example/post/1", "yesterday", "", "", "/quit",
    )  # fmt: skip
    assert "(Policy v2, section" in sam.replace("\n", " ")
    ref = _ref(sam)

    # The handler finds the case, acknowledges it, messages the reporter and resolves it.
    # Opened by its reference: [1] View [2] Acknowledge ...; after that [1] View
    # [2] Assign to me [3] Message reporter [4] Resolve on every reply.
    ida = chat(
        "ida@example.com",
        "my cases", ref, "2", "3", "We have asked the platform to take the post down.",
        "4", "1", "The post was removed.", "my cases", "/quit",
    )  # fmt: skip
    assert f"[notification] New report {ref}" in ida
    assert "Your cases: 1 open" in ida and "acknowledge by" in ida
    assert f"Report {ref} acknowledged." in ida
    assert f"Sent to the reporter of {ref}." in ida
    assert f"Report {ref} resolved: Action taken." in ida
    assert "No open reports are waiting for you." in ida
    stats = policybot("cases", "stats", env=migrated)
    assert "1 report(s)" in stats.stdout and "resolved 1" in stats.stdout  # the same case

    # The reporter hears back about the same case.
    back = chat("sam@example.com", "/quit")
    assert f"Your report {ref} was received by a handler." in back
    assert "We have asked the platform to take the post down." in back
    assert f"Your report {ref} was closed. The post was removed." in back

    # HR answers a question the bot could not, sees the training figures and announces.
    eve = chat("eve@example.com", "how many vacation days do I get this year?", "1", "/quit")
    assert "Sent to HR as Q-" in eve
    # Notifications first (the case, then Eve's question: [1]..[5], [6] Assign to me,
    # [7] Answer), then the menu numbered on.
    hana = chat(
        "hana@example.com",
        "7", "Twenty-five days, see the handbook.",
        "training report",
        "announce", "Version 2 is out", "Please read what changed.", "", "", "", "", "", "",
        "1", "/quit",
    )  # fmt: skip
    assert f"[notification] New report {ref}" in hana
    assert "Your answer was sent" in hana or "was sent" in hana, hana
    assert "== Training: everyone ==" in hana and "Manager Marc Moreau" in hana
    assert "is going out now" in hana
    answered = chat("eve@example.com", "/quit")
    assert "Twenty-five days, see the handbook." in answered
