"""Walking qabot in Slack as people would, over HTTP (signed POSTs to /slack/events) or Socket
Mode (envelopes on the WebSocket stand-in): clicks, slash commands, DMs, modals opened and
submitted, all as Slack's real payloads reshaped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_council import PEOPLE, Council, reference
from slack_signing import as_command, as_json
from slack_socket_standin import SocketModeStandIn
from sqlalchemy import select

from storage.models import OutboxMessage


@dataclass(frozen=True)
class Answer:
    """Slack's view of qabot's acknowledgement: a status and the body, if any."""

    status: int
    body: dict[str, Any] | None


class Walk:
    """One council, reached over HTTP or over Socket Mode (`socket` set)."""

    def __init__(self, council: Council, socket: SocketModeStandIn | None = None) -> None:
        self.council = council
        self.socket = socket
        self.slack = council.slack

    @property
    def mode(self) -> str:
        return "socket" if self.socket is not None else "http"

    async def _send(self, kind: str, payload: Any, retry: int | None = None) -> Answer:
        if self.socket is not None:
            ack = await self.socket.send(kind, payload, retry_attempt=retry)
            assert self.council.qabot.slack is not None
            await self.council.qabot.slack.settle()
            return Answer(200, ack.get("payload"))
        headers = {"X-Slack-Retry-Num": str(retry)} if retry is not None else {}
        if kind == "interactive":
            response = await self.council.interact(payload)
        elif kind == "slash_commands":
            response = await self.council.post(*as_command(payload))
        else:
            response = await self.council.post(*as_json(payload), **headers)
        text = await response.text()
        body = json.loads(text) if text.startswith("{") else ({"text": text} if text else None)
        return Answer(response.status, body)

    async def interact(self, payload: dict[str, Any]) -> Answer:
        return await self._send("interactive", payload)

    async def command(self, fields: dict[str, str]) -> Answer:
        return await self._send("slash_commands", fields)

    async def event(self, body: dict[str, Any], retry: int | None = None) -> Answer:
        return await self._send("events_api", body, retry)

    # what qabot posted

    def blocks_of(self, row: OutboxMessage) -> list[dict[str, Any]]:
        posted = self.slack.posted[str(row.platform_message_id)]
        blocks = posted["blocks"]
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    def element(self, row: OutboxMessage, action_prefix: str) -> dict[str, Any]:
        return next(
            e for b in self.blocks_of(row) if b["type"] == "actions"
            for e in b["elements"] if str(e.get("action_id", "")).startswith(action_prefix)
        )  # fmt: skip

    async def row(self, key_prefix: str, recipient: str = "") -> OutboxMessage:
        query = select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith(key_prefix))
        if recipient:
            query = query.where(OutboxMessage.recipient == f"person:{recipient}")
        async with self.council.qabot.deps.sessions() as session:
            found = await session.scalar(query.order_by(OutboxMessage.id.desc()).limit(1))
        assert found is not None and found.platform_message_id, f"nothing sent for {key_prefix}"
        return found

    async def of_kind(self, kind: str, recipient: str) -> OutboxMessage:
        query = select(OutboxMessage).where(
            OutboxMessage.message_type == kind, OutboxMessage.recipient == f"person:{recipient}"
        )
        async with self.council.qabot.deps.sessions() as session:
            found = await session.scalar(query.order_by(OutboxMessage.id.desc()).limit(1))
        assert found is not None and found.platform_message_id, f"no {kind} for {recipient}"
        return found

    # people's moves

    async def click(self, row: OutboxMessage, staff_id: str, action_prefix: str) -> Answer:
        element = self.element(row, action_prefix)
        action = {"type": "button", "block_id": "b", **element}
        return await self.interact(clicked(row, user_id_of(staff_id), action))

    async def open_form(self, row: OutboxMessage, staff_id: str, via: str = "") -> dict[str, Any]:
        """The modal a person opens from `row`: through the button `via` first (whose reply
        carries the form) when given, then the form's own button; returns the view opened."""
        if via:
            before = len(self.slack.called("views.open"))
            await self.click(row, staff_id, via)
            if len(self.slack.called("views.open")) == before:
                row = await self.row("reply:slack:", staff_id)
                await self.click(row, staff_id, "open_form:")
        else:
            await self.click(row, staff_id, "open_form:")
        opened = self.slack.called("views.open")[-1]
        view = opened["view"]
        return json.loads(view) if isinstance(view, str) else dict(view)

    async def submit(
        self, view: dict[str, Any], staff_id: str, answers: dict[str, str] | None = None
    ) -> Answer:
        return await self.interact(submission(view, user_id_of(staff_id), answers or {}))


def filled(view: dict[str, Any], answers: dict[str, str]) -> dict[str, str]:
    """Answers for every required input of a modal not already filled in, `answers` first."""
    out = dict(answers)
    for block in view["blocks"]:
        if block["type"] != "input" or block["block_id"] in out or block.get("optional"):
            continue
        element = block["element"]
        if element["type"] == "plain_text_input" and not element.get("initial_value"):
            out[block["block_id"]] = f"Noted ({block['block_id']})."
        elif element["type"] == "static_select" and not element.get("initial_option"):
            out[block["block_id"]] = str(element["options"][0]["value"])
    return out


def user_id_of(staff_id: str) -> str:
    """The Slack user id the stand-in workspace knows this person by."""
    on_roster = next(p[5] for p in PEOPLE if p[0] == staff_id)
    return on_roster or f"U1{staff_id}"


def clicked(row: OutboxMessage, user_id: str, action: dict[str, Any]) -> dict[str, Any]:
    """Slack's block_actions payload for a click on the message `row` was delivered as."""
    body = reference("bolt__test_block_actions__body.json")
    body["user"]["id"] = user_id
    body["container"] = {
        "type": "message",
        "message_ts": row.platform_message_id,
        "channel_id": row.platform_conversation,
        "is_ephemeral": False,
    }
    body["channel"] = {"id": row.platform_conversation, "name": "directmessage"}
    body["actions"] = [{"action_ts": f"1800000100.{row.id:06d}", **action}]
    return body


def submission(view: dict[str, Any], user_id: str, answers: dict[str, str]) -> dict[str, Any]:
    """Slack's view_submission for the modal `view` with these answers typed in."""
    body = reference("bolt__test_view_submission__body.json")
    body["user"]["id"] = user_id
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        answer = answers.get(block["block_id"], "")
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] == "static_select":
            state["selected_option"] = {"value": answer} if answer else None
        elif element["type"] == "datepicker":
            state["selected_date"] = answer or element.get("initial_date")
        elif element["type"] == "checkboxes":
            state["selected_options"] = []
        else:
            state["value"] = answer or element.get("initial_value")
        values[block["block_id"]] = {element["action_id"]: state}
    body["view"].update(
        callback_id=view["callback_id"],
        private_metadata=view["private_metadata"],
        blocks=view["blocks"],
        state={"values": values},
    )
    return body
