"""Owner-only files: an embedded database left readable by an earlier version is tightened."""

from __future__ import annotations

import os
from pathlib import Path

import app
from bot.settings import load_settings
from storage.files import sqlite_path


async def test_existing_database_files_are_tightened_at_start_up(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    for name in ("policybot.db", "policybot.db-wal", "policybot.db-shm"):
        (data / name).touch()
        os.chmod(data / name, 0o644)
    settings = load_settings(POLICYBOT_DATA_DIR=str(data), POLICYBOT_SECRET_KEY="k" * 43)
    engine = await app.prepare_database(settings)
    try:
        assert oct(data.stat().st_mode & 0o777) == "0o700"
        for name in ("policybot.db", "policybot.db-wal", "policybot.db-shm"):
            assert oct((data / name).stat().st_mode & 0o777) == "0o600", name
    finally:
        await engine.dispose()


async def test_a_database_elsewhere_is_created_private(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "elsewhere" / "bot.db"
        settings = load_settings(
            DATABASE_URL=f"sqlite:///{path}",
            POLICYBOT_DATA_DIR=str(tmp_path / "data"),
            POLICYBOT_SECRET_KEY="k" * 43,
        )
        engine = await app.prepare_database(settings)
        await engine.dispose()
    finally:
        os.umask(old)
    created = sorted(p.name for p in path.parent.iterdir())
    assert "bot.db" in created
    for name in created:
        assert oct((path.parent / name).stat().st_mode & 0o777) == "0o600", name


def test_sqlite_paths() -> None:
    assert sqlite_path("sqlite:////srv/bot/db.sqlite") == Path("/srv/bot/db.sqlite")
    assert sqlite_path("sqlite+aiosqlite:///rel.db") == Path("rel.db")
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql://u@h/db") is None
