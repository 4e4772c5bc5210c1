"""Slack rendering: every message round-trips through slack_sdk, stays in limits, matches golden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from golden_files import check_golden
from platform_checks import block_problems, modal_problems, slack_message_problems

from bot.slack.render import (
    OPEN_FORM,
    checklist_value_of,
    clip,
    to_blocks,
    to_modal,
    to_mrkdwn,
    to_slack_message,
)
from message_templates.catalog import SAMPLE_CONTEXTS, sample_message
from message_templates.model import Button, ChecklistEntry, Fact, Message
from message_templates.wording import Wording

GOLDEN = Path(__file__).parents[1] / "golden" / "slack"
NAMES = sorted(SAMPLE_CONTEXTS)
EVIL = "<script>alert(1)</script> & *bold* <@U123> <!channel>"


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def assert_valid_blocks(blocks: list[dict[str, Any]], limit: int = 50) -> None:
    assert block_problems(blocks, limit) == []


@pytest.mark.parametrize("name", NAMES)
def test_message_round_trips_and_matches_golden(name: str) -> None:
    payload = to_slack_message(sample_message(Wording(), name))
    assert slack_message_problems(payload) == []
    check_golden(GOLDEN / f"{name}.json", dump(payload))


@pytest.mark.parametrize("name", [n for n in NAMES if "form" in n or n == "audit_notified"])
def test_modal_round_trips_and_matches_golden(name: str) -> None:
    view = to_modal(sample_message(Wording(), name), "cb", '{"allocation": 812}')
    assert modal_problems(view) == []
    check_golden(GOLDEN / f"{name}.modal.json", dump(view))


def test_people_text_is_escaped_for_mrkdwn() -> None:
    message = Wording().compose("action_done", {"name": "Tom", "description": EVIL})
    payload = to_slack_message(message)
    dumped = json.dumps(payload, ensure_ascii=False)
    assert all(raw not in dumped for raw in ("<script>", "<@U123>", "<!channel>", " & "))
    shown = " ".join(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")
    assert "• &lt;script&gt;alert(1)&lt;/script&gt; &amp; *\u200bbold*\u200b &lt;@U123&gt;" in shown
    assert payload["text"].startswith("Action closed: &lt;script&gt;")


def test_markdown_light_becomes_mrkdwn() -> None:
    text = "Hi **Sam**, _please_ see [the guide](https://qa.example/g?a=1&b=2).\n\n- one\n- two"
    assert to_mrkdwn(text) == (
        "Hi *Sam*, _please_ see <https://qa.example/g?a=1&amp;b=2|the guide>.\n\n• one\n• two"
    )


def test_long_text_and_labels_are_cut_safely() -> None:
    words = " ".join(["[x](https://qa.example/a) &"] * 400)
    message = Message(
        kind="test",
        title="T" * 400,
        text=words,
        facts=tuple(Fact(f"Label {n}", "v" * 2500) for n in range(12)),
        buttons=tuple(Button("B" * 100, f"act.{n}", "v" * 2500) for n in range(30)),
    )
    blocks = to_blocks(message)
    assert_valid_blocks(blocks)
    assert len(blocks[0]["text"]["text"]) == 150
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if "text" in b)
    assert [len(b["elements"]) for b in blocks if b["type"] == "actions"] == [25, 5]


def test_a_flood_of_paragraphs_still_fits_in_fifty_blocks() -> None:
    message = Message(
        kind="test",
        text="\n\n".join("p" * 2000 for _ in range(80)),
        buttons=(Button("OK", "ok"),),
    )
    blocks = to_blocks(message)
    assert_valid_blocks(blocks)
    assert blocks[-1]["type"] == "actions"


def test_clip_never_cuts_an_entity_or_link() -> None:
    assert clip("abc &amp; def", 7) == "abc …"
    assert clip("see <https://x.example|x> now", 12) == "see …"


def test_buttons_sharing_an_action_go_in_separate_blocks() -> None:
    message = Message(
        kind="t",
        text="x",
        buttons=(Button("1 day", "snooze", "1"), Button("1 week", "snooze", "7")),
    )
    actions = [b for b in to_blocks(message) if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [1, 1]


def test_checklist_carries_action_items_and_value() -> None:
    entries = tuple(ChecklistEntry(f"i{n}", f"Item {n}", done=n < 2) for n in range(12))
    message = Message(
        kind="t", text="x", checklist=entries, checklist_action="tick", checklist_value="812"
    )
    blocks = [b for b in to_blocks(message) if b["type"] == "actions"]
    assert len(blocks) == 2
    element = blocks[0]["elements"][0]
    assert element["action_id"] == "tick"
    assert [o["value"] for o in element["initial_options"]] == ["i0", "i1"]
    assert checklist_value_of(blocks[1]["block_id"]) == "812"


def test_a_form_opens_from_a_button() -> None:
    message = sample_message(Wording(), "audit_record_form")
    button = next(b for b in to_blocks(message) if b["type"] == "actions")["elements"][0]
    assert button["action_id"] == OPEN_FORM + "audit.record"
    assert (button["text"]["text"], button["value"]) == ("Record the audit", "812")
    inputs = [b for b in to_modal(message, "cb", "")["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [
        "grade", "grade_reason", "strengths", "worries", "family_said", "family_not_why",
        "actions", "actions_due",
    ]  # fmt: skip


def test_a_long_title_is_never_cut_mid_phrase_in_a_modal_title() -> None:
    message = sample_message(Wording(), "reflection_requested")
    assert len(message.title) > 24
    view = to_modal(message, "reflection.save", "812")
    assert view["title"]["text"] == "qabot" and "…" not in json.dumps(view["title"])
    assert view["blocks"][0] == {"type": "header", "text": {"type": "plain_text",
                                                            "text": message.title}}  # fmt: skip
    short = to_modal(sample_message(Wording(), "moderation_form"), "m", "77")
    assert short["title"]["text"] == "Moderate C-000123"
