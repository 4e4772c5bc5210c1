"""The sandbox shows a DM as Teams shows it: the card qabot would send to Teams, drawn by the
vendored Adaptive Cards renderer in a real Chromium, its actions driving the same handlers.

The sandbox starts on the pinned today (`pinned.today()`), so the walk is the same on any date.
Screenshots are kept in the artefacts folder (tests/artifacts/ or $QABOT_ARTIFACTS).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from artifacts import screenshot
from playwright.async_api import Browser, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.dated]


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


def staff_id_of(db: Path, person_id: object) -> str:
    return str(query(db, "select staff_id from people where id = ?", person_id)[0][0])


async def as_teams(page: Page) -> None:
    switch = page.get_by_label("Show as Teams shows it")
    if not await switch.is_checked():
        await switch.check()


async def shot(page: Page, name: str) -> Path:
    return await screenshot(page, name, full_page=True)


async def test_tick_a_checklist_and_submit_a_form_missing_a_field_in_a_teams_card(
    server: tuple[str, Path], browser: Browser
) -> None:
    base, db = server
    page = await browser.new_page()
    await page.goto(f"{base}/sandbox")
    await page.get_by_role("button", name="Next working morning").click()
    allocation_id, auditor_pk, practitioner_pk = query(
        db, "select id, auditor_id, practitioner_id from allocations order by id limit 1"
    )[0]
    practitioner, auditor = staff_id_of(db, practitioner_pk), staff_id_of(db, auditor_pk)

    # The practitioner's checklist, drawn as the Teams card: tick an item and save it
    await page.goto(f"{base}/sandbox/people/{practitioner}")
    await as_teams(page)
    notified = page.locator(f"[data-key='audit.notified:{allocation_id}']")
    card = notified.locator(".teams-card .ac-adaptiveCard")
    await expect(card).to_be_visible()
    await expect(notified.locator("form:visible")).to_have_count(0)  # its own HTML set aside
    await card.get_by_role("checkbox").nth(0).check()
    await card.get_by_role("button", name="Save my checklist").click()
    await expect(notified).to_have_attribute("data-kind", "checklist_updated")
    card = notified.locator(".teams-card .ac-adaptiveCard")  # drawn again, still as Teams
    await expect(card.get_by_role("checkbox").nth(0)).to_be_checked()
    await expect(card.get_by_role("checkbox").nth(1)).not_to_be_checked()
    ticks = query(
        db,
        "select count(*) from checklist_ticks where allocation_id = ? and done and by_id = ?",
        allocation_id,
        practitioner_pk,
    )
    assert ticks == [(1,)]
    await shot(page, "teams-card-checklist")

    # The auditor opens the record form from the card and saves it with a field missing
    await page.goto(f"{base}/sandbox/people/{auditor}")
    await as_teams(page)
    allocated = page.locator(f"[data-key='audit.allocated:{allocation_id}'] .teams-card")
    await allocated.get_by_role("button", name="Record the audit").click()
    form = page.locator("[data-kind=audit_record_form] .teams-card .ac-adaptiveCard")
    await expect(form).to_be_visible()
    await form.get_by_label("Overall grade").select_option("Inadequate")
    await form.get_by_label("What's working well").fill("A trusting relationship.")
    await form.get_by_role("button", name="Save the audit").click()
    error = form.get_by_text("Please fill this in.").first
    await expect(error).to_be_visible()
    path = await shot(page, "teams-card-form-missing-field")
    assert path.stat().st_size > 0
    await expect(form.get_by_label("What's working well")).to_have_value(
        "A trusting relationship."
    )  # what was typed is kept
    assert query(db, "select count(*) from audit_records") == [(0,)]

    # a problem only qabot can see (a date already passed) comes back in the card from qabot,
    # with the summary above the fields and the problem beside the date, as typed
    await form.get_by_label("Why this grade?").fill("Drift since October.")
    await form.get_by_label("1. What needs to happen").fill("Update the chronology")
    when = form.locator("input[type=date]").first
    await when.fill("2020-01-06")
    await expect(when).to_have_value("2020-01-06")
    await form.get_by_role("button", name="Save the audit").click()
    returned = page.locator("[data-kind=audit_record_form] .teams-card .ac-adaptiveCard")
    await expect(returned).to_contain_text(
        "One thing to put right below. Nothing has been saved yet."
    )
    await expect(returned).to_contain_text("has passed")
    await expect(returned.get_by_label("Why this grade?")).to_have_value("Drift since October.")
    await expect(returned.locator("input[type=date]").first).to_have_value("2020-01-06")
    await expect(returned.get_by_label("What's working well")).to_have_value(
        "A trusting relationship."
    )
    await shot(page, "teams-card-form-date-passed")
    assert query(db, "select count(*) from audit_records") == [(0,)]
