"""The real clock."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """Tells the current UTC time."""

    def now(self) -> datetime:
        """Now, timezone-aware, in UTC."""
        return datetime.now(UTC)
