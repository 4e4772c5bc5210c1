"""The Slack app manifest a council pastes into "Create an app from a manifest"."""

from __future__ import annotations

from typing import Any

from bot.slack.edge import PATH

BOT_SCOPES = (
    "chat:write",  # DMs and channel posts, and updating them in place
    "commands",  # /qa
    "im:history",  # reading what a person says to qabot in its DM
    "im:write",  # opening a DM with a person (conversations.open)
    "users:read",  # users.info: who clicked
    "users:read.email",  # matching people to the roster by email
    "channels:read",  # checking a bound channel
    "channels:join",  # joining a public channel it is bound to
    "groups:read",  # telling a private bound channel from a public one
)
BOT_EVENTS = ("app_home_opened", "message.im")


def manifest(url: str | None, name: str = "qabot", socket_mode: bool = False) -> dict[str, Any]:
    """The manifest for qabot: Slack posts to `url` (e.g. https://qabot.council.example) +
    /slack/events, or, with `socket_mode`, qabot connects out to Slack and needs no URL."""
    endpoint = None if socket_mode or url is None else url.rstrip("/") + PATH
    at = {"url": endpoint} if endpoint else {}
    request_url = {"request_url": endpoint} if endpoint else {}
    return {
        "display_information": {
            "name": name,
            "description": "Your council's quality assurance framework, in Slack.",
            "background_color": "#1d4f91",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [
                {
                    "command": "/qa",
                    **at,
                    "description": "Your QA: what's due, when you meet, away and back, help",
                    "usage_hint": "help | my qa | meeting CASE on DATE at TIME | away until DATE"
                    " | back",
                    "should_escape": False,
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": {**request_url, "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, **request_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
