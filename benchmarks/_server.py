"""What the acknowledgement benchmarks share: qabot served in a process of its own on a free
loopback port, so the load generator and stand-ins are not timed as qabot's work."""

from __future__ import annotations

import asyncio
import socket
import subprocess


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_for(port: int, process: subprocess.Popen[bytes], tries: int = 600) -> None:
    """Until the server under test accepts connections (every 0.1 s, `tries` times)."""
    for _ in range(tries):
        if process.poll() is not None:
            raise RuntimeError("the server under test stopped")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.1)
    raise RuntimeError("the server under test did not start")
