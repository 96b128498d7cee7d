"""The intake's rate limits: a sliding window per key, that forgets idle keys."""

from __future__ import annotations

import pytest

from adapters.web import limits
from adapters.web.limits import Window


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_allows_its_limit_then_refuses_until_the_oldest_leaves_it() -> None:
    ticks = Ticks()
    window = Window(3, 60, ticks)
    assert [window.allow("a") for _ in range(4)] == [True, True, True, False]
    assert window.full("a") and not window.full("b")
    assert window.allow("b")  # another key counts on its own
    assert 1 <= window.retry_after("a") <= 61
    ticks.now += 59
    assert not window.allow("a")
    ticks.now += 1.5  # the three have left the window together
    assert [window.allow("a") for _ in range(4)] == [True, True, True, False]


def test_idle_keys_are_dropped_past_the_limit_of_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = Ticks()
    window = Window(1, 10, ticks)
    monkeypatch.setattr(limits, "MAX_KEYS", 5)
    for i in range(6):
        window.allow(str(i))
    ticks.now += 11
    window.allow("new")
    assert set(window._seen) == {"new"}
