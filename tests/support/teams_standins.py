"""Loopback stand-ins for Microsoft's side of Teams, so the real edge runs end to end in tests.

- `SigningKeys`: an in-memory RSA key signing Bot Connector tokens, its public half served as
  the OpenID metadata's JWKS (as login.botframework.com publishes them).
- `IdentityProvider`: msal's tenant discovery and token endpoint, over TLS with a test CA (msal
  refuses plain-http authorities), issuing numbered tokens.
- `Connector`: the Bot Connector REST API, recording each call, answering scripted statuses,
  creating 1:1 conversations and channel threads, and (when `enforce` is set) answering 429 to
  a request beyond Teams' limits, by its own clock.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import json
import math
import ssl
import time
from collections import defaultdict, deque
from collections.abc import Callable
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


def self_signed(
    common_name: str, *extensions: tuple[x509.ExtensionType, bool]
) -> tuple[rsa.RSAPrivateKey, x509.Certificate, bytes, bytes]:
    """A new key and a certificate it signs for itself, valid 2020 to 2120 (no test reads the
    clock), with (extension, critical) pairs; and both as PEM (key PKCS#8, then certificate)."""
    key = new_rsa()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * 100))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    certificate = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key, certificate, key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def test_certificate(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A self-signed certificate for 127.0.0.1: the server's TLS context, and the CA file."""
    loopback = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    _, _, key_pem, cert_pem = self_signed(
        "qabot test identity provider",
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (loopback, False),
    )
    cert_file, key_file = folder / "idp.pem", folder / "idp.key"
    cert_file.write_bytes(cert_pem)
    key_file.write_bytes(key_pem)
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


# Teams' limits as Microsoft documents them, kept here apart from qabot's own pacing:
# (requests, seconds) per conversation, and across the tenant.
CONVERSATION_LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
TENANT_LIMIT = (50, 1.0)


@dataclass
class Connector:
    """The Bot Connector: records calls; `script` holds (status, headers) answers to use first.

    `blocked` AAD object ids answer 403 (qabot not installed, or blocked); conversations in
    `gone` answer 404. With `enforce`, a request beyond Teams' limits (by `clock`) gets a 429
    with the Retry-After that would have kept it within them; `refused` counts those."""

    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)
    enforce: bool = False
    always_gone: bool = False  # conversations it creates are gone at once, too
    clock: Callable[[], float] = time.monotonic
    record: bool = True

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self.refused = 0
        self.accepted = 0
        self.span = (0.0, 0.0)  # when enforcing: the first and the latest request let through
        self.created: dict[str, str] = {}  # AAD object id -> their 1:1 conversation
        self._blocked_conversations: set[str] = set()
        self._tenant: deque[float] = deque()
        self._conversations: dict[str, deque[float]] = defaultdict(deque)
        self.app = web.Application()
        self.app.router.add_post("/teams/v3/conversations", self._create)
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

    def block(self, aad_object_id: str) -> None:
        """The person blocks qabot (or never had it): their conversations answer 403 too."""
        self.blocked.add(aad_object_id.lower())
        if aad_object_id.lower() in self.created:
            self._blocked_conversations.add(self.created[aad_object_id.lower()])

    async def _record(self, request: web.Request, conversation: str | None) -> web.Response | None:
        body = json.loads(await request.text()) if request.body_exists else None
        auth = request.headers.get("Authorization", "")
        if self.record:
            self.calls.append(Call(request.method, request.path, auth, body))
        if not auth.startswith("Bearer app-token-"):
            return web.json_response({"error": "unauthorized"}, status=401)
        if self.script:
            status, headers = self.script.pop(0)
            return web.json_response(
                {"error": {"code": str(status)}}, status=status, headers=headers
            )
        if self.enforce:
            wait = self._beyond_limits(conversation)
            if wait > 0:
                self.refused += 1
                retry = {"Retry-After": str(max(1, math.ceil(wait)))}
                return web.json_response({"error": {"code": "429"}}, status=429, headers=retry)
        self.accepted += 1
        if conversation in self.gone:
            return web.json_response({"error": {"code": "ConversationNotFound"}}, status=404)
        if conversation in self._blocked_conversations:
            return web.json_response({"error": {"code": "Forbidden"}}, status=403)
        return None

    def _beyond_limits(self, conversation: str | None) -> float:
        """Seconds until this request would be within every limit (0: it is, and is counted)."""
        now = self.clock()
        windows = [(self._tenant, *TENANT_LIMIT)]
        if conversation is not None:
            windows += [(self._conversations[conversation], *lim) for lim in CONVERSATION_LIMITS]
        wait = 0.0
        for times, count, seconds in windows:
            while times and times[0] <= now - 3600.0:
                times.popleft()
            inside = [t for t in itertools.islice(reversed(times), count) if t > now - seconds]
            if len(inside) >= count:
                wait = max(wait, inside[-1] + seconds - now)
        if wait == 0:
            self.span = (self.span[0] if self.accepted else now, now)
            self._tenant.append(now)
            if conversation is not None:
                self._conversations[conversation].append(now)
        return wait

    async def _create(self, request: web.Request) -> web.Response:
        """POST /v3/conversations: a 1:1 conversation, or a new thread in a channel."""
        data = json.loads(await request.text())
        channel = (data.get("channelData") or {}).get("channel", {}).get("id")
        failed = await self._record(request, channel)
        if failed:
            return failed
        if data.get("isGroup"):
            activity_id = f"activity-{next(self._ids)}"
            return web.json_response(
                {"id": f"{channel};messageid={activity_id}", "activityId": activity_id}
            )
        user = str(data["members"][0]["id"]).lower()
        if user in self.blocked:
            return web.json_response({"error": {"code": "Forbidden"}}, status=403)
        found = self.created.get(user)
        if found is None or found in self.gone:
            found = self.created[user] = f"a:created-{next(self._ids)}"
            if self.always_gone:
                self.gone.add(found)
        return web.json_response({"id": found})

    async def _post(self, request: web.Request) -> web.Response:
        failed = await self._record(request, request.match_info["conversation"])
        if failed:
            return failed
        activity_id = f"activity-{next(self._ids)}"
        if self.record:
            self.calls[-1].activity_id = activity_id
        return web.json_response({"id": activity_id})

    async def _put(self, request: web.Request) -> web.Response:
        failed = await self._record(request, request.match_info["conversation"])
        return failed or web.json_response({"id": request.match_info["activity"]})

    async def _member(self, request: web.Request) -> web.Response:
        failed = await self._record(request, None)
        member = self.members.get(request.match_info["member"])
        if failed or member is None:
            return failed or web.json_response({"error": "not found"}, status=404)
        return web.json_response(member)
