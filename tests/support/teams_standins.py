"""Loopback stand-ins for Microsoft's side of Teams, so the real edge runs end to end in tests.

- `SigningKeys`: an in-memory RSA key signing Bot Connector tokens, its public half served as
  the OpenID metadata's JWKS (as login.botframework.com publishes them).
- `IdentityProvider`: msal's tenant discovery and token endpoint, over TLS with a test CA (msal
  refuses plain-http authorities), issuing numbered tokens.
- `Connector`: the Bot Connector REST API, recording each call, answering scripted statuses.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import json
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
# The Agents SDK checks a token's times against the wall clock (no clock can be injected), so
# test tokens are valid from long ago to far ahead: fixed instants, good on any date of a run.
LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
FAR_AHEAD = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
# msal's requests session runs in a worker thread and is never closed; closing each connection
# after its answer leaves no TLS socket open when the stand-in stops
CLOSE = {"Connection": "close"}


class Loopback:
    """An aiohttp app served on 127.0.0.1 at a free port (TLS when given a context)."""

    def __init__(self, app: web.Application, tls: ssl.SSLContext | None = None) -> None:
        self.app = app
        self.tls = tls
        self.runner = web.AppRunner(app)
        self.url = ""

    async def __aenter__(self) -> Loopback:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0, ssl_context=self.tls)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.runner.cleanup()


def new_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class SigningKeys:
    """Signs tokens as the Bot Connector would; serves metadata and JWKS naming the public key."""

    def __init__(self, kid: str = "test-key", endorsements: tuple[str, ...] = ("msteams",)):
        self.kid = kid
        self.key = new_rsa()
        self.endorsements = endorsements
        self.fetches = 0
        self.app = web.Application()
        self.app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        self.app.router.add_get("/v1/.well-known/keys", self._jwks)
        self.server = Loopback(self.app)

    @property
    def metadata_url(self) -> str:
        return f"{self.server.url}/v1/.well-known/openidconfiguration"

    def sign(
        self,
        *,
        audience: str,
        service_url: str | None,
        issuer: str = ISSUER,
        not_before: dt.datetime | None = LONG_AGO,
        expires: dt.datetime | None = FAR_AHEAD,
        key: rsa.RSAPrivateKey | None = None,
        kid: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """A token as the Bot Connector signs one; a claim given as None (a `kid` given as "")
        is left out."""
        claims: dict[str, Any] = {"iss": issuer, "aud": audience, "serviceurl": service_url}
        if not_before is not None:
            claims["nbf"] = int(not_before.timestamp())
        if expires is not None:
            claims["exp"] = int(expires.timestamp())
        head = {} if kid == "" else {"kid": self.kid if kid is None else kid}
        head |= headers or {}
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers=head)

    async def _metadata(self, request: web.Request) -> web.Response:
        base = self.server.url
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{base}/v1/.well-known/keys"})

    async def _jwks(self, request: web.Request) -> web.Response:
        self.fetches += 1
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk |= {"kid": self.kid, "use": "sig", "endorsements": list(self.endorsements)}
        return web.json_response({"keys": [jwk]})


def test_certificate(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A self-signed certificate for 127.0.0.1: the server's TLS context, and the CA file."""
    key = new_rsa()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "qabot test identity provider")])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * 100))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "idp.pem", folder / "idp.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


class IdentityProvider:
    """Entra ID's tenant discovery and token endpoint for client credentials."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        self.issued: list[str] = []
        self.requests: list[dict[str, str]] = []
        self.refusing = False  # answer every token request with invalid_client
        self.app = web.Application()
        self.app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discover)
        self.app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        self.server = Loopback(self.app, tls)

    async def _discover(self, request: web.Request) -> web.Response:
        base = f"{self.server.url}/{request.match_info['tenant']}"
        return web.json_response({
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
        }, headers=CLOSE)  # fmt: skip

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.requests.append(form)
        if self.refusing:
            answer = {"error": "invalid_client", "error_description": "AADSTS7000215"}
            return web.json_response(answer, status=401, headers=CLOSE)
        token = f"app-token-{len(self.issued) + 1}"
        self.issued.append(token)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
        return web.json_response(answer, headers=CLOSE)


@dataclass
class Call:
    method: str
    path: str
    authorization: str
    body: dict[str, Any] | None
    activity_id: str = ""  # the id the connector gave a posted activity


@dataclass
class Connector:
    """The Bot Connector: records calls; `script` holds (status, headers) answers to use first."""

    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self.app = web.Application()
        base = "/teams/v3/conversations/{conversation}"
        self.app.router.add_post(base + "/activities", self._post)
        self.app.router.add_put(base + "/activities/{activity}", self._put)
        self.app.router.add_get(base + "/members/{member}", self._member)
        self.server = Loopback(self.app)

    @property
    def url(self) -> str:
        return self.server.url + "/teams/"

    def sent(self) -> list[Call]:
        return [c for c in self.calls if c.method in ("POST", "PUT")]

    async def _record(self, request: web.Request) -> web.Response | None:
        body = json.loads(await request.text()) if request.can_read_body else None
        auth = request.headers.get("Authorization", "")
        self.calls.append(Call(request.method, request.path, auth, body))
        if not auth.startswith("Bearer app-token-"):
            return web.json_response({"error": "unauthorized"}, status=401)
        if self.script:
            status, headers = self.script.pop(0)
            return web.json_response(
                {"error": {"code": str(status)}}, status=status, headers=headers
            )
        return None

    async def _post(self, request: web.Request) -> web.Response:
        failed = await self._record(request)
        if failed:
            return failed
        self.calls[-1].activity_id = f"activity-{next(self._ids)}"
        return web.json_response({"id": self.calls[-1].activity_id})

    async def _put(self, request: web.Request) -> web.Response:
        failed = await self._record(request)
        return failed or web.json_response({"id": request.match_info["activity"]})

    async def _member(self, request: web.Request) -> web.Response:
        failed = await self._record(request)
        member = self.members.get(request.match_info["member"])
        if failed or member is None:
            return failed or web.json_response({"error": "not found"}, status=404)
        return web.json_response(member)
