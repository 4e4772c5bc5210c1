"""Fixtures for tests that use qabot as a person would: `qabot run` and a real Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pinned
import pytest
from playwright.async_api import Browser, async_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`qabot run` on a fresh SQLite file, as `make run` starts it, its clock at the pinned today.

    The sandbox starts at 08:00 UK time on `pinned.today()` and runs on with real time.
    """
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing; install Debian's chromium package")
        pytest.skip("Chromium is not installed")
    home = tmp_path_factory.mktemp("run")
    port = _free_port()
    env = {
        **os.environ,
        "QABOT_DATABASE_URL": f"sqlite:///{home / 'qabot.db'}",
        "QABOT_PORT": str(port),
        "QABOT_PLATFORM": "sandbox",
        "QABOT_PROGRAMME": "default",
        "QABOT_SANDBOX_START": pinned.today().isoformat(),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    serving = threading.Event()
    output: list[str] = []
    reader = threading.Thread(target=_drain, args=(process, output, serving), daemon=True)
    reader.start()
    if not serving.wait(timeout=60):
        process.kill()
        pytest.fail("qabot run did not start serving:\n" + "".join(output[-30:]))
    try:
        yield f"http://127.0.0.1:{port}", home / "qabot.db"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0, "".join(output[-30:])
        reader.join(timeout=5)
        assert process.stdout is not None
        process.stdout.close()
    assert not [line for line in output if "Traceback" in line], "".join(output)


def _drain(process: subprocess.Popen[str], output: list[str], serving: threading.Event) -> None:
    """Read the server's output to the end, so its pipe never fills and blocks it."""
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        if "the sandbox is at" in line:
            serving.set()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            await launched.close()
