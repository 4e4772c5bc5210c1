"""A person uses the sandbox in a real Chromium: `qabot run` as a user starts it.

The sandbox starts on the pinned today (`pinned.today()`), so dates typed are relative to it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pinned
import pytest
from playwright.async_api import Browser, Page, expect

pytestmark = pytest.mark.browser


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
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


@pytest.mark.dated
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
    assert query(db, "select away_until from people where staff_id = ?", staff_id) == [(None,)]

    back_on = pinned.today() + dt.timedelta(days=14)
    await _say(page, f"away until {back_on:%d/%m/%Y}")
    await expect(page.locator("[data-kind=away_set]")).to_have_count(1)
    rows = query(db, "select away_until from people where staff_id = ?", staff_id)
    assert rows == [(back_on.isoformat(),)]

    await page.locator("[data-kind=away_set]").get_by_role("button", name="I'm back").click()
    await expect(page.locator("[data-kind=back]")).to_have_count(1)
    assert query(db, "select away_until from people where staff_id = ?", staff_id) == [(None,)]


async def test_a_stranger_gets_not_found(server: tuple[str, Path], browser: Browser) -> None:
    base, _ = server
    page = await browser.new_page()
    response = await page.goto(f"{base}/sandbox/people/NOBODY")
    assert response is not None and response.status == 404
