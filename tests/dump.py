"""Everything a database holds, for tests that promise what is (not) stored or changed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

Rows = dict[str, list[tuple[Any, ...]]]


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements sent on `engine` while the block runs, as they are sent."""
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def dump(engine: AsyncEngine, leave_out: dict[str, set[str]] | None = None) -> Rows:
    """Every row of every table the database really has (not only those the models know),
    each table's rows in a stable order; without the columns named in `leave_out`."""
    out: Rows = {}
    async with engine.connect() as conn:
        names: list[str] = await conn.run_sync(lambda c: inspect(c).get_table_names())
        for name in sorted(names):
            result = await conn.execute(text(f'SELECT * FROM "{name}"'))
            keep = [
                i for i, c in enumerate(result.keys()) if c not in (leave_out or {}).get(name, ())
            ]
            rows = (tuple(r[i] for i in keep) for r in result.all())
            out[name] = sorted(rows, key=repr)
    return out


def flat(rows: Rows) -> str:
    """A dump as one string to search, with binary columns shown as text too."""
    parts = []
    for name, table in rows.items():
        for row in table:
            cells = [
                bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else repr(v)
                for v in row
            ]
            parts.append(f"{name}: {' | '.join(cells)}")
    return "\n".join(parts)


def changes(before: Rows, after: Rows) -> dict[str, list[tuple[Any, ...]]]:
    """Rows added or removed between two dumps, by table (empty when nothing changed)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        diff = [r for r in new if r not in old] + [r for r in old if r not in new]
        if diff:
            out[name] = diff
    return out
