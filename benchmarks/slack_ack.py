"""Acknowledgement latency of signed Slack interactions in HTTP mode (SPEC §9): 100 button
clicks a second for 30 seconds at POST /slack/events, each signed as Slack signs it, from the
people of a 200-person council; p50 and p99 from sending to the 200, against a bare Bolt app
that only acknowledges (Bolt's own signature check on). Targets: p99 <= 50 ms, ratio <= 1.5.

Each server runs in its own process; the load, and the Web API stand-in qabot delivers its
replies to, in this one. `python -m benchmarks.slack_ack [SECONDS]` (QABOT_BENCH_SECONDS also
sets it) for a quick run. qabot's database is a fresh SQLite file unless
QABOT_BENCH_DATABASE_URL names another (an empty PostgreSQL database, say).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from benchmarks._server import free_port, wait_for
from benchmarks._slack import stand_in_module

SECONDS = 30.0
RATE = 100.0
PEOPLE = 200
SECRET = "bench-signing-secret"
TARGET_P99_MS, TARGET_RATIO = 50.0, 1.5
WARM_UP = 50


def _click(n: int) -> str:
    """A block_actions body: person n % PEOPLE clicking "help" in their DM."""
    user = f"U{n % PEOPLE:05d}"
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user, "team_id": "T111"},
        "api_app_id": "A111",
        "token": "verification-token",
        "container": {
            "type": "message",
            "message_ts": "1800000000.000001",
            "channel_id": f"D{n % PEOPLE:05d}",
            "is_ephemeral": False,
        },
        "trigger_id": f"111.222.{n}",
        "team": {"id": "T111", "domain": "council"},
        "channel": {"id": f"D{n % PEOPLE:05d}", "name": "directmessage"},
        "actions": [
            {
                "type": "button",
                "action_id": "help.show",
                "block_id": "b",
                "text": {"type": "plain_text", "text": "Help"},
                "value": "",
                "action_ts": f"{1800000000 + n}.000001",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def _signed(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


async def _load(url: str, seconds: float, offset: int) -> list[float]:
    """Open-loop clicks at RATE a second; each one's seconds from sending to the answer."""
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(n: int, keep: bool) -> None:
            body = _click(offset + n)
            began = time.perf_counter()
            async with http.post(url, data=body.encode(), headers=_signed(body)) as response:
                await response.read()
                assert response.status == 200, response.status
            if keep:
                latencies.append(time.perf_counter() - began)

        for n in range(WARM_UP):
            await one(n, keep=False)
        tasks = []
        start = time.perf_counter()
        for n in range(int(seconds * RATE)):
            delay = start + n / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(WARM_UP + n, keep=True)))
        await asyncio.gather(*tasks)
    return latencies


async def _measure(kind: str, api_url: str, db: str, seconds: float, offset: int) -> list[float]:
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.slack_ack", "--serve", kind, str(port), api_url,
               db]  # fmt: skip
    process = subprocess.Popen(command)
    try:
        await wait_for(port, process, tries=300)
        return await _load(f"http://127.0.0.1:{port}/slack/events", seconds, offset)
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _run(seconds: float, db: str) -> tuple[list[float], list[float]]:
    module: Any = stand_in_module()
    async with module.running(module.SlackApiStandIn()) as stand_in:
        qabot = await _measure("qabot", stand_in.url, db, seconds, 0)
        bare = await _measure("bare", stand_in.url, db, seconds, 10_000_000)
    return qabot, bare


# the servers under test, each in its own process


async def _serve_qabot(port: int, api_url: str, db: str) -> None:
    from bot.app import build, settle_memory
    from bot.settings import Settings
    from storage import platform_refs, upgrade
    from storage.people import PersonRecord, Roster, apply_roster

    upgrade(db)
    settings = Settings(database_url=db, platforms=("slack",), slack_bot_token="xoxb-bench",
                        slack_signing_secret=SECRET, slack_api_url=api_url)  # fmt: skip
    qabot = build(settings)
    now = dt.datetime.now(dt.UTC)
    people = tuple(
        PersonRecord(
            f"P{n:05d}",
            f"Person {n}",
            f"p{n:05d}@council.example",
            "practitioner",
            "Team A",
            "Children",
            slack_user_id=f"U{n:05d}",
        )
        for n in range(PEOPLE)
    )
    async with qabot.deps.sessions.begin() as session:
        await apply_roster(session, Roster(people, ()), now=now, actor="bench")
        for n in range(PEOPLE):  # their DMs already open, as after the first month
            await platform_refs.keep_conversation(
                session, "slack", f"person:P{n:05d}", {"channel": f"D{n:05d}"}, now
            )
    settle_memory()  # as `qabot run` does once started
    await _serve(qabot.web, port)


async def _serve_bare(port: int, api_url: str) -> None:
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token="xoxb-bench", base_url=api_url)
    app = AsyncApp(client=client, signing_secret=SECRET)

    @app.action(re.compile(".+"))
    async def acknowledge(ack: Any) -> None:
        await ack()

    await _serve(app.web_app(path="/slack/events"), port)


async def _serve(app: web.Application, port: int) -> None:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--serve"]:
        kind, port, api_url, db = args[1], int(args[2]), args[3], args[4]
        serve = _serve_qabot(port, api_url, db) if kind == "qabot" else _serve_bare(port, api_url)
        asyncio.run(serve)
        return
    numbers = [a for a in args if re.fullmatch(r"\d+(\.\d+)?", a)]
    seconds = (
        float(numbers[0]) if numbers else float(os.environ.get("QABOT_BENCH_SECONDS", SECONDS))
    )
    with tempfile.TemporaryDirectory() as folder:
        db = os.environ.get("QABOT_BENCH_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.db'}"
        qabot, bare = asyncio.run(_run(seconds, db))
    q50, q99 = _percentile(qabot, 0.5), _percentile(qabot, 0.99)
    b50, b99 = _percentile(bare, 0.5), _percentile(bare, 0.99)
    print(
        f"slack acknowledgements (HTTP, {RATE:.0f}/s for {seconds:g} s, signed clicks): qabot "
        f"p50 {q50:.1f} ms, p99 {q99:.1f} ms (target <= {TARGET_P99_MS:.0f} ms, ratio "
        f"{q99 / TARGET_P99_MS:.2f}); bare Bolt p50 {b50:.1f} ms, p99 {b99:.1f} ms; qabot / bare "
        f"p99 {q99 / b99:.2f} (target <= {TARGET_RATIO}), p50 {q50 / b50:.2f}; "
        f"mean {statistics.mean(qabot) * 1000:.1f} ms vs {statistics.mean(bare) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
