"""The Teams edge: everything that speaks Adaptive Cards, the Agents SDK or msal lives here."""

from bot.teams.endpoint import TeamsEndpoint
from bot.teams.platform import TeamsPlatform
from bot.teams.render import ticked_items, to_adaptive_card, to_teams_activity

__all__ = [
    "TeamsEndpoint",
    "TeamsPlatform",
    "ticked_items",
    "to_adaptive_card",
    "to_teams_activity",
]
