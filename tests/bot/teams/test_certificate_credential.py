"""TEAMS_CERTIFICATE: a PEM with the app's private key and certificate signs msal's client
assertion, which Entra checks against the certificate uploaded to the app registration."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from teams_harness import APP_ID, TENANT_ID
from teams_standins import IdentityProvider, self_signed
from teams_standins import test_certificate as loopback_tls

from bot.teams.tokens import AppTokens

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def app_certificate(folder: Path, key_first: bool) -> tuple[Path, x509.Certificate]:
    """A self-signed app certificate and its key in one PEM file, in either order."""
    _, certificate, key_pem, cert_pem = self_signed("qabot")
    path = folder / "qabot.pem"
    path.write_bytes(key_pem + cert_pem if key_first else cert_pem + key_pem)
    return path, certificate


@pytest.mark.parametrize(
    "key_first", [True, False], ids=["key then certificate", "certificate then key"]
)
async def test_a_pem_certificate_signs_the_client_assertion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key_first: bool
) -> None:
    tls, ca_file = loopback_tls(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
    pem, certificate = app_certificate(tmp_path, key_first)
    idp = IdentityProvider(tls)
    async with idp.server:
        tokens = AppTokens(
            app_id=APP_ID, tenant_id=TENANT_ID, authority_host=idp.server.url, certificate=pem
        )
        assert await tokens.token() == "app-token-1"
    [form] = idp.requests
    assert "client_secret" not in form
    assert form["client_assertion_type"] == JWT_BEARER
    assertion = form["client_assertion"]
    claims = jwt.decode(
        assertion,
        certificate.public_key(),  # type: ignore[arg-type]
        algorithms=["RS256", "PS256"],
        options={"verify_aud": False},
    )
    assert claims["iss"] == claims["sub"] == APP_ID
    header = jwt.get_unverified_header(assertion)
    der = certificate.public_bytes(serialization.Encoding.DER)
    thumbprints = {
        "x5t": base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode(),
        "x5t#S256": base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode(),
    }
    # msal keeps base64's padding on the thumbprint; Entra reads it either way
    given = {name: str(header.get(name, "")).rstrip("=") for name in thumbprints}
    assert any(given[name] == value for name, value in thumbprints.items()), header
