"""The plain-text version of every message, compared with golden files."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_files import check_golden

from message_templates.catalog import SAMPLE_CONTEXTS, sample_message
from message_templates.model import ChecklistEntry, Fact, Message
from message_templates.text import to_plain_text
from message_templates.wording import Wording

GOLDEN = Path(__file__).parents[1] / "golden" / "text"


@pytest.mark.parametrize("name", sorted(SAMPLE_CONTEXTS))
def test_plain_text_matches_golden(name: str) -> None:
    check_golden(GOLDEN / f"{name}.txt", to_plain_text(sample_message(Wording(), name)) + "\n")


def test_plain_text_lists_facts_checklist_and_buttons() -> None:
    text = to_plain_text(sample_message(Wording(), "checklist_reminder"))
    assert "[x] The chronology is up to date" in text
    assert "[ ] Recent supervision is recorded on the file" in text
    assert "[Remind me tomorrow]" in text
    assert "**" not in text


def test_plain_text_keeps_people_text_as_written() -> None:
    message = Message(
        kind="test",
        title="<b>Hi</b>",
        text="**Note** from \\*Sam\\*",
        facts=(Fact("Case", "C-000123 & <x>"),),
        checklist=(ChecklistEntry("a", "*tick*"),),
    )
    assert (
        to_plain_text(message)
        == "<b>Hi</b>\n\nNote from *Sam*\n\nCase: C-000123 & <x>\n\n[ ] *tick*"
    )
