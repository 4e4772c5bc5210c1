"""The sandbox reads like a chat client: it opens at the latest message, shows a new one
without a reload, and shows what the person typed and pressed on their side.

Screenshots at desktop and phone width are kept as artefacts (tests/artifacts/ or
$QABOT_ARTIFACTS, not committed).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from artifacts import screenshot
from playwright.async_api import Browser, Page, expect

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


async def _first_practitioner(page: Page, base: str) -> str:
    await page.goto(f"{base}/sandbox?q=practitioner")
    link = page.get_by_role("list", name="People").get_by_role("link").first
    href = await link.get_attribute("href")
    assert href is not None
    return href.rsplit("/", 1)[1]


async def _say_behind_its_back(page: Page, base: str, staff_id: str, text: str) -> None:
    """Another tab of the same person says something: the page under test is not touched."""
    response = await page.request.post(
        f"{base}/sandbox/people/{staff_id}/say",
        form={"event_id": uuid.uuid4().hex, "text": text},
        max_redirects=0,
    )
    assert response.status == 303


async def test_opens_at_the_latest_message_and_shows_a_new_one_without_reloading(
    server: tuple[str, Path], browser: Browser
) -> None:
    base, _ = server
    other = await browser.new_page()
    staff_id = await _first_practitioner(other, base)
    await other.goto(f"{base}/sandbox/people/{staff_id}")  # the welcome
    for _ in range(4):
        await _say_behind_its_back(other, base, staff_id, "help")

    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(f"{base}/sandbox/people/{staff_id}")
    entries = page.locator("#conversation .entry")
    await expect(page.locator("[data-kind=help]")).to_have_count(4)
    await expect(entries.first).not_to_be_in_viewport()
    await expect(entries.last).to_be_in_viewport()
    await expect(page.get_by_label("Message qabot")).to_be_in_viewport()
    # what the person typed is on their side of the conversation
    await expect(page.locator(".entry.mine")).to_have_count(4)
    await expect(page.locator(".entry.mine").last).to_contain_text("help")
    await expect(page.locator(".message .name").first).to_have_text("qabot")

    # the page asks for the conversation again only to hear that nothing has changed
    poll = page.locator("#conversation")
    url, version = await poll.get_attribute("data-poll"), await poll.get_attribute("data-version")
    unchanged = await page.request.get(f"{base}{url}?since={version}")
    assert unchanged.status == 204

    await page.evaluate("window.notReloaded = true")
    await _say_behind_its_back(other, base, staff_id, "my qa")
    await expect(page.locator("[data-kind=my_qa]")).to_have_count(1)
    await expect(page.locator("[data-kind=my_qa]")).to_be_in_viewport()
    assert await page.evaluate("window.notReloaded === true")

    # a click is shown as what was pressed, and stays there after a reload
    help_card = page.locator("[data-kind=help]").last
    await help_card.get_by_role("button", name="Show my QA").click()
    await expect(page.locator("[data-kind=my_qa]")).to_have_count(2)
    await page.reload()
    await expect(page.locator(".entry.mine").last).to_contain_text("You pressed Show my QA")
    await expect(page.locator("#conversation .entry").last).to_be_in_viewport()

    await screenshot(page, "sandbox-desktop")
    phone = await browser.new_page(viewport=PHONE)
    await phone.goto(f"{base}/sandbox/people/{staff_id}")
    await expect(phone.locator("#conversation .entry").last).to_be_in_viewport()
    header = await phone.locator("header.bar").bounding_box()
    assert header is not None and header["width"] <= PHONE["width"]
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "nothing runs off the side at phone width"
    await screenshot(phone, "sandbox-phone")


async def test_the_people_list_says_how_many_there_are(
    server: tuple[str, Path], browser: Browser
) -> None:
    base, _ = server
    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"{base}/sandbox")
    shown = await page.get_by_role("list", name="People").get_by_role("listitem").count()
    await expect(page.locator("#people-count")).to_contain_text(f"{shown} of ")
    await expect(page.locator("#people-count")).to_contain_text("search to find others")
    await page.get_by_label("Search by name or role").fill("director")
    await page.get_by_role("button", name="Search").click()
    await expect(page.locator("#people-count")).to_contain_text("match")
    await screenshot(page, "people-phone")
