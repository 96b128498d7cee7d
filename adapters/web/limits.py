"""Rate limits that identify nobody: counts per keyed link and in total, kept in memory.

A limit counts requests in a sliding window. Its keys are whatever the caller passes (a keyed
hash of a link, or nothing for a limit on everyone), never an address or a browser. Each
server process counts on its own.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 10_000  # past this many keys, those with nothing in their window are dropped


class Window:
    """At most `limit` requests per key in any `seconds`."""

    def __init__(
        self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._seen: dict[str, deque[float]] = {}

    def allow(self, key: str = "") -> bool:
        """True, and the request is counted, when `key` is within its limit."""
        now = self.clock()
        if len(self._seen) > MAX_KEYS:
            self._drop_idle(now)
        times = self._seen.setdefault(key, deque())
        while times and times[0] <= now - self.seconds:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True

    def full(self, key: str = "") -> bool:
        """True when `key` has reached its limit (nothing is counted)."""
        now = self.clock()
        return sum(t > now - self.seconds for t in self._seen.get(key, ())) >= self.limit

    def retry_after(self, key: str = "") -> int:
        """Whole seconds until `key` may be counted again (at least 1)."""
        times = self._seen.get(key)
        if not times:
            return 1
        return max(1, int(times[0] + self.seconds - self.clock()) + 1)

    def _drop_idle(self, now: float) -> None:
        for key in [k for k, t in self._seen.items() if not t or t[-1] <= now - self.seconds]:
            del self._seen[key]
