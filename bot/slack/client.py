"""The Slack Web API client qabot uses, pointed at Slack, GovSlack or a local stand-in."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

SLACK_API_URL = "https://slack.com/api/"


def make_client(token: str | None, api_url: str | None = None) -> AsyncWebClient:
    """A Web API client; `api_url` (QABOT_SLACK_API_URL) replaces slack.com, e.g. for GovSlack.

    Slack's own retry-on-429 is left off: the dispatcher waits out Retry-After itself.
    """
    base = api_url or SLACK_API_URL
    return AsyncWebClient(token=token, base_url=base if base.endswith("/") else base + "/")
