"""Repositories of features that bring their own tables, found by their key: a storage
module declares `REPOSITORIES = {KEY: SqlRepository}` and needs no line in the unit of work.
`discover` imports this package's modules once, when a store is made (never at import)."""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.ports import RepositoryKey

R = TypeVar("R")
Makers = Mapping[str, Callable[[AsyncSession], Any]]


@functools.cache
def discover() -> Makers:
    """Every storage module imported (so every table is on SQLModel.metadata), and the
    repositories they declare, by key name; two modules declaring one key is an error."""
    found: dict[str, Callable[[AsyncSession], Any]] = {}
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.ispkg:
            continue
        declared = getattr(importlib.import_module(f"storage.{module.name}"), "REPOSITORIES", {})
        for key, make in declared.items():
            if key.name in found:
                raise ValueError(f"two repositories declared as {key.name!r}")
            found[key.name] = make
    return found


def make(makers: Makers, key: RepositoryKey[R], session: AsyncSession) -> R:
    """`key`'s repository on `session`; LookupError when no storage module declares one."""
    try:
        maker = makers[key.name]
    except KeyError:
        raise LookupError(f"no repository is declared as {key.name!r}") from None
    return cast(R, maker(session))
