"""Practice weeks and broadcasts in the sandbox, in a real Chromium, as people would use them:
the QA manager loads a drafted practice week at the command line and queues a bitesize item in
chat; time moves on; the schedule is in the practice-week channel; a practitioner reads the
bitesize item in its channel and says they have read it; the QA manager sees the read count.

The sandbox starts on the pinned today (`pinned.today()`), so the walk is the same on any date.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pinned
import pytest
from playwright.async_api import Browser, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.dated]
SCREENSHOTS = Path(os.environ.get("QABOT_SCREENSHOTS", "/tmp/qabot-screenshots"))


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


def qabot(db: Path, *args: str) -> str:
    """The command line against the sandbox's database, as the QA team would run it."""
    env = {**os.environ, "QABOT_DATABASE_URL": f"sqlite:///{db}", "QABOT_PROGRAMME": "default"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=db.parent, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _say(page: Page, text: str) -> None:
    await page.get_by_label("Message qabot").fill(text)
    await page.get_by_role("button", name="Send").click()


async def test_the_schedule_in_its_channel_and_a_bitesize_item_read_and_acknowledged(
    server: tuple[str, Path], browser: Browser
) -> None:
    base, db = server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (qa,) = query(db, "select staff_id from people where role = 'qa_manager' and active")[0:1]
    qa_id = str(qa[0])
    reader = str(query(db, "select staff_id from people where role = 'practitioner' and active "
                           "order by staff_id limit 1")[0][0])  # fmt: skip

    # a practice week three weeks on, drafted and loaded whole at the command line
    today = pinned.today()
    week = today + dt.timedelta(days=21 + (7 - today.weekday()) % 7)
    draft = db.parent / "draft.csv"
    qabot(db, "practice-week", "draft", "--week", week.isoformat(), "--out", str(draft),
          "--as", qa_id)  # fmt: skip
    assert "visits loaded" in qabot(db, "practice-week", "load", str(draft), "--as", qa_id)

    # a bitesize item from the QA manager, in chat
    page = await browser.new_page()
    await page.goto(f"{base}/sandbox/people/{qa_id}")
    await _say(page, "bitesize Three questions for **every** visit: who helps you?")
    await expect(page.locator("[data-kind=broadcast_queued]")).to_have_count(1)

    # a week at a time until both are posted (the schedule two weeks ahead of its week)
    for _ in range(6):
        await page.get_by_role("button", name="A week on").click()
        posted = query(db, "select count(*) from broadcasts where status = 'posted'")[0][0]
        if posted and query(db, "select posted_at from practice_weeks")[0][0]:
            break
    await page.goto(f"{base}/sandbox/channels/practice-week")
    schedule = page.locator("article[data-kind=practice_week_posted]")
    await expect(schedule).to_have_count(1)
    await expect(schedule).to_contain_text("Here's who's visiting whom")
    first = query(db, "select p.name from practice_week_slots s join people p on "
                      "p.id = s.visitor_id order by s.day, s.slot limit 1")[0][0]  # fmt: skip
    await expect(schedule.get_by_role("listitem").first).to_contain_text(str(first))
    await page.screenshot(path=str(SCREENSHOTS / "practice-week-channel.png"), full_page=True)

    # a practitioner reads the bitesize item in its channel and says so, once
    await page.goto(f"{base}/sandbox/channels/all-staff")
    await page.get_by_label("Read as (staff id)").fill(reader)
    await page.get_by_role("button", name="Read as them").click()
    item = page.locator("article[data-kind=broadcast_posted]")
    await expect(item.locator("strong")).to_have_text("every")
    await page.screenshot(path=str(SCREENSHOTS / "bitesize-in-channel.png"), full_page=True)
    await item.get_by_role("button", name="I've read this").click()
    await expect(page.locator("[data-kind=broadcast_read]")).to_contain_text("noted that you've")
    await page.screenshot(path=str(SCREENSHOTS / "bitesize-read.png"), full_page=True)
    assert query(db, "select count(*) from broadcast_acks") == [(1,)]

    # the QA manager sees how many have read it
    await page.goto(f"{base}/sandbox/people/{qa_id}")
    await _say(page, "broadcasts")
    await expect(page.locator("[data-kind=broadcast_reads]").last).to_contain_text("1 read")
