"""The bot's Bot Connector token: fetched in a thread, kept until close to its expiry."""

from __future__ import annotations

import threading
import time

import jwt
import pytest

from adapters.teams.identity import REFRESH_MARGIN, TokenSource


class Credentials:
    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self.threads: list[str] = []
        self.fail = False

    def get_access_token(self, force_refresh: bool = False) -> str:
        self.threads.append(threading.current_thread().name)
        if self.fail:
            raise ConnectionError("identity provider down")
        return jwt.encode(
            {"exp": int(time.time() + self.lifetime), "n": len(self.threads)}, "k" * 32
        )


async def test_a_fresh_token_is_kept_and_one_close_to_expiry_refreshed() -> None:
    credentials = Credentials(lifetime=3600)
    source = TokenSource(credentials)
    with pytest.raises(PermissionError):
        source.current()  # nothing fetched yet: never a blocking fetch here
    await source.ready()
    await source.ready()
    first = source.current()
    assert len(credentials.threads) == 1
    assert credentials.threads[0] != threading.main_thread().name
    credentials.lifetime = REFRESH_MARGIN - 5  # the next token is already due for refresh
    source._expires = time.time() + REFRESH_MARGIN - 1
    await source.ready()
    assert source.current() != first
    assert len(credentials.threads) == 2


async def test_a_failed_refresh_keeps_the_token_in_hand() -> None:
    credentials = Credentials(lifetime=REFRESH_MARGIN + 60)
    source = TokenSource(credentials)
    await source.ready()
    token = source.current()
    source._expires = time.time() + 60
    credentials.fail = True
    await source.ready()  # logged, not raised
    assert source.current() == token
