"""Inbound auth: the Agents SDK's JWT validator, configured strictly, and qabot's checks around it.

The SDK's `JwtTokenValidator` verifies the RS256 signature, expiry and not-before (five minutes'
skew), the audience (our app id) and, with `VALIDATE_ISSUER` turned on (it is off by default),
the issuer. qabot adds what the SDK lacks, each raising `Refused` (answered 401):

- signing keys come from the OpenID metadata named in settings (the SDK fetches from fixed
  Microsoft URLs): `SigningKeys` fetches and caches them (afresh daily), and hands the SDK each
  key as a `PyJWK`. PyJWT, which the SDK itself builds on, is used only for that and to read
  the verified token's key id, for the key's endorsements;
- a token without a key id is refused (the SDK's own key client raises a KeyError: a 500);
- a token must carry `exp` (the SDK accepts one that never expires);
- the signing key must be endorsed for the activity's channel (the SDK ignores endorsements);
- the token's `serviceurl` claim must be present and name the activity's `serviceUrl` exactly
  (the SDK compares hosts only, and only when the claim is there).

Reasons are short and fit for the log; never the token.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt
from microsoft_agents.hosting.core import AgentAuthConfiguration
from microsoft_agents.hosting.core.authorization import ClaimsIdentity, JwtTokenValidator

log = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
KEY_REFRESH_AFTER = 300.0  # seconds: an unknown key id refetches the keys at most this often
KEYS_MAX_AGE = 24 * 3600.0  # seconds: the keys are fetched afresh daily, so a retired key goes
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=10)


class Refused(Exception):
    """The request is not from Teams, or not for us: answered 401, reason logged."""


class SigningKeys:
    """The Bot Connector's signing keys, from the OpenID metadata's `jwks_uri`, cached.

    Stands in the SDK validator's key client: `get_signing_key` is what the validator calls."""

    def __init__(self, metadata_url: str, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._metadata_url = metadata_url
        self._monotonic = monotonic
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> jwt.PyJWK:
        """The key the token's header names, from the configured metadata (the SDK's own
        choice of `jwks_uri` is a fixed Microsoft URL, so it is not used)."""
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise jwt.PyJWKClientError("token has no key id")  # the SDK's client: a KeyError
        return jwt.PyJWK(await self.jwk(kid), algorithm="RS256")

    async def jwk(self, kid: str) -> dict[str, Any]:
        """The JWK with id `kid`; refetched once when unknown, at most every few minutes, and
        daily whatever happens."""
        if (kid not in self._keys and self._may_refetch()) or self._stale():
            await self._fetch()
        found = self._keys.get(kid)
        if found is None:
            raise jwt.PyJWKClientError("signing key not in the metadata")
        return found

    def _stale(self) -> bool:
        last = self._fetched_at
        return last is not None and self._monotonic() - last >= KEYS_MAX_AGE

    def _may_refetch(self) -> bool:
        last = self._fetched_at
        return last is None or self._monotonic() - last >= KEY_REFRESH_AFTER

    async def _fetch(self) -> None:
        self._fetched_at = self._monotonic()
        try:
            async with aiohttp.ClientSession(timeout=FETCH_TIMEOUT) as http:
                metadata = await _get_json(http, self._metadata_url)
                jwks = await _get_json(http, str(metadata["jwks_uri"]))
            keys = {str(k["kid"]): k for k in jwks["keys"] if isinstance(k, dict) and "kid" in k}
        except (aiohttp.ClientError, TimeoutError, KeyError, TypeError, ValueError) as error:
            log.warning("could not fetch the Bot Connector signing keys: %s", type(error).__name__)
            return
        self._keys = keys


async def _get_json(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with http.get(url) as response:
        response.raise_for_status()
        found = json.loads(await response.text())
    if not isinstance(found, dict):
        raise ValueError("not a JSON object")
    return found


def auth_configuration(app_id: str, tenant_id: str) -> AgentAuthConfiguration:
    """The SDK's configuration for checking inbound tokens: audience = our app id, the issuer
    checked against the Bot Framework's, no anonymous requests."""
    return AgentAuthConfiguration(
        client_id=app_id,
        tenant_id=tenant_id,
        issuers=[BOT_FRAMEWORK_ISSUER],
        validate_issuer=True,
        anonymous_allowed=False,
    )


class TokenCheck:
    """The SDK's validator with our keys, and qabot's own checks of the token."""

    def __init__(self, keys: SigningKeys, configuration: AgentAuthConfiguration) -> None:
        self._keys = keys
        self._validator = JwtTokenValidator(configuration)
        # the validator asks this attribute for each key; ours reads the configured metadata
        self._validator._jwk_client_manager = keys  # type: ignore[assignment]

    async def verify(self, authorization: str | None) -> Verified:
        """The verified claims of the request's `Authorization: Bearer …` header."""
        token = _bearer(authorization)
        try:
            identity = await self._validator.validate_token(token)
        except (jwt.PyJWTError, ValueError) as error:
            raise Refused(f"token refused ({type(error).__name__})") from error
        claims: dict[str, Any] = dict(identity.claims)
        if not isinstance(claims.get("exp"), int | float):
            raise Refused("token never expires")
        kid = str(jwt.get_unverified_header(token)["kid"])  # verified: its key signed the token
        endorsements = (await self._keys.jwk(kid)).get("endorsements")
        endorsed = None if endorsements is None else frozenset(map(str, endorsements))
        return Verified(claims, endorsed, identity)


@dataclass(frozen=True)
class Verified:
    """A token's verified claims, and the channels its signing key is endorsed for (if listed)."""

    claims: dict[str, Any]
    endorsed: frozenset[str] | None
    identity: ClaimsIdentity  # as the SDK's validator gave it, for the SDK's turn

    def check_activity(self, channel_id: str, service_url: str) -> None:
        """The key must be endorsed for the activity's channel, and the token's `serviceurl`
        must name the connector the activity names."""
        if self.endorsed is not None and channel_id not in self.endorsed:
            raise Refused("signing key not endorsed for the channel")
        claimed = self.claims.get("serviceurl")
        if not isinstance(claimed, str) or _normal(claimed) != _normal(service_url):
            raise Refused("service URL does not match the token")


def _normal(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Refused("no token")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
        raise Refused("authorization header is not a bearer token")
    return token
