"""Signing requests as Slack does (v0 HMAC-SHA256 of "v0:<timestamp>:<body>"), for tests."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

SECRET = "test-signing-secret"


def signed_headers(body: str, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def as_json(payload: dict[str, Any]) -> tuple[str, str]:
    """An Events API body and its content type."""
    return json.dumps(payload), "application/json"


def as_interaction(payload: dict[str, Any]) -> tuple[str, str]:
    """An interactivity body: the payload JSON in a `payload` form field."""
    return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def as_command(fields: dict[str, str]) -> tuple[str, str]:
    """A slash command body: plain form fields."""
    return urlencode(fields), "application/x-www-form-urlencoded"
