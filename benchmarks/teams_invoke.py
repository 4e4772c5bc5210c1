"""Card-action acknowledgement in Teams: signed `adaptiveCard/action` invokes posted to
/api/messages at 50 a second, through the real JWT check, the Agents SDK's activity model and
qabot's handlers, each timed until Teams would have its invoke response. The reply each invoke
queues is delivered after the answer, paced to Teams' limits, to the Bot Connector stand-in.

qabot serves from a process of its own, as `qabot run` would (the Slack benchmark does the
same); the load, the signing keys, Entra's token endpoint and the Bot Connector stand-in run in
this one, so what is timed is qabot's work and not the stand-ins'. qabot's database is a fresh
SQLite file unless QABOT_BENCH_DATABASE_URL names another (an empty PostgreSQL database, say).

Target: p99 at most 100 ms (Teams shows an error when an invoke takes much longer). Besides
the latencies it prints the processor time qabot's process spent an invoke, the delivery of the
reply it queued included (Linux): on a shared, busy machine the latencies mostly measure the
machine, this far less.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks._server import free_port, wait_for
from benchmarks._teams import (
    APP_ID,
    MONDAY,
    TENANT_ID,
    aad_id,
    database_name,
    database_url,
    installed,
    scratch,
    settings_env,
    standins,
)

RATE = 50.0  # invokes a second
INVOKES = 500
WARM_UP = 20
TARGET_P99_MS = 100.0
SERVICE_URL = "QABOT_BENCH_SERVICE_URL"  # tells the server process the connector's URL


def invoke(n: int, service_url: str) -> dict[str, Any]:
    """Person n pressing "What can you do?" on a card, as Teams posts it."""
    return {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "id": f"f:bench-invoke-{n}",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "replyToId": f"activity-{n}",
        "value": {
            "action": {"type": "Action.Execute", "verb": "help.show", "data": {"value": ""}},
            "trigger": "manual",
        },
        "from": {"id": f"29:person-{n}", "name": f"Person {n}", "aadObjectId": aad_id(n)},
        "recipient": {"id": f"28:{APP_ID}", "name": "qabot"},
        "conversation": {
            "conversationType": "personal",
            "id": f"a:person-{n}",
            "tenantId": TENANT_ID,
        },
        "channelData": {"tenant": {"id": TENANT_ID}},
        "locale": "en-GB",
    }


async def _post(
    http: aiohttp.ClientSession, url: str, token: str, body: bytes
) -> tuple[float, int]:
    began = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with http.post(url, data=body, headers=headers) as response:
        await response.read()
        return (time.perf_counter() - began) * 1000, response.status


async def _run(folder: Path) -> tuple[list[float], int, float | None]:
    url = database_url(folder)
    async with standins(folder) as (keys, idp, connector, ca_file):
        service_url = connector.url
        env = {**os.environ, **settings_env(url, keys, idp, connector),
               "REQUESTS_CA_BUNDLE": str(ca_file), SERVICE_URL: service_url}  # fmt: skip
        port = free_port()
        command = [sys.executable, "-m", "benchmarks.teams_invoke", "--serve", str(port)]
        process = subprocess.Popen(command, env=env)
        try:
            await wait_for(port, process)
            return await _load(f"http://127.0.0.1:{port}/api/messages", keys, service_url,
                               process.pid)  # fmt: skip
        finally:
            process.terminate()
            process.wait(timeout=30)


async def _load(
    url: str, keys: Any, service_url: str, server: int
) -> tuple[list[float], int, float | None]:
    token = keys.sign(audience=APP_ID, service_url=service_url)
    bodies = [json.dumps(invoke(n, service_url)).encode() for n in range(WARM_UP + INVOKES)]
    async with aiohttp.ClientSession() as http:
        for body in bodies[:WARM_UP]:  # signing keys fetched, caches filled
            await _post(http, url, token, body)
        await asyncio.sleep(1.0)  # the warm-up's replies delivered
        cpu = cpu_seconds(server)
        start = time.perf_counter()
        tasks = []
        for n, body in enumerate(bodies[WARM_UP:]):
            delay = start + n / RATE - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(_post(http, url, token, body)))
        results = await asyncio.gather(*tasks)
        await asyncio.sleep(2.0)  # the replies the invokes queued delivered
        used = cpu_seconds(server)
    failed = sum(1 for _, status in results if status != 200)
    per_invoke = None if cpu is None or used is None else (used - cpu) / INVOKES
    return [ms for ms, _ in results], failed, per_invoke


def cpu_seconds(pid: int) -> float | None:
    """The processor time a process has used so far (Linux), or None where that is unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _serve(port: int) -> None:
    """The server under test: qabot for Teams as `qabot run` builds it, with everyone who
    will press a button already installed."""
    from aiohttp import web

    from bot.app import build, settle_memory
    from bot.settings import load_settings
    from scheduler.clock import VirtualClock
    from storage import upgrade

    settings = load_settings(dict(os.environ), dotenv=None)
    upgrade(settings.database_url)
    qabot = build(settings, clock=VirtualClock(MONDAY))
    await installed(qabot, os.environ[SERVICE_URL], WARM_UP + INVOKES)
    settle_memory()  # as `qabot run` does once started
    runner = web.AppRunner(qabot.web, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        asyncio.run(_serve(int(sys.argv[2])))
        return
    with scratch() as folder:
        times, failed, cpu = asyncio.run(_run(Path(folder)))
    cuts = statistics.quantiles(times, n=100)
    p50, p99 = statistics.median(times), cuts[98]
    used = "" if cpu is None else f"; qabot's processor time {cpu * 1000:.1f} ms an invoke"
    print(
        f"teams invoke acknowledgement ({database_name()}, {INVOKES} signed invokes at "
        f"{RATE:.0f}/s): p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(times):.1f} ms "
        f"(target p99 <= {TARGET_P99_MS:.0f} ms, ratio {p99 / TARGET_P99_MS:.2f}); "
        f"not 200: {failed}{used} (its reply's delivery included)"
    )


if __name__ == "__main__":
    main()
