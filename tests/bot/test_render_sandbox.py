"""Sandbox rendering: escaped, labelled, well-formed HTML forms that work without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_files import check_golden
from html_page import Page

from bot.sandbox.render import to_html
from message_templates.catalog import SAMPLE_CONTEXTS, sample_message
from message_templates.model import Button, Message
from message_templates.wording import Wording

GOLDEN = Path(__file__).parents[1] / "golden" / "sandbox"
TARGET = "/sandbox/people/S0101/act"
EVIL = '<script>alert(1)</script> & *bold* <@U123> " onmouseover="x'


@pytest.mark.parametrize("name", sorted(SAMPLE_CONTEXTS))
def test_html_is_well_formed_labelled_and_matches_golden(name: str) -> None:
    html = to_html(sample_message(Wording(), name), form_target=TARGET, source_key=f"k-{name}")
    assert Page(str(html)).problems(TARGET) == []
    check_golden(GOLDEN / f"{name}.html", str(html) + "\n")


def test_people_text_is_escaped() -> None:
    message = Wording().compose("action_done", {"name": EVIL, "description": EVIL})
    html = str(to_html(message, form_target=TARGET))
    assert "<script>" not in html and '" onmouseover' not in html
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; *bold* &lt;@U123&gt; &#34; onmouseover" in html
    )


def test_escaping_reaches_attributes_and_labels() -> None:
    message = Message(kind="t", buttons=(Button('"><script>', 'a"b', 'v"><x'),))
    page = Page(str(to_html(message, form_target='/t?"x')))
    (button,) = page.all("button")
    assert (button["name"], button["value"]) == ("action", 'a"b')
    assert page.all("form")[0]["action"] == '/t?"x'
    assert {i["name"]: i["value"] for i in page.all("input")}["value"] == 'v"><x'


def test_buttons_post_their_action_and_value() -> None:
    html = str(to_html(sample_message(Wording(), "action_reminder"), form_target=TARGET))
    page = Page(html)
    buttons = page.all("button")
    assert [b["value"] for b in buttons] == [
        "action.reminder.act",
        "reminder.snooze",
        "reminder.why",
    ]
    values = [i["value"] for i in page.all("input") if i["name"] == "value"]
    assert values == ["205", "205", "action.reminder"]


def test_the_same_form_as_shown_gets_the_same_event_id() -> None:
    message = sample_message(Wording(), "audit_notified")

    def event_ids(m: Message) -> list[str]:
        page = Page(str(to_html(m, form_target=TARGET, source_key="k1")))
        return [i["value"] for i in page.all("input") if i["name"] == "event_id"]

    assert event_ids(message) == event_ids(message)
    ticked = type(message).from_dict({**message.to_dict(), "checklist": [
        {"id": e.id, "text": e.text, "done": True} for e in message.checklist
    ]})  # fmt: skip
    assert event_ids(ticked) != event_ids(message)
    page = Page(str(to_html(message, form_target=TARGET, event_id="e-1")))
    assert {i["value"] for i in page.all("input") if i["name"] == "event_id"} == {"e-1"}


def test_checklist_posts_ticked_ids_as_done() -> None:
    page = Page(str(to_html(sample_message(Wording(), "audit_notified"), form_target=TARGET)))
    boxes = [i for i in page.all("input") if i["type"] == "checkbox"]
    assert {b["name"] for b in boxes} == {"done"}
    assert [b["value"] for b in boxes if "checked" in b] == ["chronology", "voice"]


def test_without_a_target_controls_show_but_cannot_post() -> None:
    page = Page(str(to_html(sample_message(Wording(), "broadcast_posted"), form_target="")))
    assert all("method" not in f for f in page.all("form"))
    assert all("disabled" in b for b in page.all("button"))
