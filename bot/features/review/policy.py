"""The policy as the dashboard shows it: its versions, what changed between two of them
section by section, the review date, and (HR only) the review summary the chat shows.

Every dashboard role may read the versions and their comparison (staff read them in chat
too); the review summary holds what staff wrote, so only HR sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.deps import Deps
from bot.directory import require
from bot.features.dashboard.dashboard import Missing
from bot.features.review import changes, review
from bot.features.review.changes import PolicyDiff
from bot.features.review.review import Review, review_summary
from bot.model import Person, Role
from bot.ports import UnitOfWork


class NoSuchVersion(Missing):
    """No policy version has that number (or it has no version before it)."""


@dataclass(frozen=True, slots=True)
class Version:
    """One version of the policy."""

    version: int
    title: str
    published: date
    owner: str
    sections: int
    current: bool


@dataclass(frozen=True, slots=True)
class PolicyPage:
    """Everything the policy page shows, for one viewer."""

    viewer: str
    at: datetime
    versions: tuple[Version, ...]  # newest first
    due: date  # the current version's review date
    comparison: PolicyDiff | None  # None: a first version, nothing to compare
    unchanged: int  # sections of the newer version the comparison leaves as they were
    titles: dict[str, str]  # section id -> title in the current version
    sentences: dict[str, tuple[str, ...]]  # the added and removed sections' plain sentences
    review: Review | None  # HR only


async def page(
    deps: Deps, uow: UnitOfWork, viewer: Person, version: int | None = None
) -> PolicyPage:
    """The versions, `version` compared with the one before it (by default the current one),
    the review date, and the review summary for HR."""
    require(viewer, Role.HR, Role.HANDLER, Role.MANAGER)
    content = deps.content
    newer = content.current if version is None else content.policy(version)
    if newer is None:
        raise NoSuchVersion(str(version))
    older = [p for p in content.policies if p.version < newer.version]
    if version is not None and not older:
        raise NoSuchVersion(str(version))
    comparison = changes.diff(older[-1], newer) if older else None
    unchanged = (
        len(newer.sections) - len(comparison.added) - len(comparison.reworded) if comparison else 0
    )
    return PolicyPage(
        viewer.display_name,
        deps.clock.now(),
        tuple(
            Version(
                p.version,
                p.meta.title,
                p.meta.published,
                p.meta.owner,
                len(p.sections),
                p is content.current,
            )
            for p in reversed(content.policies)
        ),
        review.review_date(deps),
        comparison,
        unchanged,
        {s.id: s.title for s in content.current.sections},
        {
            s.id: tuple(changes.sentences(s.body))
            for s in (comparison.added + comparison.removed if comparison else ())
        },
        await review_summary(deps, uow, viewer) if viewer.has(Role.HR) else None,
    )
