"""An observation of practice recorded from its nudge in the sandbox, in a real Chromium: the
observer is nudged, records it (the family's consent is needed for a home visit), the worker
is told with the strengths, areas to develop and actions, and adds their own reflection.

The sandbox starts on the pinned today (`pinned.today()`) with the default programme's demo
council; a week at a time it moves on until someone's observation nudge arrives.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

pytestmark = [pytest.mark.browser, pytest.mark.dated]
WEEKS = 20  # the demo's first observations fall due within a few months of the roster
NUDGED = (
    "select recipient from outbox where idempotency_key like 'reminders:%'"
    " and payload like '%observation.open_record%' order by id limit 1"
)


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


async def test_an_observer_records_an_observation_from_its_nudge(
    server: tuple[str, Path], browser: Browser, tmp_path: Path
) -> None:
    base, db = server
    page = await browser.new_page()
    await page.goto(f"{base}/sandbox")
    nudged: list[tuple[object, ...]] = []
    for _ in range(WEEKS):
        await page.get_by_role("button", name="A week on").click()
        nudged = query(db, NUDGED)
        if nudged:
            break
    assert nudged, "no observation nudge in the demo's first months"
    observer = str(nudged[0][0]).removeprefix("person:")

    await page.goto(f"{base}/sandbox/people/{observer}")
    record = page.get_by_role("button", name="Record the observation").first
    await expect(record).to_be_visible()
    await page.screenshot(path=tmp_path / "observation-nudge.png", full_page=True)
    await record.click()
    form = page.locator("[data-kind=observation_form]").last
    await expect(form).to_be_visible()
    await form.get_by_label("What you observed").select_option(label="Home visit")
    await form.get_by_label("The family gave their consent").select_option(label="No")
    await form.get_by_label("Strengths you saw").fill("Calm, clear explanation of the plan.")
    await form.get_by_role("button", name="Save observation").click()
    # the same form comes back, the problem beside the consent, what was typed kept
    returned = page.locator("[data-kind=observation_form]").last
    await expect(returned.locator(".problem")).to_have_text(
        "One thing to put right below. Nothing has been saved yet."
    )
    await expect(returned.locator(".error")).to_have_count(1)
    consent = returned.get_by_label("The family gave their consent")
    await expect(consent).to_have_attribute("aria-invalid", "true")
    await expect(returned.locator("[id$='-consent-error']")).to_contain_text("family's agreement")
    await expect(returned.get_by_label("What you observed").locator("option:checked")).to_have_text(
        "Home visit"
    )
    await expect(returned.get_by_label("Strengths you saw")).to_have_value(
        "Calm, clear explanation of the plan."
    )
    await returned.screenshot(path=tmp_path / "observation-consent-problem.png")
    assert query(db, "select count(*) from observations") == [(0,)]

    form = returned
    await form.get_by_label("The family gave their consent").select_option(label="Yes")
    await form.get_by_label("Strengths you saw").fill("Calm, clear explanation of the plan.")
    await form.get_by_label("Areas to develop").fill("Check what the children understood.")
    await form.get_by_label("Actions", exact=True).fill("Share the plan in writing")
    await page.screenshot(path=tmp_path / "observation-form.png", full_page=True)
    await form.get_by_role("button", name="Save observation").click()
    await expect(page.locator("[data-kind=observation_saved]")).to_have_count(1)
    [(observation_id, observed_pk, strengths)] = query(
        db, "select id, observed_id, strengths from observations"
    )
    assert strengths == "Calm, clear explanation of the plan."
    assert query(db, "select source, source_id, owner_id, description from actions") == [
        ("observation", observation_id, observed_pk, "Share the plan in writing")
    ]

    [(worker,)] = query(db, "select staff_id from people where id = ?", observed_pk)
    await page.goto(f"{base}/sandbox/people/{worker}")
    told = page.locator("[data-kind=observation_recorded]")
    await expect(told).to_have_count(1)
    await expect(told).to_contain_text("Check what the children understood.")
    await told.get_by_role("button", name="Add my reflection").click()
    reflection = page.locator("[data-kind=observation_reflection_form]").last
    await reflection.get_by_label("Your reflection").fill("Slowing down helped the family.")
    await reflection.get_by_role("button", name="Save my reflection").click()
    await expect(page.locator("[data-kind=observation_reflection_saved]")).to_have_count(1)
    await page.screenshot(path=tmp_path / "observation-reflection.png", full_page=True)
    assert query(db, "select reflection from observations") == [
        ("Slowing down helped the family.",)
    ]
