"""App Home, "My QA": published when a person opens the Home tab, refreshed after their own
actions and when something new arrives for them; the QA team sees this period's progress.
Every view goes through the stand-in's spec and Block Kit checks (conftest)."""

from __future__ import annotations

import json
from typing import Any

from slack_council import Council, allocate, reference
from slack_signing import as_json
from slack_walk import Walk, clicked, user_id_of
from sqlalchemy import select

from handlers.case_audit import keys
from handlers.case_audit.ids import CHECKLIST_TICK
from storage.models import Allocation, Case, Person


def home_opened(user_id: str, event_id: str) -> dict[str, Any]:
    """Slack's Events API wrapper around an app_home_opened event."""
    body = reference("bolt__test_events__valid_event_body_0.json")
    body["event"] = {"type": "app_home_opened", "user": user_id, "channel": "D0HOME",
                     "tab": "home", "event_ts": "1800000000.000100"}  # fmt: skip
    body["event_id"] = event_id
    return body


def published(council: Council, user_id: str) -> list[dict[str, Any]]:
    views = [c for c in council.slack.called("views.publish") if c["user_id"] == user_id]
    return [json.loads(v["view"]) if isinstance(v["view"], str) else v["view"] for v in views]


async def open_home(council: Council, user_id: str, event_id: str) -> dict[str, Any]:
    assert (await council.post(*as_json(home_opened(user_id, event_id)))).status == 200
    views = published(council, user_id)
    assert views, "views.publish on app_home_opened"
    return views[-1]


async def test_my_qa_is_published_when_the_home_tab_opens(council: Council) -> None:
    await allocate(council)
    async with council.qabot.deps.sessions() as session:
        allocation = await session.scalar(select(Allocation).limit(1))
        assert allocation is not None
        worker = await session.get(Person, allocation.practitioner_id)
        case = await session.get(Case, allocation.case_id)
    assert worker is not None and case is not None
    view = await open_home(council, user_id_of(worker.staff_id), "EvHome1")
    assert view["type"] == "home" and 0 < len(view["blocks"]) <= 100
    assert case.case_ref in json.dumps(view), "their audit, with its case reference"


async def test_the_home_tab_refreshes_after_their_action_and_a_new_message(
    council: Council,
) -> None:
    view = await open_home(council, "U0S06", "EvHome2")
    assert len(published(council, "U0S06")) == 1
    await allocate(council)  # new items arrive for S06: the tab is refreshed
    await council.qabot.slack.settle()  # type: ignore[union-attr]
    after_allocation = published(council, "U0S06")
    assert len(after_allocation) >= 2 and after_allocation[-1] != view
    # Priya never opened her tab, but Slack knows her (found by her email when her DM went):
    # her tab is published too, so it is current the first time she looks
    assert published(council, "U1S07") and "C-000103" in json.dumps(published(council, "U1S07"))

    async with council.qabot.deps.sessions() as session:
        allocation = await session.scalar(
            select(Allocation).join(Person, Person.id == Allocation.practitioner_id)
            .where(Person.staff_id == "S06")
        )  # fmt: skip
    assert allocation is not None
    row = await Walk(council).row(keys.notified(allocation.id))
    boxes = next(
        b for b in Walk(council).blocks_of(row)
        if b["type"] == "actions" and b["elements"][0]["type"] == "checkboxes"
    )  # fmt: skip
    tick = {"type": "checkboxes", "action_id": CHECKLIST_TICK, "block_id": boxes["block_id"],
            "selected_options": boxes["elements"][0]["options"][:1]}  # fmt: skip
    before = len(published(council, "U0S06"))
    await council.interact(clicked(row, "U0S06", tick))
    assert len(published(council, "U0S06")) > before, "refreshed after their own action"


async def test_the_qa_team_sees_this_periods_progress(council: Council) -> None:
    await allocate(council)
    view = await open_home(council, "U0S08", "EvHome3")
    assert "January 2027" in json.dumps(view)


async def test_someone_not_on_the_roster_is_told_so_at_home(council: Council) -> None:
    view = await open_home(council, "U9STRANGER", "EvHome4")
    assert "roster" in json.dumps(view)
