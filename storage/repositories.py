"""Repositories that features register under their `RepositoryKey`, so that a feature with
its own tables needs no line in the unit of work: its storage module calls `register` when
imported (the unit of work imports every module of this package)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.ports import RepositoryKey

R = TypeVar("R")
_MAKERS: dict[str, Callable[[AsyncSession], Any]] = {}


def register(key: RepositoryKey[R], make: Callable[[AsyncSession], R]) -> None:
    """Make `key`'s repository with `make` on each unit of work's session."""
    if key.name in _MAKERS and _MAKERS[key.name] is not make:
        raise ValueError(f"two repositories registered as {key.name!r}")
    _MAKERS[key.name] = make


def make(key: RepositoryKey[R], session: AsyncSession) -> R:
    """`key`'s repository on `session`; LookupError when no storage module registered one."""
    try:
        maker = _MAKERS[key.name]
    except KeyError:
        raise LookupError(f"no repository is registered as {key.name!r}") from None
    return cast(R, maker(session))
