"""A local Bot Framework channel token service (RSA key, OpenID metadata, JWKS) for Teams tests."""

# TokenIssuer serves OpenID metadata and a JWKS whose key is endorsed for "msteams"; token() mints
# channel-to-bot JWTs like the ones Teams sends; bot_config() makes the SDK's
# ConfigurationBotFrameworkAuthentication validate them against that server.
# The server runs on its own thread and event loop: the SDK fetches metadata with a blocking
# requests.get inside its coroutine, which would deadlock a server sharing the caller's loop.
# Each issuer serves under a unique path, because the SDK caches metadata per URL for a day.

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
import uuid
from collections.abc import Sequence
from types import SimpleNamespace, TracebackType
from typing import Any

import jwt
from aiohttp import web
from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import AuthenticationConstants
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CHANNEL_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER  # api.botframework.com
CLOCK_TOLERANCE = 5 * 60  # the SDK accepts tokens up to this many seconds past `exp`


def new_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit RSA private key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class TokenIssuer:
    """Local OpenID metadata + JWKS server and signer: `await start()`, then use `metadata_url`."""

    def __init__(self, endorsements: Sequence[str] = ("msteams",), host: str = "127.0.0.1") -> None:
        self.key = new_key()
        self.kid = f"test-{uuid.uuid4().hex}"
        self.endorsements = list(endorsements)
        self.metadata_url = ""
        self.jwks_url = ""
        self.fetches: list[str] = []
        self.delay = 0.0  # seconds each answer takes: a slow identity provider
        self._host = host
        self._prefix = f"/{uuid.uuid4().hex}/v1/.well-known"
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set document, with the channel endorsements on the key."""
        jwk = dict(RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True))
        jwk.update(kid=self.kid, use="sig", alg="RS256", endorsements=self.endorsements)
        return {"keys": [jwk]}

    def openid_configuration(self) -> dict[str, Any]:
        """The OpenID configuration document, pointing at this server's JWKS."""
        return {
            "issuer": CHANNEL_ISSUER,
            "authorization_endpoint": "https://invalid.example/authorize",
            "jwks_uri": self.jwks_url,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def token(
        self,
        app_id: str,
        service_url: str,
        *,
        audience: str | None = None,
        expires_in: int = 3600,
        issuer: str | None = None,
        sign: bool = True,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        """A channel-to-bot JWT for `app_id`; keywords spoil it (`key` signs with a foreign key)."""
        now = int(time.time())
        exp = now + expires_in
        claims = {
            "serviceurl": service_url,
            "nbf": min(now, exp) - 60,
            "exp": exp,
            "iss": CHANNEL_ISSUER if issuer is None else issuer,
            "aud": app_id if audience is None else audience,
        }
        headers = {"kid": self.kid, "x5t": self.kid}
        if not sign:
            return jwt.encode(claims, "", algorithm="none", headers=headers)
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers=headers)

    async def start(self) -> None:
        """Start serving on a free port in a background thread; sets `metadata_url`."""
        if self._thread is not None:
            return
        ready: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve(ready)), name="token-issuer", daemon=True
        )
        self._thread.start()
        try:
            port = await asyncio.wrap_future(ready)
        except BaseException:
            await asyncio.to_thread(self._thread.join)
            self._thread = None
            raise
        base = f"http://{self._host}:{port}{self._prefix}"
        self.jwks_url = f"{base}/keys"
        self.metadata_url = f"{base}/openidconfiguration"

    async def stop(self) -> None:
        """Stop the server and wait for its thread to end."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        await asyncio.to_thread(thread.join)
        self._thread = self._loop = self._stopping = None

    async def __aenter__(self) -> TokenIssuer:
        """Start on entering `async with`."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop on leaving `async with`."""
        await self.stop()

    async def _serve(self, ready: concurrent.futures.Future[int]) -> None:
        """Run the aiohttp app on this thread's loop until `stop()`."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_get(f"{self._prefix}/openidconfiguration", self._metadata)
        app.router.add_get(f"{self._prefix}/keys", self._keys)
        runner = web.AppRunner(app, access_log=None)
        try:
            await runner.setup()
            await web.TCPSite(runner, self._host, 0).start()
            ready.set_result(int(runner.addresses[0][1]))
            await self._stopping.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise
        finally:
            await runner.cleanup()

    async def _metadata(self, request: web.Request) -> web.Response:
        """GET the OpenID configuration."""
        self.fetches.append(request.path)
        await asyncio.sleep(self.delay)
        return web.json_response(self.openid_configuration())

    async def _keys(self, request: web.Request) -> web.Response:
        """GET the JWKS."""
        self.fetches.append(request.path)
        await asyncio.sleep(self.delay)
        return web.json_response(self.jwks())


def bot_config(app_id: str, password: str, metadata_url: str, **extra: str) -> SimpleNamespace:
    """Configuration for ConfigurationBotFrameworkAuthentication trusting the local metadata URL."""
    auth = AuthenticationConstants
    settings: dict[str, Any] = {
        "APP_ID": app_id,
        "APP_PASSWORD": password,
        "APP_TYPE": "MultiTenant",
        # Any of these switches the SDK to its parameterized mode, which needs all of them.
        "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": metadata_url,
        "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": CHANNEL_ISSUER,
        "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": metadata_url,  # never reach the internet
        "TO_CHANNEL_FROM_BOT_LOGIN_URL": auth.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
        "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": auth.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        "OAUTH_URL": auth.OAUTH_URL,
        "CALLER_ID": CallerIdConstants.public_azure_channel.value,  # urn:botframework:azure
    }
    settings.update(extra)
    return SimpleNamespace(**settings)
