"""A form that fails in the sandbox comes back in place holding every field as typed, with
every problem named beside its field, and nothing stored; an action's owner is picked by
typing a name (name, role and team shown). Screenshots of the returned form at desktop and
phone width are kept as artefacts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from artifacts import screenshot
from playwright.async_api import Browser, expect

pytestmark = [pytest.mark.browser, pytest.mark.dated]


def query(db: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, args).fetchall()


async def test_a_failed_save_keeps_every_field_and_names_every_problem(
    server: tuple[str, Path], browser: Browser
) -> None:
    base, db = server
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{base}/sandbox")
    await page.get_by_role("button", name="Next working morning").click()
    allocation_id, auditor_pk, practitioner_pk = query(
        db, "select id, auditor_id, practitioner_id from allocations order by id limit 1"
    )[0]
    [(auditor,)] = query(db, "select staff_id from people where id = ?", auditor_pk)
    [(worker, worker_name)] = query(
        db, "select staff_id, name from people where id = ?", practitioner_pk
    )
    await page.goto(f"{base}/sandbox/people/{auditor}")
    allocated = page.locator(f"[data-key='audit.allocated:{allocation_id}']")
    await allocated.get_by_role("button", name="Record the audit").click()
    form = page.locator("[data-kind=audit_record_form]")
    await form.get_by_label("Overall grade").select_option("Good")
    await form.get_by_label("What's working well").fill("A trusting relationship.")
    await form.get_by_label("1. What needs to happen").fill("Review the plan")
    await form.get_by_label("By when").first.fill("2020-01-06")
    await form.get_by_label("Who will do it").nth(1).fill("Nobody Known")
    await form.get_by_label("2. What needs to happen").fill("Book supervision")
    await form.get_by_role("button", name="Save the audit").click()

    returned = page.locator("[data-kind=audit_record_form]")
    await expect(returned.locator(".problem")).to_have_text(
        "Three things to put right below. Nothing has been saved yet."
    )
    await expect(returned.locator(".error")).to_have_count(3)
    reason = returned.get_by_label("Why this grade?")
    await expect(reason).to_have_attribute("aria-invalid", "true")
    await expect(reason).to_be_focused()  # the page opens at the form, at its first problem
    await expect(returned.locator(".field.invalid").first).to_contain_text("Why this grade?")
    await expect(returned.locator(".field.invalid").first).to_contain_text("Please fill this in.")
    await expect(returned.locator(".field.invalid").nth(1)).to_contain_text("has passed")
    await expect(returned.locator(".field.invalid").nth(2)).to_contain_text(
        "'Nobody Known' isn't anyone I know"
    )
    # every field kept as typed
    await expect(returned.get_by_label("Overall grade")).to_have_value("Good")
    await expect(returned.get_by_label("What's working well")).to_have_value(
        "A trusting relationship."
    )
    await expect(returned.get_by_label("1. What needs to happen")).to_have_value("Review the plan")
    await expect(returned.get_by_label("By when").first).to_have_value("2020-01-06")
    await expect(returned.get_by_label("Who will do it").first).to_have_value(str(worker))
    await expect(returned.get_by_label("Who will do it").nth(1)).to_have_value("Nobody Known")
    await expect(returned.get_by_label("2. What needs to happen")).to_have_value("Book supervision")
    assert query(db, "select count(*) from audit_records") == [(0,)]
    assert query(db, "select count(*) from actions") == [(0,)]
    await screenshot(page, "form-problems-desktop")
    await page.set_viewport_size({"width": 390, "height": 844})
    await returned.locator(".problem").evaluate('e => e.scrollIntoView({block: "start"})')
    await screenshot(page, "form-problems-phone")
    await page.set_viewport_size({"width": 1280, "height": 900})

    # the people picker: type a name, choose from the list, and see who that is
    owner = returned.get_by_label("Who will do it").nth(1)
    options = returned.locator(f"datalist#{await owner.get_attribute('list')} option")
    label = await options.filter(has_text=str(worker_name)).first.text_content()
    assert label is not None and " — " in label and ", " in label  # name — role, team
    await owner.fill(str(worker))
    await expect(returned.locator(".who").nth(1)).to_have_text(label)
    await reason.fill("The plan is clear and reviewed.")
    await returned.get_by_label("By when").first.fill("2099-01-05")
    await returned.get_by_role("button", name="Save the audit").click()
    await expect(page.locator("[data-kind=audit_recorded]")).to_have_count(1)
    assert query(db, "select owner_id from actions order by id") == [
        (practitioner_pk,),
        (practitioner_pk,),
    ]
    # the allocation knows it is done: its buttons gone, a line saying what happened and when
    await page.reload()
    settled = page.locator(f"[data-key='audit.allocated:{allocation_id}']")
    await expect(settled).to_contain_text("✓ Audit recorded (Good) on ")
    await expect(settled.get_by_role("button")).to_have_count(0)
    await expect(settled.locator(".who")).to_contain_text("updated")

    # the people list marks who has something waiting: the worker has their reflections
    await page.goto(f"{base}/sandbox?q={worker_name}")
    await expect(
        page.get_by_role("listitem").filter(has_text=str(worker_name)).first
    ).to_contain_text("waiting")
    await screenshot(page, "people-waiting-desktop")
