"""Owner-only files: the data folder and the embedded database, from their creation on.

SQLite creates a database's -wal, -shm and -journal files with the database file's own mode,
so creating the database file 0600 before SQLite first opens it keeps them private too.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600
COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_folder(path: Path) -> None:
    """Create `path` (and its parents) if needed; the folder itself is the owner's only."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    _tighten(path, FOLDER_MODE)


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite:// URL, or None for another database or an in-memory one."""
    if not url.startswith("sqlite"):
        return None
    rest = url.split("://", 1)[1] if "://" in url else ""
    path = rest[1:] if rest.startswith("/") else rest
    path = path.split("?", 1)[0]
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        return None
    return Path(path)


def private_database(path: Path) -> None:
    """Create the database file empty and 0600 if it is missing, and tighten it and its
    companions (WAL, shared memory, rollback journal) if an earlier version left them open."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for suffix in COMPANIONS:
        _tighten(Path(f"{path}{suffix}"), FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        current = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return
    if current & ~mode:
        os.chmod(path, current & mode)
