"""The dashboard's tests: the real app on a local port, with a seeded organisation."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import app
from bot.dispatch import handle
from bot.messages import ConversationRef, Text, TextReply, UserRef
from bot.settings import load_settings
from tests.conftest import database_url
from tests.e2e.conftest import free_port
from tests.e2e.web.browser import chrome
from tests.e2e.web.seed import SECRET_KEY, Org, seed
from tests.fakes import FakeClock

LINK = re.compile(r"https?://\S+/dashboard/sign-in/[A-Za-z0-9_-]+")


@dataclass
class Site:
    """The running app, its services and clock, a cookie-keeping client, and who is who."""

    url: str
    services: app.Services
    clock: FakeClock
    http: aiohttp.ClientSession
    org: Org

    async def link(self, email: str) -> str:
        """A sign-in link, asked for in the console as `email` would."""
        user = UserRef("console", email)
        replies = await handle(
            self.services.deps, Text(user, ConversationRef("console", email), "dashboard")
        )
        text = " ".join(r.text for r in replies if isinstance(r, TextReply))
        found = LINK.search(text)
        assert found, text
        return found.group(0)

    async def get(self, path: str, **kwargs: Any) -> tuple[int, str]:
        """GET a path (or a full URL): the status and the page, following redirects."""
        url = path if path.startswith("http") else self.url + path
        async with self.http.get(url, **kwargs) as response:
            return response.status, await response.text()

    async def post(
        self, path: str, data: Mapping[str, str] | Sequence[tuple[str, str]], **kwargs: Any
    ) -> tuple[int, str]:
        """POST a form: the status and the page, following redirects."""
        async with self.http.post(self.url + path, data=data, **kwargs) as response:
            return response.status, await response.text()

    async def sign_in(self, email: str) -> str:
        """Sign in through a fresh link, as a browser would; the overview's HTML."""
        status, page = await self.get(await self.link(email))
        assert status == 200, page
        status, page = await self.post(
            "/dashboard/sign-in", {"csrf": csrf(page), "token": field(page, "token")}
        )
        assert status == 200, page
        return page


def field(page: str, name: str) -> str:
    """The value of a hidden form field."""
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, page
    return found.group(1)


def csrf(page: str) -> str:
    """A page's form token."""
    return field(page, "csrf")


def site_settings(tmp_path: Path, port: int, **extra: str) -> Any:
    """Settings of a test server on `port` (its links point there)."""
    return load_settings(
        channels=True,
        DATABASE_URL=database_url(tmp_path),
        POLICYBOT_DATA_DIR=str(tmp_path / "data"),
        POLICYBOT_SECRET_KEY=SECRET_KEY,
        POLICYBOT_WORKER="false",
        PORT=str(port),
        **extra,
    )


@pytest.fixture
async def site(engine: object, tmp_path: Path, content: Any, faq: Any) -> AsyncIterator[Site]:
    """The app in this process, on a clock the test moves, with the organisation seeded."""
    port = free_port()
    clock = FakeClock(datetime.now(UTC))
    services = await app.bootstrap(
        site_settings(tmp_path, port), clock=clock, content=(content, faq)
    )
    org = await seed(services.store, content, clock.now())
    runner = web.AppRunner(app.web_app(services), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies from 127.0.0.1 as a browser does
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        yield Site(f"http://127.0.0.1:{port}", services, clock, http, org)
    await runner.cleanup()


@pytest.fixture
def driver() -> Iterator[Any]:
    """A headless chromium (skips, or fails under REQUIRE_BROWSER=1, without one)."""
    yield from chrome()
