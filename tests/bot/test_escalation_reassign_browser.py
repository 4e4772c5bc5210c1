"""An escalation reassigned in the sandbox in a real Chromium: time moves on until an audit is
past its date and its auditor's manager hears of it in their one message of the day; the
manager presses Reassign on that item, picks someone by typing their name, and the audit is
theirs: it moves in the database, they get it in a message with its button to record it, and
the auditor it came from is told.

The sandbox starts on the pinned today (`pinned.today()`), so the walk is the same on any date.
Screenshots (the manager's escalation, the picker, the new auditor's message) are kept as
artefacts.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from artifacts import screenshot
from playwright.async_api import Browser, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.dated]

MOST_WEEKS = 10  # from any start, a round is made, falls due and is escalated well within this


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


def escalated(db: Path) -> list[tuple[str, int]]:
    """(manager's staff id, allocation id) of each audit escalation delivered to a manager."""
    found = []
    for recipient, payload in query(
        db, "select recipient, payload from outbox where status = 'sent' order by id"
    ):
        meta = json.loads(str(payload))["meta"]
        for item in meta.get("items", [{"meta": meta}]):
            if item["meta"].get("type") == "audit.escalated":
                found.append((str(recipient).removeprefix("person:"),
                              int(item["meta"]["allocation_id"])))  # fmt: skip
    return found


async def _week_on(page: Page, base: str) -> None:
    await page.goto(f"{base}/sandbox")
    await page.get_by_role("button", name="A week on").click()


async def test_a_manager_reassigns_an_escalated_audit_and_the_new_auditor_has_it(
    server: tuple[str, Path], browser: Browser
) -> None:
    base, db = server
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    for _ in range(MOST_WEEKS):
        await _week_on(page, base)
        if escalated(db):
            break
    manager, allocation_id = escalated(db)[0]
    [(case_ref, auditor, auditor_name)] = query(
        db,
        "select c.case_ref, p.staff_id, p.name from allocations a "
        "join cases c on c.id = a.case_id join people p on p.id = a.auditor_id where a.id = ?",
        allocation_id,
    )
    # The manager sees the escalation as one section of their message, with its own buttons.
    await page.goto(f"{base}/sandbox/people/{manager}")
    item = page.locator("section.qa-section").filter(
        has_text=f"{auditor_name}'s audit of {case_ref}"
    )
    item = item.last
    for button in ("Ask", "Give them a week more", "Reassign", "I've got this"):
        await expect(item.get_by_role("button", name=button).first).to_be_visible()
    await item.scroll_into_view_if_needed()
    await screenshot(page, "escalation-manager-desktop")
    await item.get_by_role("button", name="Reassign").click()

    # The form asks who takes it on; a person is picked by typing their name.
    form = page.locator("[data-kind=escalation_reassign_form]").last
    await expect(form).to_contain_text(f"Who should take on the audit of {case_ref}")
    picker = form.get_by_label("Give it to")
    options = form.locator(f"datalist#{await picker.get_attribute('list')} option")
    # someone to take it on from the picker's list (name, role and team): another manager if
    # the list has one, else anyone in it but the auditor and the manager
    offered = [
        (str(await option.get_attribute("value")), str(await option.text_content()))
        for option in await options.all()
    ]
    others = [(v, t) for v, t in offered if v not in (auditor, manager)]
    assert others, offered
    new_auditor, label = next(((v, t) for v, t in others if "manager" in t.lower()), others[0])
    [(new_pk, new_name)] = query(db, "select id, name from people where staff_id = ?", new_auditor)
    await picker.fill(new_auditor)
    await expect(form.locator("output.who")).to_have_text(label)
    await form.scroll_into_view_if_needed()
    await screenshot(page, "escalation-reassign-picker-desktop")
    await form.get_by_role("button", name="Reassign").click()
    answered = page.locator("[data-kind=escalation_answered]").last
    await expect(answered).to_contain_text(str(new_name))
    assert query(db, "select auditor_id from allocations where id = ?", allocation_id) == [
        (new_pk,)
    ]

    # The new auditor has it, with the button to record it (the next working morning at the
    # latest, when the message is sent), and the auditor it came from is told it has moved on.
    given = page.locator(f"[data-key='escalation.reassigned:audit:{allocation_id}:{new_auditor}']")
    await page.goto(f"{base}/sandbox/people/{new_auditor}")
    if not await given.count():
        await page.get_by_role("button", name="Next working morning").click()
        await page.goto(f"{base}/sandbox/people/{new_auditor}")
    await expect(given).to_contain_text(f"take on the audit of {case_ref} from {auditor_name}")
    await given.scroll_into_view_if_needed()
    await screenshot(page, "escalation-reassigned-new-auditor-desktop")
    await given.get_by_role("button", name="Record the audit").click()
    await expect(page.locator("[data-kind=audit_record_form]").last).to_contain_text(case_ref)
    await page.goto(f"{base}/sandbox/people/{auditor}")
    await expect(page.locator("[data-kind=escalation_released]").last).to_contain_text(
        str(new_name)
    )
