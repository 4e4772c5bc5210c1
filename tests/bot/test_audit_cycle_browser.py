"""The whole audit cycle walked through in the sandbox in a real Chromium, as people would.

The sandbox starts on the pinned today (`pinned.today()`), so the walk is the same on any date.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pinned
import pytest
from playwright.async_api import Browser, Page, expect

from handlers.core.calendar import Calendar
from handlers.programme.schema import load_programme

pytestmark = [pytest.mark.browser, pytest.mark.dated]
CALENDAR = Calendar.from_programme(load_programme("default"))


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


def staff_id_of(db: Path, person_id: object) -> str:
    return str(query(db, "select staff_id from people where id = ?", person_id)[0][0])


async def _morning(page: Page) -> None:
    await page.get_by_role("button", name="Next working morning").click()


def _shown(day: dt.date, at: dt.time) -> str:
    """How the sandbox shows its time, to the minute."""
    return f"{day:%a %d %b %Y}, {at:%H:%M}"


async def test_allocation_checklist_record_reflection_moderation_and_action(
    server: tuple[str, Path], browser: Browser
) -> None:
    base, db = server
    today = pinned.today()
    page = await browser.new_page()
    await page.goto(f"{base}/sandbox")
    await expect(page.locator("#sandbox-time")).to_contain_text(f"{today:%a %d %b %Y}, 08:")
    await _morning(page)
    # From 08:00 the next working morning is today's, unless today is a weekend or bank holiday.
    morning = CALENDAR.next_working_day(today)
    await expect(page.locator("#sandbox-time")).to_have_text(_shown(morning, CALENDAR.day_start))

    # Every round made that morning is one whose window is still to close.
    windows = query(db, "select window_start, window_end from audit_rounds")
    assert windows and all(dt.date.fromisoformat(str(end)) >= morning for _, end in windows)
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
    # Late in a month the auditor may hold this month's case and next month's: pick this one.
    allocated = page.locator(f"[data-key='audit.allocated:{allocation_id}']")
    await expect(allocated).to_have_attribute("data-kind", "audit_allocated")
    await allocated.get_by_role("button", name="Record the audit").click()
    form = page.locator("[data-kind=audit_record_form]")
    await expect(form).to_contain_text("2 / 7")
    await form.get_by_label("Overall grade").select_option("Inadequate")
    await form.get_by_label("Why this grade?").fill("The plan has not been reviewed since March.")
    await form.get_by_label("What's working well").fill("A trusting relationship with the family.")
    await form.get_by_label("What are we worried about").fill("Drift in the plan.")
    await form.get_by_label("1. What needs to happen").fill("Review the plan with the family")
    await form.get_by_role("button", name="Save the audit").click()
    await expect(page.locator("[data-kind=audit_recorded]")).to_have_count(1)
    assert query(db, "select grade from audit_records where allocation_id = ?", allocation_id) == [
        ("Inadequate",)
    ]
    assert query(db, "select owner_id, flagged from actions") == [(practitioner_pk, 1)]

    # The practitioner reflects on the audit.
    await page.goto(f"{base}/sandbox/people/{practitioner}")
    reflection = page.locator(f"[data-key='reflection.requested:{allocation_id}:{practitioner}']")
    await expect(reflection).to_have_attribute("data-kind", "reflection_requested")
    await reflection.get_by_label("What did you learn from this audit").fill("Plans drift.")
    await reflection.get_by_label("What will you do next").fill("A review this month.")
    await reflection.get_by_label("What difference has our work made for the child?").fill(
        "School attendance is up."
    )
    await reflection.get_by_role("button", name="Save my reflections").click()
    await expect(page.locator("[data-kind=reflection_saved]")).to_have_count(1)
    assert query(db, "select count(*) from reflections where allocation_id = ?", allocation_id) == [
        (3,)
    ]

    # Every Inadequate audit is moderated.
    moderation_id, moderator_pk = query(db, "select id, moderator_id from moderations")[0]
    await page.goto(f"{base}/sandbox/people/{staff_id_of(db, moderator_pk)}")
    requested = page.locator(f"[data-key='moderation.requested:{moderation_id}']")
    await requested.get_by_role("button", name="Moderate this audit").click()
    moderation = page.locator("[data-kind=moderation_form]")
    await moderation.get_by_label("Do you agree with the grade?").select_option(index=1)
    await moderation.get_by_label("Comments for the auditor").fill("Agreed: the plan drifted.")
    await moderation.get_by_role("button", name="Save moderation").click()
    await expect(page.locator("[data-kind=moderation_saved]")).to_have_count(1)
    assert query(db, "select agrees from moderations") == [(1,)]

    # The action was announced when raised; closing it asks what was done, and as the audit was
    # Inadequate the practitioner's line manager confirms it.
    await page.goto(f"{base}/sandbox/people/{practitioner}")
    raised = page.locator("[data-kind=action_raised]")
    await expect(raised).to_have_count(1)
    await raised.get_by_role("button", name="It's done").click()
    closing = page.locator("[data-kind=action_done_form]")
    await closing.get_by_label("What was done").fill("Chronology brought up to date")
    await closing.get_by_role("button", name="Close the action").click()
    await expect(page.locator("[data-kind=action_done]")).to_have_count(1)
    assert query(db, "select status, evidence from actions") == [
        ("open", "Chronology brought up to date")
    ]
    [(manager_pk,)] = query(db, f"select manager_id from people where staff_id = '{practitioner}'")
    await page.goto(f"{base}/sandbox/people/{staff_id_of(db, manager_pk)}")
    for _ in range(3):
        if await page.locator("[data-kind=action_confirm]").count():
            break
        await _morning(page)
    await page.locator("[data-kind=action_confirm]").get_by_role("button", name="Confirm").click()
    await expect(page.locator("[data-kind=action_confirmed]")).to_have_count(1)
    assert query(db, "select status from actions") == [("done",)]
