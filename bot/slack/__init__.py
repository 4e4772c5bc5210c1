"""The Slack edge: everything that speaks Block Kit, slack_bolt or slack_sdk lives here."""

from bot.slack.edge import SlackEdge
from bot.slack.platform import SlackPlatform
from bot.slack.render import OPEN_FORM, checklist_value_of, to_blocks, to_modal, to_slack_message
from bot.slack.wiring import Slack, edge_for

__all__ = [
    "OPEN_FORM",
    "Slack",
    "SlackEdge",
    "SlackPlatform",
    "checklist_value_of",
    "edge_for",
    "to_blocks",
    "to_modal",
    "to_slack_message",
]
