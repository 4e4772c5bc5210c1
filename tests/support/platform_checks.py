"""What each platform accepts, checked on rendered output (tests only).

Block Kit: every block round-trips through slack_sdk's models (whose `to_dict` runs slack_sdk's
own checks: button text, action_id and block_id lengths, options in a select, elements in an
actions block…), and the limits slack_sdk leaves to Slack are checked here: blocks in a message
or modal, ids unique where Slack needs them, section and field text lengths.

Adaptive Cards: the 1.5 schema from the team's shared references, found at QABOT_SHARED_DIR or
in the `shared` folder beside the repository. Without it the schema tests skip, except under
CI=true, where a missing reference fails them.
"""

from __future__ import annotations

import functools
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft6Validator
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

REPOSITORY = Path(__file__).parents[2]
SCHEMA_PATH = "reference/teams/adaptive-cards/adaptive-card-1.5.schema.json"

# Block Kit limits (api.slack.com/reference/block-kit) that slack_sdk's models do not check.
MESSAGE_BLOCKS, MODAL_BLOCKS = 50, 100
SECTION_TEXT, SECTION_FIELDS, FIELD_TEXT = 3000, 10, 2000
CONTEXT_ELEMENTS, MESSAGE_TEXT = 10, 4000
MODAL_TITLE, CALLBACK_ID, PRIVATE_METADATA = 24, 255, 3000
# Teams shows at most this many actions in a row (its host config's maxActions); more are cut.
TEAMS_ACTIONS = 6


def shared_dir() -> Path:
    return Path(os.environ.get("QABOT_SHARED_DIR") or REPOSITORY.parent / "shared")


def shared_reference(path: str) -> Path:
    """A file of the shared references; skip without it, fail without it under CI=true."""
    found = shared_dir() / path
    if not found.is_file():
        reason = f"the shared reference {found} is missing (set QABOT_SHARED_DIR)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@functools.cache
def _card_validator(path: Path) -> Draft6Validator:
    return Draft6Validator(json.loads(path.read_text(encoding="utf-8")))


def card_validator() -> Draft6Validator:
    return _card_validator(shared_reference(SCHEMA_PATH))


def card_errors(card: dict[str, Any], validator: Draft6Validator) -> list[str]:
    """Schema errors, with Teams' own `msteams` key (which the 1.5 schema refuses) set aside."""
    bare = {k: v for k, v in card.items() if k != "msteams"}
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(bare)
    ]


def teams_problems(card: dict[str, Any]) -> list[str]:
    """What Teams would cut or refuse that the schema allows: too many actions in a row, and
    inputs sharing an id (their values would overwrite each other in the submission)."""
    problems = []
    rows = [card.get("actions", [])] + [e["actions"] for e in _elements(card["body"])
                                        if e["type"] == "ActionSet"]  # fmt: skip
    problems += [f"{len(row)} actions in a row" for row in rows if len(row) > TEAMS_ACTIONS]
    ids = Counter(e["id"] for e in _elements(card["body"]) if "id" in e)
    problems += [f"id {i!r} used {n} times" for i, n in ids.items() if n > 1]
    return problems


def _elements(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for element in body:
        found.append(element)
        for key in ("items", "columns"):
            found += _elements(element.get(key, []))
    return found


def block_problems(blocks: list[dict[str, Any]], limit: int) -> list[str]:
    """Everything Slack would refuse in these blocks; an empty list when it would take them."""
    problems = []
    if not 0 < len(blocks) <= limit:
        problems.append(f"{len(blocks)} blocks (1 to {limit} allowed)")
    for n, block in enumerate(blocks):
        try:
            parsed = Block.parse(block)
            assert parsed is not None, f"unknown block type {block.get('type')!r}"
            if parsed.to_dict() != block:
                problems.append(f"block {n} changes in slack_sdk's round trip")
        except Exception as error:  # slack_sdk's own validation
            problems.append(f"block {n}: {error}")
        problems += [f"block {n}: {p}" for p in _block_limits(block)]
    block_ids = Counter(b["block_id"] for b in blocks if "block_id" in b)
    problems += [f"block_id {b!r} used {n} times" for b, n in block_ids.items() if n > 1]
    return problems


def _block_limits(block: dict[str, Any]) -> list[str]:
    problems = []
    if block["type"] == "section":
        if len(block.get("text", {}).get("text", "")) > SECTION_TEXT:
            problems.append("section text too long")
        fields = block.get("fields", [])
        if len(fields) > SECTION_FIELDS or any(len(f["text"]) > FIELD_TEXT for f in fields):
            problems.append("section fields too many or too long")
    if block["type"] == "context" and len(block["elements"]) > CONTEXT_ELEMENTS:
        problems.append("context has too many elements")
    elements = block.get("elements", []) if block["type"] == "actions" else []
    action_ids = Counter(e["action_id"] for e in elements if "action_id" in e)
    problems += [f"action_id {a!r} used {n} times" for a, n in action_ids.items() if n > 1]
    return problems


def slack_message_problems(payload: dict[str, Any]) -> list[str]:
    problems = block_problems(payload["blocks"], MESSAGE_BLOCKS)
    if not 0 < len(payload["text"]) <= MESSAGE_TEXT:
        problems.append("notification text empty or too long")
    return problems


def modal_problems(view: dict[str, Any]) -> list[str]:
    problems = block_problems(view["blocks"], MODAL_BLOCKS)
    try:
        if View(**view).to_dict() != view:
            problems.append("the view changes in slack_sdk's round trip")
    except Exception as error:
        problems.append(f"view: {error}")
    texts = [view["title"]] + [view[k] for k in ("submit", "close") if k in view]
    if any(len(t["text"]) > MODAL_TITLE for t in texts):
        problems.append("title, submit or close text too long")
    if len(view.get("callback_id", "")) > CALLBACK_ID:
        problems.append("callback_id too long")
    if len(view.get("private_metadata", "")) > PRIVATE_METADATA:
        problems.append("private_metadata too long")
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    if inputs and "submit" not in view:
        problems.append("a modal with inputs needs a submit button")
    return problems
