"""What a feature answers to: its buttons, forms and typed commands, its entries in the help
menu, its Slack `/policy` subcommands and its periodic jobs, as one `Routes` value that the
feature declares next to its handlers. `bot.catalog` lists the features; the dispatcher, the
help menu, the Slack command and the job runner are built from what they declare, so a
feature is wired in one line."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from bot.model import Role

if TYPE_CHECKING:
    from bot.deps import Deps
    from bot.messages import Action, Reply, Submission
    from bot.model import Person
    from bot.ports import UnitOfWork

ActionHandler = Callable[["Deps", "UnitOfWork", "Person", "Action"], Awaitable[list["Reply"]]]
FormHandler = Callable[["Deps", "UnitOfWork", "Person", "Submission"], Awaitable[list["Reply"]]]
Job = Callable[["Deps", "UnitOfWork"], Awaitable[int]]
"""A periodic job: runs in its own unit of work (committed by the runner); returns a count."""
EVERYONE: tuple[Role, ...] = ()
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class MenuEntry:
    """A button of the help menu: shown to `roles` (everyone when empty), at `order`."""

    label: str
    action: str
    order: int
    roles: tuple[Role, ...] = EVERYONE


@dataclass(frozen=True, slots=True)
class Hint:
    """A typed command the help menu mentions to people with one of `roles`."""

    text: str
    roles: tuple[Role, ...]
    order: int


@dataclass(frozen=True, slots=True)
class Routes:
    """A feature's routes. `typed` maps a button's action to the phrases that press it;
    `slash` maps a Slack `/policy` subcommand to the phrase it stands for."""

    actions: Mapping[str, ActionHandler] = field(default_factory=dict)
    forms: Mapping[str, FormHandler] = field(default_factory=dict)
    typed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    slash: Mapping[str, str] = field(default_factory=dict)
    menu: tuple[MenuEntry, ...] = ()
    hints: tuple[Hint, ...] = ()
    jobs: Mapping[str, Job] = field(default_factory=dict)

    @property
    def phrases(self) -> dict[str, str]:
        """Every typed phrase, to the action it presses."""
        return {p: action for action, ps in self.typed.items() for p in ps}


def _merge(name: str, parts: Iterable[Mapping[str, V]]) -> dict[str, V]:
    merged: dict[str, V] = {}
    for part in parts:
        for key, value in part.items():
            if key in merged:
                raise ValueError(f"two features declare the {name} {key!r}")
            merged[key] = value
    return merged


def compose(*features: Routes) -> Routes:
    """All the features' routes as one; a button, form, phrase or subcommand declared twice
    is an error (at import: the bot does not start)."""
    typed = _merge("button with phrases", (f.typed for f in features))
    _merge("phrase", ({p: a for a, ps in f.typed.items() for p in ps} for f in features))
    return Routes(
        actions=_merge("button", (f.actions for f in features)),
        forms=_merge("form", (f.forms for f in features)),
        typed=typed,
        slash=_merge("subcommand", (f.slash for f in features)),
        menu=tuple(sorted((m for f in features for m in f.menu), key=lambda m: m.order)),
        hints=tuple(sorted((h for f in features for h in f.hints), key=lambda h: h.order)),
        jobs=_merge("periodic job", (f.jobs for f in features)),
    )
