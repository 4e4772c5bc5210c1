"""Every message the handlers really produce, rendered for every platform, checked and golden.

The messages come from one run of the audit cycle on a small council (tests/support/
real_messages.py). Each is rendered to Block Kit (and a modal where it has a form or a
checklist), an Adaptive Card, sandbox HTML and plain text; each rendering must be one its
platform accepts, and matches its golden file under tests/golden/real/ (QABOT_UPDATE_GOLDEN=1
rewrites them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from golden_files import GOLDEN, check_golden
from html_page import Page
from platform_checks import (
    card_errors,
    card_validator,
    modal_problems,
    slack_message_problems,
    teams_problems,
)
from real_messages import GATHERED, NAMES, real_messages

from bot.sandbox.render import to_html
from bot.slack.render import to_modal, to_slack_message
from bot.teams.render import to_teams_activity
from handlers.reminders.ids import WHY
from message_templates.model import Message
from message_templates.text import to_plain_text
from message_templates.wording import Wording

REAL = GOLDEN / "real"
TARGET = "/sandbox/people/S05/act"
# Templates nothing composes yet: their sample renderings (test_render_*.py) cover them.
NOT_MADE_YET = {
    "digest",
}


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Message]:
    return real_messages(tmp_path_factory.getbasetemp())


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def test_the_run_makes_exactly_the_named_messages(real: dict[str, Message]) -> None:
    assert list(real) == list(NAMES)


def test_every_template_a_handler_composes_is_in_the_run(real: dict[str, Message]) -> None:
    made = {message.kind for message in real.values()}
    made |= {item["kind"] for message in real.values() for item in message.meta.get("items", [])}
    assert made == set(Wording().names()) - NOT_MADE_YET


def test_the_gathered_reminders_hold_several_items(real: dict[str, Message]) -> None:
    gathered = real[GATHERED]
    assert len(gathered.meta["items"]) == 3 and len(gathered.sections) == 3
    assert not gathered.buttons and sum(len(s.buttons) for s in gathered.sections) == 8


@pytest.mark.parametrize("name", NAMES)
def test_block_kit(name: str, real: dict[str, Message]) -> None:
    payload = to_slack_message(real[name])
    assert slack_message_problems(payload) == []
    check_golden(REAL / "slack" / f"{name}.json", dump(payload))


def test_block_kit_modals(real: dict[str, Message]) -> None:
    """Each message with a form or a checklist opens as a modal too."""
    problems = {}
    for name, message in real.items():
        if message.form is None and not message.checklist:
            continue
        action = message.form.action if message.form else message.checklist_action
        value = message.form.value if message.form else message.checklist_value
        view = to_modal(message, action, json.dumps({"value": value}))
        problems[name] = modal_problems(view)
        check_golden(REAL / "slack" / f"{name}.modal.json", dump(view))
    assert len(problems) >= 8
    assert {name: found for name, found in problems.items() if found} == {}


@pytest.mark.parametrize("name", NAMES)
def test_adaptive_card(name: str, real: dict[str, Message]) -> None:
    activity = to_teams_activity(real[name])
    card = activity["attachments"][0]["content"]
    assert card_errors(card, card_validator()) == []
    assert teams_problems(card) == []
    check_golden(REAL / "teams" / f"{name}.json", dump(activity))


@pytest.mark.parametrize("name", NAMES)
def test_sandbox_html(name: str, real: dict[str, Message]) -> None:
    html = str(to_html(real[name], form_target=TARGET, source_key=f"k-{name}"))
    assert Page(html).problems(TARGET) == []
    check_golden(REAL / "sandbox" / f"{name}.html", html + "\n")


@pytest.mark.parametrize("name", NAMES)
def test_plain_text(name: str, real: dict[str, Message]) -> None:
    text = to_plain_text(real[name])
    assert text.strip()
    check_golden(REAL / "text" / f"{name}.txt", text + "\n")


def test_golden_files_are_all_in_use() -> None:
    """A message no longer made leaves no golden file behind."""
    wanted = {f"{name}{suffix}" for name in NAMES for suffix in (".json", ".modal.json",
                                                               ".html", ".txt")}  # fmt: skip
    found = {p.name for p in Path(REAL).rglob("*") if p.is_file()}
    assert found <= wanted, sorted(found - wanted)


def test_each_gathered_item_has_its_own_section_and_buttons(real: dict[str, Message]) -> None:
    gathered = [m for m in real.values() if len(m.meta.get("items", [])) > 1]
    assert len(gathered) >= 3
    for message in gathered:
        items = len(message.meta["items"])
        kinds = len({item["kind"] for item in message.meta["items"]})
        blocks = to_slack_message(message)["blocks"]
        actions = [b for b in blocks if b["type"] == "actions"]
        assert len(actions) == items and sum(b["type"] == "divider" for b in blocks) >= items
        whys = [e for b in actions for e in b["elements"] if e["action_id"] == WHY]
        assert len(whys) == kinds  # "why" once for each kind of item
        card = to_teams_activity(message)["attachments"][0]["content"]
        containers = [e for e in card["body"] if e["type"] == "Container"]
        assert len(containers) == items
        assert all(c["items"][-1]["type"] == "ActionSet" for c in containers)
        page = Page(str(to_html(message, form_target=TARGET)))
        assert len([d for d in page.all("section") if d.get("class") == "qa-section"]) == items
