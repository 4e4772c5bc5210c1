"""Builds the Slack edge from settings: one Web API client and directory for delivery and
for the /slack/events endpoint."""

from __future__ import annotations

from bot.settings import Settings
from bot.slack.client import make_client
from bot.slack.directory import Directory
from bot.slack.edge import Deliver, Route, SlackEdge
from bot.slack.platform import SlackPlatform
from scheduler.clock import Clock
from storage import Sessions


class Slack:
    """The Slack pieces one process shares: its client, directory and platform (whose client
    and directory the edge uses too: `edge_for`)."""

    def __init__(self, settings: Settings, sessions: Sessions, clock: Clock) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.client = make_client(settings.slack_bot_token, settings.slack_api_url)
        self.directory = Directory(self.client, sessions, clock)
        self.platform = SlackPlatform(self.client, self.directory, sessions)


def edge_for(
    platform: SlackPlatform, settings: Settings, sessions: Sessions, clock: Clock,
    route: Route, deliver: Deliver,
) -> SlackEdge:  # fmt: skip
    """The /slack/events endpoint, on the delivering platform's own client and directory,
    sending each event to `route` and then `deliver`."""
    return SlackEdge(
        client=platform.client,
        signing_secret=settings.slack_signing_secret or "",
        directory=platform.directory,
        sessions=sessions,
        clock=clock,
        route=route,
        deliver=deliver,
    )
