"""A person uses the sandbox in a real Chromium: `qabot run` as a user starts it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

pytestmark = pytest.mark.browser

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
    """`qabot run` on a fresh SQLite file, as `make run` starts it."""
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


def _query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


async def _open_person(page: Page, base: str, role: str) -> str:
    await page.goto(f"{base}/sandbox")
    await page.get_by_label("Search by name or role").fill(role)
    await page.get_by_role("button", name="Search").click()
    first = page.get_by_role("list", name="People").get_by_role("link").first
    name = await first.inner_text()
    await first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    return name


async def _say(page: Page, text: str) -> None:
    await page.get_by_label("Message qabot").fill(text)
    await page.get_by_role("button", name="Send").click()


async def test_pick_a_person_ask_for_help_and_go_away(
    server: tuple[str, Path], browser: Browser
) -> None:
    base, db = server
    page = await browser.new_page()
    await _open_person(page, base, "practitioner")
    staff_id = page.url.rsplit("/", 1)[1]
    await expect(page.locator("[data-kind=welcome]")).to_have_count(1)

    await _say(page, "help")
    await expect(page.locator("[data-kind=help]")).to_have_count(1)
    await page.locator("[data-kind=help]").get_by_role("button", name="Show my QA").click()
    await expect(page.locator("[data-kind=my_qa]")).to_have_count(1)

    await _say(page, "away until someday")
    await expect(page.locator("[data-kind=user_error]")).to_have_count(1)
    assert _query(db, "select away_until from people where staff_id = ?", staff_id) == [(None,)]

    back_on = dt.date.today() + dt.timedelta(days=14)
    await _say(page, f"away until {back_on:%d/%m/%Y}")
    await expect(page.locator("[data-kind=away_set]")).to_have_count(1)
    rows = _query(db, "select away_until from people where staff_id = ?", staff_id)
    assert rows == [(back_on.isoformat(),)]

    await page.locator("[data-kind=away_set]").get_by_role("button", name="I'm back").click()
    await expect(page.locator("[data-kind=back]")).to_have_count(1)
    assert _query(db, "select away_until from people where staff_id = ?", staff_id) == [(None,)]


async def test_a_stranger_gets_not_found(server: tuple[str, Path], browser: Browser) -> None:
    base, _ = server
    page = await browser.new_page()
    response = await page.goto(f"{base}/sandbox/people/NOBODY")
    assert response is not None and response.status == 404
