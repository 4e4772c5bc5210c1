"""The whole audit cycle walked through in the sandbox in a real Chromium, as people would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

pytestmark = pytest.mark.browser


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


def staff_id_of(db: Path, person_id: object) -> str:
    return str(query(db, "select staff_id from people where id = ?", person_id)[0][0])


async def _morning(page: Page) -> None:
    await page.get_by_role("button", name="Next working morning").click()


async def test_allocation_checklist_record_reflection_moderation_and_action(
    server: tuple[str, Path], browser: Browser
) -> None:
    base, db = server
    page = await browser.new_page()
    await page.goto(f"{base}/sandbox")
    await _morning(page)

    allocation_id, auditor_pk, practitioner_pk = query(
        db, "select id, auditor_id, practitioner_id from allocations order by id limit 1"
    )[0]
    auditor, practitioner = staff_id_of(db, auditor_pk), staff_id_of(db, practitioner_pk)

    # The practitioner prepares with the child-journey checklist; the message updates in place.
    await page.goto(f"{base}/sandbox/people/{practitioner}")
    notified = page.locator(f"[data-key='audit.notified:{allocation_id}']")
    await expect(notified).to_have_attribute("data-kind", "audit_notified")
    boxes = notified.get_by_role("checkbox")
    await boxes.nth(0).check()
    await boxes.nth(1).check()
    await notified.get_by_role("button", name="Save my checklist").click()
    await expect(notified).to_have_attribute("data-kind", "checklist_updated")
    await expect(notified.get_by_role("checkbox").nth(1)).to_be_checked()
    await expect(notified.get_by_role("checkbox").nth(2)).not_to_be_checked()
    ticks = query(
        db,
        "select count(*) from checklist_ticks where allocation_id = ? and done and by_id = ?",
        allocation_id,
        practitioner_pk,
    )
    assert ticks == [(2,)]

    # The auditor records the audit: grade, reason, strengths, worries and an action.
    await page.goto(f"{base}/sandbox/people/{auditor}")
    await (
        page.locator("[data-kind=audit_allocated]")
        .get_by_role("button", name="Record the audit")
        .click()
    )
    form = page.locator("[data-kind=audit_record_form]")
    await expect(form).to_contain_text("2 / 7")
    await form.get_by_label("Overall grade").select_option("Inadequate")
    await form.get_by_label("Why this grade?").fill("The plan has not been reviewed since March.")
    await form.get_by_label("What's working well").fill("A trusting relationship with the family.")
    await form.get_by_label("What are we worried about").fill("Drift in the plan.")
    await form.get_by_label("1. What needs to happen").fill("Review the plan with the family")
    await form.get_by_role("button", name="Save audit").click()
    await expect(page.locator("[data-kind=audit_recorded]")).to_have_count(1)
    assert query(db, "select grade from audit_records where allocation_id = ?", allocation_id) == [
        ("Inadequate",)
    ]
    assert query(db, "select owner_id, flagged from actions") == [(practitioner_pk, 1)]

    # The practitioner reflects on the audit.
    await page.goto(f"{base}/sandbox/people/{practitioner}")
    reflection = page.locator("[data-kind=reflection_requested]")
    await reflection.get_by_label("What is working well?").fill("Our visits are regular.")
    await reflection.get_by_label("What are we worried about?").fill("The plan drifted.")
    await reflection.get_by_label("What needs to happen?").fill("A review this month.")
    await reflection.get_by_label("What difference has our work made for the child?").fill(
        "School attendance is up."
    )
    await reflection.get_by_role("button", name="Save my reflections").click()
    await expect(page.locator("[data-kind=reflection_saved]")).to_have_count(1)
    assert query(db, "select count(*) from reflections where allocation_id = ?", allocation_id) == [
        (4,)
    ]

    # Every Inadequate audit is moderated.
    moderator_pk = query(db, "select moderator_id from moderations")[0][0]
    await page.goto(f"{base}/sandbox/people/{staff_id_of(db, moderator_pk)}")
    await (
        page.locator("[data-kind=moderation_requested]")
        .get_by_role("button", name="Moderate this audit")
        .click()
    )
    moderation = page.locator("[data-kind=moderation_form]")
    await moderation.get_by_label("Do you agree with the grade?").select_option(index=1)
    await moderation.get_by_label("Comments for the auditor").fill("Agreed: the plan drifted.")
    await moderation.get_by_role("button", name="Save moderation").click()
    await expect(page.locator("[data-kind=moderation_saved]")).to_have_count(1)
    assert query(db, "select agrees from moderations") == [(1,)]

    # The action is followed until done: move on until its reminder arrives, then close it.
    await page.goto(f"{base}/sandbox/people/{practitioner}")
    done = page.get_by_role("button", name="It's done")
    for _ in range(30):
        if await done.count():
            break
        await _morning(page)
    await done.first.click()
    await expect(page.locator("[data-kind=action_done]")).to_have_count(1)
    assert query(db, "select status from actions") == [("done",)]
