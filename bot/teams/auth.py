"""Inbound auth: the Bot Connector's JWT on each activity, checked strictly against its metadata.

Checked here with PyJWT rather than the Agents SDK's validator: the SDK fetches its signing keys
from fixed Microsoft URLs (no OpenID metadata setting), leaves the issuer check off by default,
answers 500 to a token without a key id, and does not compare the token's `serviceurl` claim.
Every failure raises `Refused` with a short reason fit for the log (never the token).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import jwt
from jwt.algorithms import RSAAlgorithm

from scheduler.clock import Clock

log = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
CLOCK_SKEW = dt.timedelta(minutes=5)  # the Bot Framework's allowance for clock differences
KEY_REFRESH_AFTER = 300.0  # seconds: an unknown key id refetches the keys at most this often
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=10)


class Refused(Exception):
    """The request is not from Teams, or not for us: answered 401, reason logged."""


class SigningKeys:
    """The Bot Connector's signing keys, from the OpenID metadata's `jwks_uri`, cached."""

    def __init__(self, metadata_url: str, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._metadata_url = metadata_url
        self._monotonic = monotonic
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None

    async def key(self, kid: str) -> dict[str, Any]:
        """The JWK with id `kid`; refetched once when unknown, at most every few minutes."""
        if kid not in self._keys and self._may_refetch():
            await self._fetch()
        found = self._keys.get(kid)
        if found is None:
            raise Refused("signing key not in the metadata")
        return found

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


class TokenCheck:
    """Checks a bearer token: RS256 by a metadata key endorsed for the channel, issuer, audience
    (our app id), not expired by `clock`, and its `serviceurl` matching the activity's."""

    def __init__(self, keys: SigningKeys, app_id: str, clock: Clock) -> None:
        self._keys = keys
        self._app_id = app_id
        self._clock = clock

    async def verify(self, authorization: str | None) -> Verified:
        """The verified claims of the request's `Authorization: Bearer …` header."""
        token = _bearer(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise Refused("token unreadable") from error
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str) or not kid:
            raise Refused("token not RS256 with a key id")
        jwk = await self._keys.key(kid)
        claims = self._decode(token, jwk)
        self._check_times(claims)
        endorsements = jwk.get("endorsements")
        endorsed = None if endorsements is None else frozenset(map(str, endorsements))
        return Verified(claims, endorsed)

    def _decode(self, token: str, jwk: dict[str, Any]) -> dict[str, Any]:
        try:
            key = RSAAlgorithm.from_jwk(jwk)
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,  # type: ignore[arg-type]
                algorithms=["RS256"],
                audience=self._app_id,
                issuer=BOT_FRAMEWORK_ISSUER,
                options={
                    "require": ["exp", "iss", "aud"],
                    "verify_exp": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidAudienceError as error:
            raise Refused("token for another audience") from error
        except jwt.InvalidIssuerError as error:
            raise Refused("token from another issuer") from error
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise Refused(f"token invalid ({type(error).__name__})") from error
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        """Expiry and not-before against qabot's clock, allowing the usual five minutes' skew."""
        now = self._clock.now().timestamp()
        skew = CLOCK_SKEW.total_seconds()
        exp, nbf = claims.get("exp"), claims.get("nbf")
        if not isinstance(exp, int | float) or now > exp + skew:
            raise Refused("token expired")
        if nbf is not None and (not isinstance(nbf, int | float) or now < nbf - skew):
            raise Refused("token not yet valid")


@dataclass(frozen=True)
class Verified:
    """A token's verified claims, and the channels its signing key is endorsed for (if listed)."""

    claims: dict[str, Any]
    endorsed: frozenset[str] | None

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
