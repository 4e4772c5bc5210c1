"""Real Teams activities (the reference set shipped with Microsoft's SDKs), signed like the Bot
Connector's and posted to /api/messages: each is read and answered, none refused or failed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from platform_checks import shared_dir, shared_reference
from teams_harness import Teams

from bot.teams.activity import message_text, parse_activity

ACTIVITIES = shared_dir() / "reference" / "teams" / "activities"
NAMES = sorted(p.stem for p in ACTIVITIES.glob("*.json"))
FRAGMENTS = {"SuggestedActionSubmitActivity"}  # no conversation, sender or channel: not a delivery


def reference(name: str, teams: Teams | None = None) -> dict[str, Any]:
    """The activity as Teams would deliver it to us: from our connector, with an id."""
    found: dict[str, Any] = json.loads((ACTIVITIES / f"{name}.json").read_text())
    found.setdefault("id", f"ref:{name}")
    found["serviceUrl"] = teams.connector.url if teams else "https://smba.trafficmanager.net/emea/"
    return found


def test_the_reference_set_is_there() -> None:
    if not NAMES:
        shared_reference("reference/teams/activities/MessageActivity.json")  # skip, or fail in CI
    assert {"MessageActivity", "ConversationUpdateActivity", "TaskFetchActivity"} <= set(NAMES)


def test_a_mention_of_qabot_is_taken_out_of_the_words() -> None:
    incoming = parse_activity(json.dumps(reference("MessageActivity_Mention")).encode())
    assert message_text(incoming) == "testing123"


def test_a_team_channel_update_is_read_as_one() -> None:
    incoming = parse_activity(json.dumps(reference("ConversationUpdateActivity")).encode())
    assert (incoming.conversation_type, incoming.members_added) == (
        "channel",
        ("userId1", "userId2"),
    )
    assert not incoming.is_personal


@pytest.mark.parametrize("name", sorted(set(NAMES) - FRAGMENTS))
async def test_each_reference_activity_is_answered(teams: Teams, name: str) -> None:
    """Invokes (and a sender expecting replies) are answered 200, the rest accepted, 202."""
    activity = reference(name, teams)
    status, answer = await teams.post(activity)
    at_once = activity["type"] == "invoke" or activity.get("delivery_mode") == "expectReplies"
    assert status == (200 if at_once else 202), answer


@pytest.mark.parametrize("name", sorted(FRAGMENTS))
async def test_a_fragment_of_an_activity_is_refused(teams: Teams, name: str) -> None:
    status, _ = await teams.post(reference(name, teams))
    assert status == 400
