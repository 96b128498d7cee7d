"""The Bot Framework SDK's calls to the identity provider, made off the event loop.

The SDK fetches the channel's signing keys (OpenID metadata, then the key set) with a blocking
`requests.get` inside its coroutine, and its credentials get the bot's access token through
msal's blocking client each time they sign a request. While the identity provider is slow,
either one froze every request the server was handling. Here the keys are fetched in a thread,
once for all the requests that need them, and the bot's token is fetched in a thread and kept:
`ready()` (awaited before every turn's connector calls) refreshes it ahead of its expiry, so
signing a request only ever reads the token in hand.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

import jwt
import requests
from botframework.connector.auth import (
    AppCredentials,
    JwtTokenExtractor,
    ServiceClientCredentialsFactory,
)
from botframework.connector.auth.jwt_token_extractor import _OpenIdMetadata

log = logging.getLogger("policybot.teams")
FETCH_TIMEOUT = 10.0  # seconds for each call to the identity provider
REFRESH_MARGIN = 600.0  # a token is refreshed this long before it expires
OPAQUE_LIFETIME = 300.0  # how long to keep a token whose expiry cannot be read


class _OffLoopMetadata(_OpenIdMetadata):
    """Signing keys fetched in a thread; concurrent requests share one fetch."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._pending: asyncio.Future[list[dict[str, Any]]] | None = None

    async def _refresh(self) -> None:
        loop = asyncio.get_running_loop()
        pending = self._pending
        if pending is None or pending.done() or pending.get_loop() is not loop:
            pending = asyncio.ensure_future(asyncio.to_thread(self._fetch))
            self._pending = pending
        self.keys = await asyncio.shield(pending)
        self.last_updated = datetime.now()

    def _fetch(self) -> list[dict[str, Any]]:
        response = requests.get(self.url, timeout=FETCH_TIMEOUT)
        response.raise_for_status()
        keys = requests.get(response.json()["jwks_uri"], timeout=FETCH_TIMEOUT)
        keys.raise_for_status()
        return list(keys.json()["keys"])


class _MetadataCache(dict[str, Any]):
    """The SDK's per-URL metadata cache, handing out metadata that fetches off the loop."""

    def get(self, url: str, default: Any = None) -> Any:
        found = super().get(url)
        if found is None:
            found = self[url] = _OffLoopMetadata(url)
        return found


def fetch_keys_off_the_loop() -> None:
    """Make every token check fetch signing keys in a thread (idempotent)."""
    cache = JwtTokenExtractor.metadataCache
    if isinstance(cache, _MetadataCache):
        return
    replacement = _MetadataCache()
    for url, old in cache.items():  # keys fetched before keep being used until they age
        fresh = replacement.get(url)
        fresh.keys, fresh.last_updated = old.keys, old.last_updated
    JwtTokenExtractor.metadataCache = replacement


def _expiry(token: str) -> float:
    """When a token expires (time.time()), from its `exp` claim when it is a JWT."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return time.time() + OPAQUE_LIFETIME + REFRESH_MARGIN


class TokenSource:
    """One credential's access token, fetched in a thread and kept until close to expiry."""

    def __init__(self, credentials: AppCredentials) -> None:
        self.credentials = credentials
        self._token: str | None = None
        self._expires = 0.0
        self._pending: asyncio.Future[str] | None = None

    def fresh(self) -> bool:
        """True while the token in hand has more than REFRESH_MARGIN seconds to live."""
        return self._token is not None and self._expires - time.time() > REFRESH_MARGIN

    async def ready(self) -> None:
        """Refresh the token in a thread if it is due; a failure keeps the old one (logged)."""
        if self.fresh():
            return
        loop = asyncio.get_running_loop()
        pending = self._pending
        if pending is None or pending.done() or pending.get_loop() is not loop:
            pending = asyncio.ensure_future(asyncio.to_thread(self.credentials.get_access_token))
            self._pending = pending
        try:
            token = await asyncio.shield(pending)
        except Exception as exc:  # the identity provider is down: the old token may still do
            log.warning("could not get a Bot Connector token: %s", type(exc).__name__)
            return
        self._token, self._expires = token, _expiry(token)

    def current(self) -> str:
        """The token in hand, without waiting; PermissionError when there is none."""
        if self._token is None:
            raise PermissionError("no Bot Connector token: the identity provider did not answer")
        return self._token


class OffLoopCredentials(AppCredentials):
    """App credentials that sign requests with the token a TokenSource keeps."""

    def __init__(self, source: TokenSource) -> None:
        inner = source.credentials
        super().__init__(
            app_id=inner.microsoft_app_id,
            channel_auth_tenant=inner.tenant,
            oauth_scope=inner.oauth_scope,
        )
        self.oauth_endpoint = inner.oauth_endpoint
        self.source = source

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self.source.current()


class OffLoopCredentialsFactory(ServiceClientCredentialsFactory):
    """Wraps the SDK's credentials factory: one token source per app, scope and authority."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self._inner = inner
        self._sources: dict[tuple[str, str, str, bool], TokenSource] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self._inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self._inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        key = (app_id or "", oauth_scope or "", login_endpoint or "", bool(validate_authority))
        source = self._sources.get(key)
        if source is None:
            inner = await self._inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
            if not getattr(inner, "microsoft_app_id", None):
                return inner  # authentication is off (the Emulator): nothing to sign with
            source = self._sources[key] = TokenSource(inner)
        return OffLoopCredentials(source)


async def ready(client: Any) -> None:
    """Before a turn uses a connector client: its token, refreshed off the loop if due."""
    credentials = getattr(getattr(client, "config", None), "credentials", None)
    if isinstance(credentials, OffLoopCredentials):
        await credentials.source.ready()
