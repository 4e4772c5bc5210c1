"""The learning loop walked in the sandbox in a real Chromium: an audit is recorded; the worker
and their line manager see what it found; the worker reflects; the moderator reads the whole
record and comments; the auditor and the QA team read the comments.

The sandbox starts on the pinned today (`pinned.today()`), so the walk is the same on any date.
Screenshots of each step go to the test's temporary folder (printed), to be looked at.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.dated]

REASON = "Direct work is vivid and the plan is reviewed on time."
STRENGTHS = "The child's own words run through the record."
WORRIES = "Dad isn't part of the assessment yet."
ACTION = "Invite dad to the next review"
COMMENTS = "Agreed: the child's voice is outstanding; bring dad in soon."


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


def staff_id_of(db: Path, person_id: object) -> str:
    return str(query(db, "select staff_id from people where id = ?", person_id)[0][0])


async def _as(page: Page, base: str, staff_id: str) -> None:
    await page.goto(f"{base}/sandbox/people/{staff_id}")


async def _shot(page: Page, item: Locator, folder: Path, name: str) -> None:
    """The message as the person sees it, and the whole page around it."""
    await item.scroll_into_view_if_needed()
    await item.screenshot(path=folder / f"{name}.png")
    await page.screenshot(path=folder / f"{name}-page.png")


async def _findings_shown(item: Locator) -> None:
    for part in ("Grade: Outstanding", REASON, STRENGTHS, WORRIES, ACTION):
        await expect(item).to_contain_text(part)


async def test_findings_reflections_and_moderation_reach_their_people(
    server: tuple[str, Path], browser: Browser, tmp_path: Path
) -> None:
    base, db = server
    print(f"screenshots in {tmp_path}")
    page = await browser.new_page(viewport={"width": 1100, "height": 900})
    await page.goto(f"{base}/sandbox")
    await page.get_by_role("button", name="Next working morning").click()
    allocation_id, auditor_pk, practitioner_pk = query(
        db, "select id, auditor_id, practitioner_id from allocations order by id limit 1"
    )[0]
    auditor, worker = staff_id_of(db, auditor_pk), staff_id_of(db, practitioner_pk)
    [(manager_pk,)] = query(db, "select manager_id from people where id = ?", practitioner_pk)
    manager = staff_id_of(db, manager_pk)
    assert manager != auditor

    # The worker marks a checklist item that doesn't apply, with a reason: a button, then a form.
    await _as(page, base, worker)
    notified = page.locator(f"[data-key='audit.notified:{allocation_id}']")
    await notified.get_by_role("button", name="An item doesn't apply").click()
    not_applicable = page.locator("[data-kind=checklist_not_applicable]").last
    await not_applicable.get_by_label("The item").select_option("danger_statements")
    await not_applicable.get_by_label("Why it doesn't apply").fill("No Signs of Safety here")
    await _shot(page, not_applicable, tmp_path, "0-worker-item-not-applicable")
    await not_applicable.get_by_role("button", name="Mark not applicable").click()
    await expect(page.locator("[data-kind=checklist_not_applicable_saved]")).to_have_count(1)
    assert query(
        db, "select not_applicable from checklist_ticks where allocation_id = ?", allocation_id
    ) == [("No Signs of Safety here",)]
    await page.reload()
    await expect(notified).to_contain_text("(not applicable)")

    # The auditor records the audit: Outstanding, so it is always moderated.
    await _as(page, base, auditor)
    allocated = page.locator(f"[data-key='audit.allocated:{allocation_id}']")
    await allocated.get_by_role("button", name="Record the audit").click()
    form = page.locator("[data-kind=audit_record_form]")
    await form.get_by_label("Overall grade").select_option("Outstanding")
    await form.get_by_label("Why this grade?").fill(REASON)
    await form.get_by_label("What's working well").fill(STRENGTHS)
    await form.get_by_label("What are we worried about").fill(WORRIES)
    await form.get_by_label("1. What needs to happen").fill(ACTION)
    await form.get_by_role("button", name="Save the audit").click()
    recorded = page.locator("[data-kind=audit_recorded]")
    await expect(recorded).to_contain_text("a copy to their line manager")
    await _shot(page, recorded, tmp_path, "1-auditor-records")

    # The worker receives what the audit found, with the request to reflect, and reflects.
    await _as(page, base, worker)
    asked = page.locator(f"[data-key='reflection.requested:{allocation_id}:{worker}']")
    await _findings_shown(asked)
    await _shot(page, asked, tmp_path, "2-worker-sees-findings")
    await asked.get_by_label("What did you learn from this audit").fill("Dads matter too.")
    await asked.get_by_label("What will you do next").fill("Call dad this week.")
    await asked.get_by_label("What difference has our work made").fill("She feels heard.")
    await asked.get_by_role("button", name="Save my reflections").click()
    await expect(page.locator("[data-kind=reflection_saved]")).to_have_count(1)

    # The line manager has the findings in a DM, and with the reflections for supervision.
    await _as(page, base, manager)
    copy = page.locator(f"[data-key='audit.findings.manager:{allocation_id}']")
    await _findings_shown(copy)
    await _shot(page, copy, tmp_path, "3-manager-sees-findings")
    await page.get_by_label("Message qabot").fill("reflections")
    await page.get_by_role("button", name="Send").click()
    supervision = page.locator("[data-kind=supervision_reflections]").last
    await _findings_shown(supervision)
    await expect(supervision).to_contain_text("Call dad this week.")
    await _shot(page, supervision, tmp_path, "4-manager-supervision")

    # The moderator reads the whole record before agreeing, and comments.
    [(moderation_id, moderator_pk)] = query(db, "select id, moderator_id from moderations")
    moderator = staff_id_of(db, moderator_pk)
    await _as(page, base, moderator)
    requested = page.locator(f"[data-key='moderation.requested:{moderation_id}']")
    await requested.get_by_role("button", name="Moderate this audit").click()
    moderation = page.locator("[data-kind=moderation_form]")
    await _findings_shown(moderation)
    await moderation.get_by_label("Do you agree with the grade?").select_option("yes")
    await moderation.get_by_label("Comments for the auditor").fill(COMMENTS)
    await _shot(page, moderation, tmp_path, "5-moderator-sees-record")
    await moderation.get_by_role("button", name="Save moderation").click()
    await expect(page.locator("[data-kind=moderation_saved]")).to_have_count(1)
    assert query(db, "select agrees, reason from moderations") == [(1, COMMENTS)]

    # The auditor reads the comments.
    await _as(page, base, auditor)
    outcome = page.locator(f"[data-key='moderation.recorded:{moderation_id}']")
    await expect(outcome).to_contain_text(COMMENTS)
    await _shot(page, outcome, tmp_path, "6-auditor-reads-comments")

    # The QA team reads them in My QA (a DM, never the channel).
    [(qa_pk,)] = query(
        db,
        "select id from people where role = 'qa_manager' and active and id != ? order by id "
        "limit 1",
        moderator_pk,
    )
    await _as(page, base, staff_id_of(db, qa_pk))
    await page.get_by_label("Message qabot").fill("my qa")
    await page.get_by_role("button", name="Send").click()
    my_qa = page.locator("[data-kind=my_qa]").last
    await expect(my_qa).to_contain_text("Moderators' comments")
    await expect(my_qa).to_contain_text(COMMENTS)
    await _shot(page, my_qa, tmp_path, "7-qa-team-reads-comments")
    channel = query(db, "select payload from outbox where recipient like 'channel:%'")
    assert not any(COMMENTS in str(payload) or REASON in str(payload) for (payload,) in channel)
