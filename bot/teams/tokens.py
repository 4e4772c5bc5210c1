"""Outbound app tokens for the Bot Connector, from msal by client credentials (secret or PEM).

msal is synchronous, so each call runs in a thread; msal's own token cache keeps a token until
near its expiry. So that each message does not cost a trip to a thread, the token msal gave is
also kept here until five minutes before it expires, then msal is asked again. Tokens are never
logged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msal
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from scheduler.dispatcher import PlatformError

BOT_CONNECTOR_SCOPE = "https://api.botframework.com/.default"
REFRESH_BEFORE = 300.0  # seconds before expiry when msal is asked again


class AppTokens:
    """The app's token for the Bot Connector, single-tenant."""

    def __init__(
        self,
        *,
        app_id: str,
        tenant_id: str,
        authority_host: str,
        secret: str | None = None,
        certificate: Path | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._app_id = app_id
        self._authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self._credential: Any = secret if secret else certificate_credential(certificate)
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = asyncio.Lock()
        self._monotonic = monotonic
        self._kept: tuple[str, float] | None = None  # msal's last token, and when to ask again

    async def token(self) -> str:
        """A current access token (cached by msal until near expiry)."""
        kept = self._kept
        if kept is not None and self._monotonic() < kept[1]:
            return kept[0]
        async with self._lock:
            kept = self._kept
            if kept is not None and self._monotonic() < kept[1]:
                return kept[0]
            result = await asyncio.to_thread(self._acquire)
            token = result.get("access_token")
            if not isinstance(token, str):
                # msal's error code only: its description can echo request details
                raise PlatformError(f"token refused: {result.get('error', 'unknown')}")
            lifetime = float(result.get("expires_in") or 0)
            self._kept = (token, self._monotonic() + max(0.0, lifetime - REFRESH_BEFORE))
        return token

    def _acquire(self) -> dict[str, Any]:
        if self._app is None:
            # instance discovery would ask login.microsoftonline.com about the authority even
            # in another cloud; a single-tenant authority needs no discovery
            self._app = msal.ConfidentialClientApplication(
                self._app_id,
                client_credential=self._credential,
                authority=self._authority,
                instance_discovery=False,
            )
        result: dict[str, Any] = self._app.acquire_token_for_client([BOT_CONNECTOR_SCOPE])
        return result


def certificate_credential(path: Path | None) -> dict[str, str]:
    """msal's credential from a PEM holding the private key and its certificate."""
    if path is None:
        raise ValueError("Teams needs a client secret or a certificate")
    pem = path.read_bytes()
    certificate = x509.load_pem_x509_certificate(pem)
    thumbprint = certificate.fingerprint(hashes.SHA1()).hex()  # Entra's x5t is SHA-1
    return {"private_key": pem.decode(), "thumbprint": thumbprint}
