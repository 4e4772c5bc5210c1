"""The Teams edge: everything that speaks Adaptive Cards, the Agents SDK or msal lives here."""

from bot.teams.endpoint import TeamsEndpoint
from bot.teams.platform import TeamsPlatform, teams_card
from bot.teams.render import ticked_items, to_adaptive_card, to_teams_activity

__all__ = [
    "TeamsEndpoint",
    "TeamsPlatform",
    "teams_card",
    "ticked_items",
    "to_adaptive_card",
    "to_teams_activity",
]
