"""Slack's requests through the real /slack/events endpoint, signed as Slack signs them."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from slack_council import Council, allocate, reference
from slack_signing import as_command, as_json, signed_headers
from slack_walk import clicked, submission, user_id_of
from sqlalchemy import func, select

from handlers.case_audit.ids import CHECKLIST_TICK, OPEN_RECORD
from storage.channels import bindings
from storage.models import AuditRecord, ChecklistTick, InboundEvent, OutboxMessage


async def count(council: Council, model: type[Any]) -> int:
    async with council.qabot.deps.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def sent_row(council: Council, key_prefix: str, staff_id: str = "") -> OutboxMessage:
    query = select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(key_prefix))
    if staff_id:
        query = query.where(OutboxMessage.recipient == f"person:{staff_id}")
    async with council.qabot.deps.sessions() as session:
        found = await session.scalar(query.order_by(OutboxMessage.id.desc()).limit(1))
    assert found is not None and found.platform_message_id is not None
    return found


def dm(text: str, user_id: str, event_id: str) -> dict[str, Any]:
    body = reference("bolt__test_message__message_body.json")
    body["event"].update(text=text, user=user_id, channel="D0S06", channel_type="im", blocks=[])
    body["event_id"] = event_id
    return body


# Security


async def test_a_forged_or_stale_or_odd_request_gets_401_and_changes_nothing(
    council: Council,
) -> None:
    body, content_type = as_json(dm("help", "U0S06", "Ev0001"))
    now = int(council.clock.now().timestamp())
    forged = signed_headers(body, now, secret="not-the-secret")
    stale = signed_headers(body, now - 301)
    odd = [
        {**signed_headers(body, now), "X-Slack-Request-Timestamp": stamp}
        for stamp in ("soon", "1e9", f"{now}.0", "\u0661\u0662\u0663", "-1", "9" * 40)
    ]
    for headers in (forged, stale, *odd, {}):
        response = await council.http.post(
            "/slack/events", data=body, headers={"Content-Type": content_type, **headers}
        )
        assert response.status == 401
    assert council.slack.calls == []
    assert await count(council, InboundEvent) == 0


async def test_a_refused_request_body_is_never_logged_even_at_debug(
    council: Council, caplog: pytest.LogCaptureFixture
) -> None:
    body, content_type = as_json(dm("my secret reflection", "U0S06", "Ev0009"))
    now = int(council.clock.now().timestamp())
    caplog.set_level(logging.DEBUG)
    for headers in (signed_headers(body, now, secret="forged"), signed_headers(body, now - 999)):
        response = await council.http.post(
            "/slack/events", data=body, headers={"Content-Type": content_type, **headers}
        )
        assert response.status == 401
    assert "secret reflection" not in caplog.text


async def test_a_body_over_a_megabyte_is_refused(council: Council) -> None:
    body = "x" * (1024 * 1024 + 1)
    response = await council.http.post(
        "/slack/events",
        data=io.BytesIO(body.encode()),
        headers={"Content-Type": "text/plain", **signed_headers(body, 0)},
    )
    assert response.status == 413
    assert await count(council, InboundEvent) == 0


async def test_url_verification_is_answered(council: Council) -> None:
    body = reference("bolt__test_events_url_verification__event_body.json")
    response = await council.post(*as_json(body))
    assert response.status == 200
    assert (await response.json())["challenge"] == body["challenge"]


# Words


async def test_a_dm_is_answered_once_however_often_slack_retries_it(council: Council) -> None:
    body = as_json(dm("help", "U0S06", "Ev0002"))
    assert (await council.post(*body)).status == 200
    retried = await council.post(*body, **{"X-Slack-Retry-Num": "1"})
    assert retried.status == 200
    replies = [c for c in council.slack.called("chat.postMessage") if c["channel"] == "D0S06"]
    assert len(replies) == 1 and replies[0]["blocks"]
    assert await count(council, InboundEvent) == 1


async def test_slack_retries_are_recognised_and_told_not_to_retry(council: Council) -> None:
    body = as_json(dm("help", "U0S06", "Ev0003"))
    first = await council.post(*body)
    assert first.status == 200 and "X-Slack-No-Retry" not in first.headers
    retried = await council.post(
        *body, **{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert retried.status == 200 and retried.headers.get("X-Slack-No-Retry") == "1"
    assert await count(council, InboundEvent) == 1


async def test_a_first_delivery_marked_as_a_retry_is_still_handled(council: Council) -> None:
    """qabot restarted between Slack's tries: the retry is the first it hears of the event."""
    body = as_json(dm("help", "U0S06", "Ev0004"))
    retried = await council.post(*body, **{"X-Slack-Retry-Num": "1"})
    assert retried.status == 200 and "X-Slack-No-Retry" not in retried.headers
    assert await count(council, InboundEvent) == 1


async def test_qa_slash_command_replies_in_the_persons_dm(council: Council) -> None:
    fields = reference("bolt__test_slash_command__slash_command_body.parsed.json")
    fields.update(command="/qa", text="my qa", user_id="U0S06", trigger_id="111.222.cmd")
    response = await council.post(*as_command(fields))
    assert response.status == 200
    replies = [c for c in council.slack.called("chat.postMessage") if c["channel"] == "D0S06"]
    assert len(replies) == 1


async def test_someone_not_on_the_roster_is_told_so(council: Council) -> None:
    fields = reference("bolt__test_slash_command__slash_command_body.parsed.json")
    fields.update(command="/qa", text="help", user_id="U9STRANGER", trigger_id="111.222.who")
    response = await council.post(*as_command(fields))
    assert "roster" in (await response.text())
    assert await count(council, InboundEvent) == 0


# Interactivity


async def test_ticking_the_checklist_updates_the_message_in_place(council: Council) -> None:
    await allocate(council)
    notified = await sent_row(council, "audit.notified:", "S06")
    blocks = next(
        c["blocks"] for c in council.slack.called("chat.postMessage")
        if c["channel"] == notified.platform_conversation and "checkboxes" in json.dumps(c)
    )  # fmt: skip
    boxes = next(b for b in blocks if b["type"] == "actions" and "block_id" in b)
    first = boxes["elements"][0]["options"][0]
    action = {
        "type": "checkboxes",
        "action_id": CHECKLIST_TICK,
        "block_id": boxes["block_id"],
        "selected_options": [first],
    }
    response = await council.interact(clicked(notified, "U0S06", action))
    assert response.status == 200
    assert await count(council, ChecklistTick) == 1
    updates = council.slack.called("chat.update")
    assert [(u["channel"], u["ts"]) for u in updates] == [
        (notified.platform_conversation, notified.platform_message_id)
    ]
    assert '"initial_options"' in json.dumps(updates[0]["blocks"])


async def test_the_audit_record_form_opens_as_a_modal_and_checks_its_fields(
    council: Council,
) -> None:
    await allocate(council)
    allocated = await sent_row(council, "audit.allocated:")
    auditor = allocated.recipient.removeprefix("person:")
    auditor_user = user_id_of(auditor)
    button = {"type": "button", "action_id": OPEN_RECORD, "value": allocated.idempotency_key
              .split(":")[1], "block_id": "b"}  # fmt: skip
    await council.interact(clicked(allocated, auditor_user, button))
    form_row = await sent_row(council, "reply:slack:", auditor)
    form_post = council.slack.called("chat.postMessage")[-1]
    opener = next(
        e for b in form_post["blocks"] if b["type"] == "actions"
        for e in b["elements"] if e["action_id"].startswith("open_form:")
    )  # fmt: skip
    await council.interact(clicked(form_row, auditor_user, {**opener, "type": "button"}))
    (opened,) = council.slack.called("views.open")
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    assert view["callback_id"] == "audit.record" and view["type"] == "modal"

    blank = await council.interact(submission(view, auditor_user, {}))
    problems = await blank.json()
    assert problems["response_action"] == "errors" and "grade" in problems["errors"]
    assert {"grade", "grade_reason"} <= set(problems["errors"])  # every problem at once
    assert await count(council, AuditRecord) == 0
    owner = next(b for b in view["blocks"] if b.get("block_id") == "action_1_owner")
    assert owner["element"]["type"] == "static_select"  # a people picker: name, role, team
    assert " — " in owner["element"]["initial_option"]["text"]["text"]

    grade = first_choice(view, "grade")
    unknown = await council.interact(submission(view, auditor_user, {
        "grade": grade, "grade_reason": "Clear.", "action_2": "Review the plan",
        "action_2_owner": "Nobody We Know"}))  # fmt: skip
    assert list((await unknown.json())["errors"]) == ["action_2_owner"], "beside action 2's own"
    assert await count(council, AuditRecord) == 0
    # shown beside the field only: not sent as a DM as well
    async with council.qabot.deps.sessions() as session:
        problems_sent = await session.scalar(
            select(func.count()).where(OutboxMessage.message_type == "user_error")
        )
    assert problems_sent == 0
    saved = await council.interact(
        submission(view, auditor_user, {"grade": grade, "grade_reason": "Clear, child-led plan."})
    )
    assert saved.status == 200 and not (await saved.text())
    assert await count(council, AuditRecord) == 1


def first_choice(view: dict[str, Any], field: str) -> str:
    block = next(b for b in view["blocks"] if b.get("block_id") == field)
    return str(block["element"]["options"][0]["value"])


# Channels


async def test_qa_post_role_here_in_a_channel_binds_it_and_in_a_dm_does_not(
    council: Council,
) -> None:
    fields = reference("bolt__test_slash_command__slash_command_body.parsed.json")
    fields.update(command="/qa", text="post practice-week here", user_id="U0S08")
    fields.update(trigger_id="111.222.dm", channel_id="D0S08", channel_name="directmessage")
    assert (await council.post(*as_command(fields))).status == 200
    assert await practice_week(council) == []
    fields.update(trigger_id="111.222.bind", channel_id="C0PW", channel_name="practice-week")
    assert (await council.post(*as_command(fields))).status == 200
    assert await practice_week(council) == [("slack", "C0PW")]


async def practice_week(council: Council) -> list[tuple[str, str]]:
    async with council.qabot.deps.sessions() as session:
        found = await bindings(session)
    return [(b.platform, b.channel_id) for b in found if b.role == "practice-week"]
