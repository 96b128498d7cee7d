"""Bot Connector clients reused across turns.

The SDK builds a new Bot Connector client and a new user-token client for every activity. Each
costs milliseconds to configure (msrest's retry set-up alone scans a 500-item list a thousand
times) and comes with its own HTTP session, so no connection is ever reused. One process serves
one bot, so the clients can be kept per service URL and audience. Their credentials get their
tokens off the event loop (adapters/teams/identity.py): each turn first makes sure its client's
token is fresh.
"""

from __future__ import annotations

from typing import Any

from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
    JwtTokenValidation,
    UserTokenClient,
)

from adapters.teams import identity

MAX_CLIENTS = 64  # service URLs are per region: a handful in practice


class _Reusing(ConnectorFactory):
    """A connector factory that hands out the same client for the same endpoint."""

    def __init__(self, inner: ConnectorFactory, clients: dict[tuple[str, str], Any]) -> None:
        self._inner = inner
        self._clients = clients

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (service_url, audience or "")
        client = self._clients.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            if len(self._clients) >= MAX_CLIENTS:
                self._clients.clear()
            self._clients[key] = client
        await identity.ready(client)
        return client


class ReusingAuthentication(ConfigurationBotFrameworkAuthentication):
    """The SDK's configuration-based authentication, with clients kept between turns."""

    def __init__(self, configuration: Any) -> None:
        identity.fetch_keys_off_the_loop()
        credentials = ConfigurationServiceClientCredentialFactory(configuration)
        super().__init__(
            configuration, credentials_factory=identity.OffLoopCredentialsFactory(credentials)
        )
        self._connectors: dict[tuple[str, str], Any] = {}
        self._token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(self, activity: Any, auth_header: str) -> Any:
        result: AuthenticateRequestResult = await super().authenticate_request(
            activity, auth_header
        )
        if result.connector_factory is not None:
            result.connector_factory = _Reusing(result.connector_factory, self._connectors)
        return result

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = super().create_connector_factory(claims_identity)
        return _Reusing(inner, self._connectors)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        key = JwtTokenValidation.get_app_id_from_claims(claims_identity.claims) or ""
        client = self._token_clients.get(key)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            if len(self._token_clients) >= MAX_CLIENTS:
                self._token_clients.clear()
            self._token_clients[key] = client
        return client
