"""Content loading and validation, on the shipped content and on broken copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.content import Content, ContentError, load_content, parse_policy
from bot.lint import protected_activity_problems
from tests.conftest import CONTENT

# The FAQ topic ids are a stable contract (analytics and evaluation refer to them).
TOPICS = [
    "personal-accounts",
    "speaking-for-company",
    "views-my-own",
    "disclose-affiliation",
    "confidential-info",
    "colleague-privacy",
    "pay-and-conditions",
    "criticism-of-company",
    "political-and-personal-views",
    "work-time-and-devices",
    "customer-replies",
    "media-inquiries",
    "negative-comments",
    "online-harassment",
    "doxxing",
    "how-to-report",
    "report-confidentiality",
    "retaliation",
    "viral-crisis",
    "mistake-post",
    "consequences",
    "company-brand-assets",
    "sharing-company-news",
    "professional-profiles",
    "connecting-with-colleagues",
    "reviews-and-competitors",
    "ai-and-impersonation",
    "monitoring-and-privacy",
    "training-requirements",
    "surveys-anonymity",
    "policy-updates",
    "advocacy-and-recognition",
    "who-to-contact",
]


def test_shipped_content_is_valid(content: Content) -> None:
    assert [p.version for p in content.policies] == [1, 2]
    assert content.current.version == 2
    for entry in content.faq:
        assert content.current.section(entry.section) is not None, entry.id
        assert len(entry.phrasings) >= 5, entry.id


def test_faq_covers_exactly_the_topic_ids(content: Content) -> None:
    ids = [e.id for e in content.faq]
    assert ids == TOPICS


def test_v2_changes_a_few_sections(content: Content) -> None:
    v1, v2 = content.policies
    ids1, ids2 = {s.id for s in v1.sections}, {s.id for s in v2.sections}
    changed = {s.id for s in v2.sections if v1.section(s.id) and v1.section(s.id) != s}
    assert ids2 - ids1 and ids1 - ids2 and changed
    assert len(changed) < len(ids2) / 2


def test_protected_activity_answers_affirm_the_right(content: Content) -> None:
    pay = content.entry("pay-and-conditions")
    assert pay is not None and protected_activity_problems(pay.answer) == []
    for entry in content.faq:
        assert protected_activity_problems(entry.answer) == [], entry.id


@pytest.mark.parametrize(
    "sentence",
    [
        "You must not discuss your salary with colleagues.",
        "Do not criticise management on social media.",
        "Employees may not talk to unions about working conditions.",
        "Avoid sharing your hours or overtime publicly.",
        "Never contact regulators without approval from Legal.",
        # An affirmation elsewhere in the sentence does not excuse the ban.
        "Do not discuss pay with colleagues, to avoid retaliation.",
        "Do not discuss pay with colleagues to avoid retaliation.",
        "Never talk to unions about your hours: that is not protected.",
        "Don't share your salary; you are free to post about your work.",
        "You are free to post, but do not criticise management.",
        "Do not discuss it with anyone, including colleagues.",
    ],
)
def test_lint_flags_bans_on_protected_activity(sentence: str) -> None:
    assert protected_activity_problems(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Nothing in this policy stops you discussing pay or conditions with anyone.",
        "Never post customer data or unreleased financials.",
        "Ask colleagues before posting photos of them.",
        "You are free to criticise management; keep it about work, not people's private lives.",
        "We never retaliate against staff who report concerns to the authorities.",
        "You can't be disciplined for discussing pay with colleagues.",
        "Do not post confidential data; nothing stops you from talking to colleagues.",
        "Nothing in this policy, not even the rule on leaks, stops you discussing your pay.",
    ],
)
def test_lint_leaves_ordinary_rules_alone(sentence: str) -> None:
    assert protected_activity_problems(sentence) == []


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def test_schema_error_names_file_entry_and_field(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    faq = yaml.safe_load((root / "faq.yaml").read_text())
    faq[2]["phrasings"] = []
    del faq[4]["answer"]
    (root / "faq.yaml").write_text(yaml.safe_dump(faq))
    with pytest.raises(ContentError) as err:
        load_content(root)
    problems = "\n".join(err.value.problems)
    assert f"faq.yaml: entry 3 ({faq[2]['id']}): field phrasings" in problems
    assert f"faq.yaml: entry 5 ({faq[4]['id']}): field answer: Field required" in problems


def test_invalid_yaml_and_missing_files_are_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "vocabulary.yaml").write_text("shorthand: [unclosed")
    (root / "chat.yaml").unlink()
    with pytest.raises(ContentError) as err:
        load_content(root)
    problems = "\n".join(err.value.problems)
    assert "vocabulary.yaml: not valid YAML" in problems
    assert "chat.yaml: file is missing" in problems
    with pytest.raises(ContentError, match="content folder not found"):
        load_content(tmp_path / "nowhere")


def test_a_yaml_syntax_error_keeps_its_line_and_column(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "surveys.yaml").write_text("surveys:\n  - id: a\n    title: [one\n  - id: b\n")
    policy = (root / "policy" / "v2.md").read_text()
    (root / "policy" / "v2.md").write_text(policy.replace("title: Social", "title: : [Social", 1))
    with pytest.raises(ContentError) as err:
        load_content(root)
    problems = "\n".join(err.value.problems)
    assert "surveys.yaml: not valid YAML: line 4, column 7: expected ',' or ']'" in problems
    assert "policy/v2.md: front matter is not valid YAML: line 3, column " in problems


def test_policy_sections_need_ids_and_front_matter() -> None:
    with pytest.raises(ContentError, match="front matter"):
        parse_policy("# Policy\n## Scope {#scope}\n", "policy/v9.md")
    meta = "---\nversion: 9\ntitle: T\npublished: 2026-01-01\nowner: HR\n---\n"
    with pytest.raises(ContentError, match="has no"):
        parse_policy(meta + "## Scope\ntext\n", "policy/v9.md")
    with pytest.raises(ContentError, match="duplicate section id"):
        parse_policy(meta + "## A {#a}\nx\n## B {#a}\ny\n", "policy/v9.md")
    with pytest.raises(ContentError, match="field published"):
        parse_policy(meta.replace("2026-01-01", "someday") + "## A {#a}\n", "policy/v9.md")
    policy = parse_policy(meta + "Intro.\n## A {#a}\nx\n### Sub\ny\n", "policy/v9.md")
    assert policy.intro == "Intro."
    assert policy.sections[0].body == "x\n### Sub\ny"


def test_quiz_bank_has_four_modules_and_forty_questions(content: Content) -> None:
    modules = content.quizzes.modules
    assert [m.id for m in modules] == ["boundaries", "confidentiality", "backlash", "presence"]
    assert sum(len(m.questions) for m in modules) >= 40
    ids = [q.id for m in modules for q in m.questions]
    assert len(ids) == len(set(ids))
    protected = [q for q in modules[-1].questions if q.section == "protected-activity"]
    assert len(protected) >= 3


def test_quiz_that_forbids_protected_activity_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    bank = yaml.safe_load((broken / "quizzes.yaml").read_text())
    bank["modules"][0]["questions"][0]["explanation"] = (
        "Staff must not discuss their pay with colleagues on social media, ever."
    )
    (broken / "quizzes.yaml").write_text(yaml.safe_dump(bank, sort_keys=False))
    with pytest.raises(ContentError) as err:
        load_content(broken)
    assert any(
        "quizzes.yaml: module boundaries" in p and "protected" in p for p in err.value.problems
    )


def test_content_check_catches_promises_the_bot_does_not_keep(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    rules = (root / "reports.yaml").read_text()
    (root / "reports.yaml").write_text(
        rules.replace("acknowledge_working_days: 1,", "acknowledge_working_days: 2,")
    )
    policy = (root / "policy" / "v2.md").read_text()
    (root / "policy" / "v2.md").write_text(
        policy.replace("random receipt and a passphrase", "random receipt and choose a passphrase")
    )
    with pytest.raises(ContentError) as err:
        load_content(root)
    problems = err.value.problems
    assert (
        "policy/v2.md: section reporting: promises acknowledgement within one working day, "
        "but reports.yaml gives normal (2 working days)"
    ) in problems
    assert (
        "policy/v2.md: section reporting: says reporters choose their passphrase, but the bot "
        "generates it (with the receipt)"
    ) in problems
    assert any(p.startswith("faq.yaml: entry 16 (how-to-report)") for p in problems)


def test_promised_hours_and_days_are_compared_with_every_severity() -> None:
    from bot.features.reports.promises import problems
    from bot.features.reports.rules import ReportRules

    rules = ReportRules.model_validate(
        yaml.safe_load((CONTENT / "reports.yaml").read_text(encoding="utf-8"))
    )
    assert problems(rules, [("x", "A handler acknowledges it within 2 working days.")]) == []
    assert problems(rules, [("x", "We acknowledge the report within 4 hours.")]) == [
        "x: promises acknowledgement within 4 hours, but reports.yaml gives normal (1 working day)"
    ]
