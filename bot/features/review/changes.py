"""What changed between two policy versions, section by section, in words people can read."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from bot.content import Content, Policy, Section
from bot.deps import Deps
from bot.messages import Action, Button, Card, Reply, TextReply
from bot.model import Person
from bot.ports import UnitOfWork
from bot.routing import Routes
from bot.text import shorten

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True, slots=True)
class Reworded:
    """A section in both versions whose title or text changed."""

    section: Section
    added: tuple[str, ...]  # sentences only in the new version
    removed: tuple[str, ...]  # sentences only in the old version
    retitled_from: str = ""


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    """Sections added, removed and reworded from one version to the next."""

    old: Policy
    new: Policy
    added: tuple[Section, ...]
    removed: tuple[Section, ...]
    reworded: tuple[Reworded, ...]

    @property
    def changed_ids(self) -> set[str]:
        """Ids of the sections a reader of the old version must read again (or for the first
        time)."""
        return {s.id for s in self.added} | {r.section.id for r in self.reworded}


_MARKUP = re.compile(r"^\s*(?:[-*+]|\d+\.)\s+|\*\*|__|`")


def sentences(text: str) -> list[str]:
    """Plain sentences: list markers and emphasis dropped, lines joined."""
    lines = (_MARKUP.sub("", line).strip() for line in text.splitlines())
    flat = " ".join(_MARKUP.sub("", line) for line in lines if line)
    return [s.strip() for s in _SENTENCE.split(flat) if s.strip()]


def diff(old: Policy, new: Policy) -> PolicyDiff:
    """Compare two versions by stable section id."""
    added = tuple(s for s in new.sections if old.section(s.id) is None)
    removed = tuple(s for s in old.sections if new.section(s.id) is None)
    reworded = []
    for section in new.sections:
        before = old.section(section.id)
        if before is None or before == section:
            continue
        a, b = sentences(before.body), sentences(section.body)
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        gone: list[str] = []
        new_lines: list[str] = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op in ("replace", "delete"):
                gone += a[i1:i2]
            if op in ("replace", "insert"):
                new_lines += b[j1:j2]
        title = before.title if before.title != section.title else ""
        reworded.append(Reworded(section, tuple(new_lines), tuple(gone), title))
    return PolicyDiff(old, new, added, removed, tuple(reworded))


def _day(policy: Policy) -> str:
    published = policy.meta.published
    return f"{published.day} {published:%B %Y}"


def latest(content: Content) -> PolicyDiff | None:
    """The current version compared with the one before it (None for a first version)."""
    if len(content.policies) < 2:
        return None
    return diff(content.policies[-2], content.current)


def summary(d: PolicyDiff, detail: int = 2, full: bool = False) -> str:
    """A readable, section-by-section summary (Markdown: bold and bullets).

    `detail` new sentences are quoted per reworded section, shortened for chat; `full` quotes
    every sentence added or removed, whole, and the text of added and removed sections.
    """

    def quote(sentence: str) -> str:
        return f"\u201c{sentence if full else shorten(sentence, 160)}\u201d"

    lines = [
        f"*Version {d.new.version}* (published {_day(d.new)}) compared with "
        f"version {d.old.version}:"
    ]
    for s in d.added:
        plain = sentences(s.body)
        if full:
            lines.append(f"\u2022 *Added: {s.title}*")
            lines += [f"   New: {quote(x)}" for x in plain]
        else:
            lines.append(f"\u2022 *Added: {s.title}*. {shorten(' '.join(plain[:1]), 200)}")
    for r in d.reworded:
        renamed = f" (was \u201c{r.retitled_from}\u201d)" if r.retitled_from else ""
        counts = []
        if r.added:
            counts.append(f"{len(r.added)} sentence{'s' if len(r.added) != 1 else ''} new")
        if r.removed:
            counts.append(f"{len(r.removed)} removed")
        line = f"\u2022 *Reworded: {r.section.title}*{renamed}: {', '.join(counts) or 'retitled'}."
        for sentence in r.added if full else r.added[:detail]:
            line += f"\n   New: {quote(sentence)}"
        for sentence in r.removed if full else ():
            line += f"\n   Removed: {quote(sentence)}"
        lines.append(line)
    for s in d.removed:
        lines.append(f"\u2022 *Removed: {s.title}*.")
        if full:
            lines += [f"   Removed: {quote(x)}" for x in sentences(s.body)]
    unchanged = len(d.new.sections) - len(d.added) - len(d.reworded)
    lines.append(f"{unchanged} other sections are unchanged.")
    return "\n".join(lines)


async def what_changed(deps: Deps, uow: UnitOfWork, person: Person, a: Action) -> list[Reply]:
    """ "What changed?": the latest version against the one before."""
    d = latest(deps.content)
    if d is None:
        return [TextReply("This is the first version of the policy: nothing changed yet.")]
    card = Card(
        f"What changed in version {d.new.version}",
        summary(d),
        buttons=(Button("Take a quiz on it", "quiz_start"),),
        footer="Training on the changed sections is required again.",
    )
    return [card]


ROUTES = Routes(
    actions={"policy_changes": what_changed},
    typed={
        "policy_changes": (
            "what changed",
            "what's changed",
            "what has changed",
            "what's new",
            "whats new",
            "what is new",
            "changes",
            "policy changes",
            "what changed in the policy",
            "what changed in the new version",
        )
    },
    slash={"changes": "what changed", "what-changed": "what changed"},
)
