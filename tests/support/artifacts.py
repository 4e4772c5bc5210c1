"""Where browser tests keep what they leave behind (screenshots): $QABOT_ARTIFACTS, or
tests/artifacts/ (not committed). Each run overwrites the files it writes."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import Page


def folder() -> Path:
    found = Path(os.environ.get("QABOT_ARTIFACTS") or Path(__file__).parents[1] / "artifacts")
    found.mkdir(parents=True, exist_ok=True)
    return found


async def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path:
    """Keep a screenshot of `page` as `name`.png in the artefacts folder."""
    path = folder() / f"{name}.png"
    await page.screenshot(path=path, full_page=full_page)
    return path
