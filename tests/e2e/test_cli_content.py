"""The `policybot` command's content subcommands, as real subprocesses: asking questions,
checking the FAQ and policy content, and comparing policy versions."""

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


def test_ask_without_a_question_says_how_to_ask(env: dict[str, str]) -> None:
    for args in (("ask",), ("ask", "  ")):
        result = policybot(*args, env=env)
        assert result.returncode == 2 and result.stdout == ""
        assert "ask needs a question" in result.stderr
