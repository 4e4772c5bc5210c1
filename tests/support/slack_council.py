"""A small council in Slack for the Slack edge's scenario tests: qabot built from settings,
its endpoint served on loopback, its Web API calls going to the stand-in, its clock fixed and
its rate limiter on virtual time."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient
from platform_checks import shared_reference
from slack_api_standin import SlackApiStandIn
from slack_signing import SECRET, as_interaction, signed_headers

from bot.app import Pace, Qabot, build
from bot.settings import Settings
from handlers.case_audit.cycle import run_allocation
from handlers.programme.schema import CaseAudit
from scheduler.clock import VirtualClock
from storage import channels
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

MONDAY = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)
# staff id, name, role, team, manager, Slack user id on the roster (None: found by email)
PEOPLE = [
    ("S01", "Helen Clarke", "head_of_service", "Leadership", None, "U0S01"),
    ("S02", "Sam Moss", "service_manager", "Leadership", "S01", "U0S02"),
    # the team managers answer to Helen, so Sam is outside every worker's line and may audit
    ("S03", "Dana Hughes", "team_manager", "Team A", "S01", "U0S03"),
    ("S04", "Marcus Reid", "team_manager", "Team B", "S01", None),
    ("S05", "Tom Okafor", "practitioner", "Team A", "S03", None),
    ("S06", "Leah Brown", "practitioner", "Team A", "S03", "U0S06"),
    ("S07", "Priya Shah", "practitioner", "Team B", "S04", None),
    ("S08", "Ruth Adeyemi", "qa_manager", "QA", "S01", "U0S08"),
]
CASES = [("C-000101", "S05", "CP"), ("C-000102", "S06", "CIN"), ("C-000103", "S07", "CLA")]
QA_CHANNEL = "C0QATEAM"


class VirtualTime:
    """Monotonic time for the rate limiter that moves only when it is slept on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class Council:
    qabot: Qabot
    slack: SlackApiStandIn
    http: TestClient[Any, Any]
    clock: VirtualClock
    time: VirtualTime

    async def deliver(self) -> int:
        return await self.qabot.dispatcher.run_once(self.clock.now())

    async def post(self, body: str, content_type: str, **headers: str) -> Any:
        """POST to /slack/events signed now, as Slack would, and wait for the work after."""
        signed = signed_headers(body, int(self.clock.now().timestamp()))
        response = await self.http.post(
            "/slack/events",
            data=body.encode(),
            headers={"Content-Type": content_type, **signed, **headers},
        )
        assert self.qabot.slack is not None
        await self.qabot.slack.settle()
        return response

    async def interact(self, payload: dict[str, Any]) -> Any:
        return await self.post(*as_interaction(payload))


def reference(name: str) -> dict[str, Any]:
    """One of Slack's real payloads from the shared references, to reshape per test."""
    path = shared_reference(f"reference/slack/payloads/{name}")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return copy.deepcopy(loaded)


def settings(database_url: str, api_url: str, app_token: str | None = None) -> Settings:
    return Settings(
        database_url=database_url,
        platforms=("slack",),
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_api_url=api_url,
        slack_app_token=app_token,
    )


async def load_council(qabot: Qabot) -> None:
    people = tuple(
        PersonRecord(
            sid, name, f"{sid.lower()}@council.example", role, team, "Children", manager,
            slack_user_id=slack_id,
        )
        for sid, name, role, team, manager, slack_id in PEOPLE
    )  # fmt: skip
    cases = tuple(CaseRecord(ref, worker, kind, dt.date(2026, 9, 1)) for ref, worker, kind in CASES)
    async with qabot.deps.sessions.begin() as session:
        await apply_roster(session, Roster(people, cases), now=MONDAY, actor="test")
        await channels.bind(session, "slack", qabot.deps.programme.qa_channel, QA_CHANNEL, MONDAY)


async def start_qabot(
    database_url: str, stand_in: SlackApiStandIn, time: VirtualTime, app_token: str | None = None
) -> Qabot:
    """qabot as `qabot run` builds it for Slack, on a fixed clock (in Socket Mode with an
    app-level token)."""
    chosen = settings(database_url, stand_in.url, app_token)
    # rate limits (the dispatcher's and the Slack client's) kept on virtual time
    return build(chosen, VirtualClock(MONDAY), Pace(time.monotonic, time.sleep))


async def allocate(council: Council) -> None:
    """This month's case audits allocated and their DMs delivered."""
    deps = council.qabot.deps
    activity = deps.programme.of_kind(CaseAudit)[0]
    async with deps.sessions.begin() as session:
        await run_allocation(deps, session, activity, 2027, 1)
    await council.deliver()
