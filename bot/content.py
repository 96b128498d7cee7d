"""Policy content: versioned policy text, FAQ, vocabulary and chat texts, validated on load."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from bot.features.reports import promises
from bot.features.reports.rules import ReportRules
from bot.features.surveys.rules import Surveys
from bot.features.training.rules import QuizBank
from bot.lint import protected_activity_problems
from bot.rules import ID_PATTERN, Strict

_SECTION_RE = re.compile(r"^##\s+(?P<title>.+?)\s*(?:\{#(?P<id>[a-z0-9-]+)\})?\s*$")
_WORD = re.compile(r"[\w'-]+")
M = TypeVar("M", bound=BaseModel)


class ContentError(Exception):
    """One or more content files are invalid; each problem names file, entry and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class PolicyMeta(Strict):
    """Front matter of one policy version."""

    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    published: date
    owner: str = Field(min_length=1)
    owner_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    """The policy owner by name: gets the review reminder (else everyone with role hr)."""
    review_months: int = Field(default=12, ge=1, le=60)


@dataclass(frozen=True, slots=True)
class Section:
    """One section of a policy version, with a stable id."""

    id: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Policy:
    """One version of the policy."""

    meta: PolicyMeta
    intro: str
    sections: tuple[Section, ...]

    @property
    def version(self) -> int:
        """The version number."""
        return self.meta.version

    def section(self, section_id: str) -> Section | None:
        """The section with this id, if this version has it."""
        return next((s for s in self.sections if s.id == section_id), None)


class FaqEntry(Strict):
    """One FAQ topic: a canonical question, an answer citing a section, and phrasings."""

    id: str = Field(pattern=ID_PATTERN)
    question: str = Field(min_length=5)
    answer: str = Field(min_length=20, max_length=2500)
    section: str = Field(pattern=ID_PATTERN)
    phrasings: tuple[str, ...] = Field(min_length=3)

    @field_validator("phrasings")
    @classmethod
    def _no_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not p.strip() for p in value):
            raise ValueError("phrasings must not be blank")
        return value


class Vocabulary(Strict):
    """Chat shorthand and synonyms, mapped to the words the FAQ uses."""

    shorthand: dict[str, str] = Field(default_factory=dict)
    synonyms: dict[str, str] = Field(default_factory=dict)
    off_topic: tuple[str, ...] = ()
    """Questions that share words with the policy but are not about it; the bot abstains."""

    def mapping(self) -> dict[str, str]:
        """Every replacement, lowercased."""
        merged = {**self.synonyms, **self.shorthand}
        return {k.lower().strip(): v.lower().strip() for k, v in merged.items()}


class Elsewhere(Strict):
    """Where to ask a question that is not about the policy (IT, payroll...)."""

    words: tuple[str, ...] = Field(min_length=1)
    reply: str = Field(min_length=10)


class ChatTexts(Strict):
    """What the bot says outside the FAQ: greetings, help, abstention."""

    greetings: tuple[str, ...]
    thanks: tuple[str, ...]
    greeting_reply: str
    thanks_reply: str
    help: str
    dont_know: str
    ask_hr_sent: str
    too_long: str
    empty: str
    unavailable: str
    sent_privately: str = "I've sent you the details in a direct message."
    no_words: str = "I only understand questions in words. Type *help* to see what I can do."
    elsewhere: tuple[Elsewhere, ...] = ()

    def pointer(self, text: str) -> str | None:
        """Where to ask `text` instead, when content says (matched on whole words)."""
        padded = " " + " ".join(_WORD.findall(text.lower())) + " "
        for place in self.elsewhere:
            if any(f" {w.lower()} " in padded for w in place.words):
                return place.reply
        return None


@dataclass(frozen=True, slots=True)
class Content:
    """Everything under the content folder, validated."""

    policies: tuple[Policy, ...]
    faq: tuple[FaqEntry, ...]
    vocabulary: Vocabulary
    chat: ChatTexts
    reports: ReportRules
    surveys: Surveys
    quizzes: QuizBank

    @property
    def current(self) -> Policy:
        """The newest policy version."""
        return self.policies[-1]

    def policy(self, version: int) -> Policy | None:
        """A given policy version."""
        return next((p for p in self.policies if p.version == version), None)

    def entry(self, faq_id: str) -> FaqEntry | None:
        """The FAQ entry with this id."""
        return next((e for e in self.faq if e.id == faq_id), None)


def _pydantic_problems(file: str, err: ValidationError) -> list[str]:
    return [
        f"{file}: field {'.'.join(str(p) for p in e['loc']) or '(whole)'}: {e['msg']}"
        for e in err.errors()
    ]


def _read_yaml(path: Path, root: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path.relative_to(root)}: file is missing")
    except UnicodeDecodeError as exc:
        problems.append(f"{path.relative_to(root)}: not UTF-8 text: {exc.reason}")
    except yaml.YAMLError as exc:
        problems.append(f"{path.relative_to(root)}: not valid YAML: {yaml_error(exc)}")
    return None


def yaml_error(exc: yaml.YAMLError, first_line: int = 1) -> str:
    """PyYAML's complaint with its line and column (`first_line`: where the YAML starts)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    what = f"{problem} ({context})" if context else str(problem)
    if mark is None:
        return what
    return f"line {mark.line + first_line}, column {mark.column + 1}: {what}"


def parse_policy(text: str, file: str) -> Policy:
    """Parse one policy Markdown file with YAML front matter and `## Title {#id}` sections."""
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    if not match:
        raise ContentError(
            [f"{file}: front matter (--- version/title/published/owner ---) missing"]
        )
    try:
        meta = PolicyMeta.model_validate(yaml.safe_load(match.group(1)))
    except ValidationError as err:
        raise ContentError(_pydantic_problems(file, err)) from None
    except yaml.YAMLError as exc:
        where = yaml_error(exc, first_line=2)  # the front matter starts after the first ---
        raise ContentError([f"{file}: front matter is not valid YAML: {where}"]) from None
    intro: list[str] = []
    sections: list[tuple[str, str, list[str]]] = []
    problems: list[str] = []
    for lineno, line in enumerate(match.group(2).splitlines(), start=1):
        heading = _SECTION_RE.match(line)
        if heading:
            if not heading.group("id"):
                problems.append(f"{file}: line {lineno}: field id: section '{line}' has no {{#id}}")
                continue
            sections.append((heading.group("id"), heading.group("title"), []))
        elif sections:
            sections[-1][2].append(line)
        elif not line.startswith("# "):
            intro.append(line)
    seen: set[str] = set()
    for sid, _, _ in sections:
        if sid in seen:
            problems.append(f"{file}: section {sid}: field id: duplicate section id")
        seen.add(sid)
    if not sections:
        problems.append(f"{file}: no sections (## Title {{#id}})")
    if problems:
        raise ContentError(problems)
    return Policy(
        meta=meta,
        intro="\n".join(intro).strip(),
        sections=tuple(
            Section(sid, title, "\n".join(body).strip()) for sid, title, body in sections
        ),
    )


def _load_policies(root: Path, problems: list[str]) -> list[Policy]:
    policies: list[Policy] = []
    files = sorted((root / "policy").glob("v*.md"))
    if not files:
        problems.append("policy/: no policy versions (policy/v1.md, ...)")
    for path in files:
        rel = str(path.relative_to(root))
        try:
            policy = parse_policy(path.read_text(encoding="utf-8"), rel)
        except ContentError as err:
            problems.extend(err.problems)
            continue
        if path.stem != f"v{policy.version}":
            problems.append(f"{rel}: field version: {policy.version} does not match the file name")
        policies.append(policy)
    policies.sort(key=lambda p: p.version)
    return policies


def _load_faq(root: Path, problems: list[str]) -> list[FaqEntry]:
    raw = _read_yaml(root / "faq.yaml", root, problems)
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append("faq.yaml: expected a list of entries")
        return []
    try:
        return [FaqEntry.model_validate(item) for item in raw]
    except ValidationError:
        pass
    entries = []
    for index, item in enumerate(raw):
        try:
            entries.append(FaqEntry.model_validate(item))
        except ValidationError as err:
            name = item.get("id") if isinstance(item, dict) else None
            where = f"faq.yaml: entry {index + 1}" + (f" ({name})" if name else "")
            for e in err.errors():
                field_name = ".".join(str(p) for p in e["loc"]) or "(whole)"
                problems.append(f"{where}: field {field_name}: {e['msg']}")
    return entries


def _load_model(root: Path, name: str, model: type[M], problems: list[str]) -> M | None:
    raw = _read_yaml(root / name, root, problems)
    if raw is None:
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        problems.extend(_pydantic_problems(name, err))
        return None


def _duplicates(ids: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    dup = set()
    for i in ids:
        if i in seen:
            dup.add(i)
        seen.add(i)
    return dup


def _promise_problems(
    reports: ReportRules, policies: list[Policy], faq: list[FaqEntry], quizzes: QuizBank | None
) -> list[str]:
    """What the current policy, the FAQ and the quizzes say the reporting process does, where
    it contradicts `reports.yaml` and the bot."""
    texts: list[tuple[str, str]] = []
    if policies:
        current = policies[-1]
        where = f"policy/v{current.version}.md: section"
        texts += [(f"{where} {s.id}", s.body) for s in current.sections]
    texts += [
        (f"faq.yaml: entry {i} ({e.id}): field answer", e.answer)
        for i, e in enumerate(faq, start=1)
    ]
    for module in quizzes.modules if quizzes else ():
        for q in module.questions:
            where = f"quizzes.yaml: module {module.id}: question {q.id}"
            texts += [(where, " ".join((q.prompt, *q.options, q.explanation)))]
    return promises.problems(reports, texts)


def load_content(root: Path) -> Content:
    """Load and validate the content folder; raise ContentError listing every problem."""
    if not root.is_dir():
        raise ContentError([f"{root}: content folder not found (CONTENT_DIR)"])
    problems: list[str] = []
    policies = _load_policies(root, problems)
    faq = _load_faq(root, problems)
    vocabulary = _load_model(root, "vocabulary.yaml", Vocabulary, problems)
    chat = _load_model(root, "chat.yaml", ChatTexts, problems)
    reports = _load_model(root, "reports.yaml", ReportRules, problems)
    surveys = _load_model(root, "surveys.yaml", Surveys, problems)
    quizzes = _load_model(root, "quizzes.yaml", QuizBank, problems)
    for module in quizzes.modules if quizzes else ():
        for item in module.questions:
            where = f"quizzes.yaml: module {module.id}: question {item.id}"
            if item.answer >= len(item.options):
                problems.append(f"{where}: field answer: no option {item.answer}")
            if policies and policies[-1].section(item.section) is None:
                problems.append(f"{where}: field section: '{item.section}' is not in the policy")
            for text in (item.prompt, *item.options, item.explanation):
                for finding in protected_activity_problems(text):
                    problems.append(f"{where}: {finding}")
    for survey in surveys.surveys if surveys else ():
        for q in survey.questions:
            if (q.kind in ("single", "multiple")) != bool(q.options):
                problems.append(
                    f"surveys.yaml: survey {survey.id}: question {q.id}: field options: "
                    "needed for single and multiple questions only"
                )
            if q.kind == "multiple" and any("," in o for o in q.options):
                problems.append(
                    f"surveys.yaml: survey {survey.id}: question {q.id}: field options: "
                    "a multiple-choice option cannot contain a comma"
                )
    if reports is not None:
        for route in reports.routes:
            for category in route.categories:
                if category != "*" and category not in reports.categories:
                    problems.append(f"reports.yaml: routes: field categories: unknown '{category}'")
        for severity, rule in reports.severities.items():
            if (rule.acknowledge_hours is None) == (rule.acknowledge_working_days is None):
                problems.append(
                    f"reports.yaml: severities.{severity}: field acknowledge_hours: give either "
                    "acknowledge_hours or acknowledge_working_days"
                )
    for dup in sorted(_duplicates(e.id for e in faq)):
        problems.append(f"faq.yaml: entry ({dup}): field id: duplicate id")
    if policies:
        current = policies[-1]
        for index, entry in enumerate(faq, start=1):
            if current.section(entry.section) is None:
                problems.append(
                    f"faq.yaml: entry {index} ({entry.id}): field section: "
                    f"'{entry.section}' is not a section of policy v{current.version}"
                )
    for index, entry in enumerate(faq, start=1):
        for finding in protected_activity_problems(entry.answer):
            problems.append(f"faq.yaml: entry {index} ({entry.id}): field answer: {finding}")
    if reports is not None:
        problems += _promise_problems(reports, policies, faq, quizzes)
    if problems or None in (vocabulary, chat, reports, surveys, quizzes):
        raise ContentError(problems)
    assert vocabulary and chat and reports and surveys and quizzes
    return Content(tuple(policies), tuple(faq), vocabulary, chat, reports, surveys, quizzes)
