"""Builds the Slack edge from settings: one Web API client and directory for delivery, for
POST /slack/events and for Socket Mode."""

from __future__ import annotations

from bot.settings import Settings
from bot.slack.client import Pacer, make_client
from bot.slack.directory import Directory
from bot.slack.edge import Deliver, Route, SlackEdge
from bot.slack.home import HomeTab, MyQa
from bot.slack.platform import SlackPlatform
from bot.slack.socket_mode import SocketMode
from message_templates.wording import Wording
from scheduler.background import Background
from scheduler.clock import Clock
from storage import Sessions


class Slack:
    """The Slack pieces one process shares: its client, directory and platform (whose client
    and directory the edge uses too: `edge_for`)."""

    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        clock: Clock,
        *,
        qa_recipient: str = "channel:qa-team",
        qa_platform: str = "slack",
        pacer: Pacer | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.client = make_client(settings.slack_bot_token, settings.slack_api_url, pacer)
        # the council's own wording, as the handlers use it
        wording = Wording(settings.templates_dir)
        self.directory = Directory(
            self.client, sessions, clock, qa_recipient, qa_platform, wording=wording
        )
        self.platform = SlackPlatform(self.client, self.directory, sessions)


def edge_for(
    platform: SlackPlatform, settings: Settings, sessions: Sessions, clock: Clock,
    route: Route, deliver: Deliver, my_qa: MyQa, background: Background,
) -> SlackEdge:  # fmt: skip
    """The /slack/events endpoint, on the delivering platform's own client and directory,
    sending each event to `route` and then asking `deliver` for a pass, after the
    acknowledgement on `background`; the Home tab refreshed when a person's action is handled
    or a message is delivered to them."""
    home = HomeTab(platform.client, platform.directory, my_qa)
    platform.delivered.append(home.changed)
    return SlackEdge(
        client=platform.client,
        signing_secret=settings.slack_signing_secret or "",
        directory=platform.directory,
        sessions=sessions,
        clock=clock,
        route=route,
        deliver=deliver,
        background=background,
        home=home,
    )


def socket_mode_for(edge: SlackEdge, settings: Settings) -> SocketMode | None:
    """Socket Mode on the edge's listeners when SLACK_APP_TOKEN is set."""
    if not settings.slack_app_token:
        return None
    return SocketMode(edge, settings.slack_app_token)
