"""Card-action acknowledgement in Teams: signed `adaptiveCard/action` invokes posted to
/api/messages at 50 a second, through the real JWT check, the Agents SDK's activity model and
qabot's handlers, each timed until Teams would have its invoke response.

Target: p99 at most 100 ms (Teams shows an error when an invoke takes much longer).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks._teams import APP_ID, TENANT_ID, aad_id, database_name, installed, scratch, stood_up

RATE = 50.0  # invokes a second
INVOKES = 500
WARM_UP = 20
TARGET_P99_MS = 100.0


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


async def _run(folder: Path) -> tuple[list[float], int]:
    async with stood_up(folder) as stood:
        await installed(stood, WARM_UP + INVOKES)  # each invoke from someone else
        service_url = stood.connector.url
        token = stood.keys.sign(audience=APP_ID, service_url=service_url)
        url = stood.url + "/api/messages"
        bodies = [json.dumps(invoke(n, service_url)).encode() for n in range(WARM_UP + INVOKES)]
        async with aiohttp.ClientSession() as http:
            for body in bodies[:WARM_UP]:  # signing keys fetched, caches filled
                await _post(http, url, token, body)
            start = time.perf_counter()
            tasks = []
            for n, body in enumerate(bodies[WARM_UP:]):
                delay = start + n / RATE - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.ensure_future(_post(http, url, token, body)))
            results = await asyncio.gather(*tasks)
        failed = sum(1 for _, status in results if status != 200)
        return [ms for ms, _ in results], failed


def main() -> None:
    with scratch() as folder:
        times, failed = asyncio.run(_run(Path(folder)))
    cuts = statistics.quantiles(times, n=100)
    p50, p99 = statistics.median(times), cuts[98]
    print(
        f"teams invoke acknowledgement ({database_name()}, {INVOKES} signed invokes at "
        f"{RATE:.0f}/s): "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(times):.1f} ms "
        f"(target p99 <= {TARGET_P99_MS:.0f} ms, ratio {p99 / TARGET_P99_MS:.2f}); "
        f"not 200: {failed}"
    )


if __name__ == "__main__":
    main()
