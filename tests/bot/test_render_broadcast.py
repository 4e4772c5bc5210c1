"""A broadcast's markdown rendered for each platform from one post: sandbox HTML (sanitized: no
raw HTML passes), Slack mrkdwn and Adaptive Card TextBlocks."""

from __future__ import annotations

import datetime as dt
import json

from bot.sandbox.render import to_html
from bot.slack.render import to_slack_message
from bot.teams.render import to_adaptive_card
from handlers.broadcasts.messages import posted
from handlers.core.calendar import Calendar
from handlers.core.deps import Deps
from handlers.programme.schema import BroadcastActivity, load_programme
from message_templates.model import Message
from message_templates.wording import Wording
from scheduler.clock import VirtualClock
from storage import Sessions
from storage.broadcasts.queue import Queued

TEXT = "Ask **who helps you**, _gently_.\n\n- one\n- two\n\n<img src=x onerror=alert(1)>"


def post_of(text: str) -> Message:
    programme = load_programme("default")
    activity = next(a for a in programme.of_kind(BroadcastActivity) if a.id == "bitesize")
    now = dt.datetime(2027, 3, 4, 9, tzinfo=dt.UTC)
    deps = Deps(sessions=Sessions(), wording=Wording(), clock=VirtualClock(now),
                programme=programme, calendar=Calendar.from_programme(programme))  # fmt: skip
    item = Queued(7, "bitesize", "bitesize", "Three questions", text, "all-staff", now, "posted",
                  now)  # fmt: skip
    return posted(deps, item, activity)


def test_the_sandbox_shows_html_with_nothing_raw_passing() -> None:
    html = str(to_html(post_of(TEXT), form_target=""))
    assert "<strong>who helps you</strong>" in html and "<em>gently</em>" in html
    assert "<li>one</li>" in html and "**" not in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_slack_shows_mrkdwn() -> None:
    blocks = json.dumps(to_slack_message(post_of(TEXT)))
    assert "*who helps you*" in blocks and "_gently_" in blocks and "**" not in blocks


def test_teams_shows_textblock_markdown() -> None:
    card = to_adaptive_card(post_of(TEXT))
    texts = [b["text"] for b in card["body"] if b.get("type") == "TextBlock"]
    assert any("**who helps you**" in t and "_gently_" in t for t in texts)
    assert any("- one" in t for t in texts)
