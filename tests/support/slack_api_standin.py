"""A Slack Web API stand-in on loopback: records every call and answers as Slack does.

The real slack_sdk client is pointed at it (`QABOT_SLACK_API_URL`). `fail_next` makes the next
call of a method answer with an HTTP status (a 429 with Retry-After, say) or a Slack error.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

Answer = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class Failure:
    status: int = 200
    error: str = ""
    retry_after: int | None = None


@dataclass
class SlackApiStandIn:
    """Slack's answers for the methods qabot uses; `users` maps email to Slack user id."""

    users: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    url: str = ""
    bot_user_id: str = "UQABOT"
    _failures: dict[str, list[Failure]] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, method: str, failure: Failure) -> None:
        self._failures.setdefault(method, []).append(failure)

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        self.calls.append(Call(method, args))
        if not request.headers.get("Authorization", "").startswith("Bearer xoxb-"):
            return web.json_response({"ok": False, "error": "not_authed"})
        failures = self._failures.get(method)
        if failures:
            return _failed(failures.pop(0))
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response({"ok": True, **answer(args)})

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"user_id": self.bot_user_id, "bot_id": "BQABOT", "team_id": "T111", "user": "qabot"}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": "D" + str(args["users"]).lstrip("UW")}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = f"1800000000.{next(self._ts):06d}"
        return {"channel": args["channel"], "ts": ts, "message": {"text": args.get("text")}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": args["channel"], "ts": args["ts"], "text": args.get("text")}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": f"1800000000.{next(self._ts):06d}"}

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = self.users.get(str(args.get("email", "")).lower())
        if user_id is None:
            raise _SlackError("users_not_found")
        return {"user": {"id": user_id, "profile": {"email": args["email"]}}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        emails = {user_id: email for email, user_id in self.users.items()}
        if args.get("user") not in emails:
            raise _SlackError("user_not_found")
        return {"user": {"id": args["user"], "profile": {"email": emails[args["user"]]}}}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._ts):04d}", **_json(args["view"])}}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._ts):04d}", **_json(args["view"])}}


class _SlackError(Exception):
    pass


def _failed(failure: Failure) -> web.Response:
    headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
    body = {"ok": False, "error": failure.error or ("ratelimited" if failure.status == 429 else "")}
    return web.json_response(body, status=failure.status, headers=headers)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        args.update(await request.json())
    elif request.can_read_body:
        args.update((await request.post()).items())
    return args


@asynccontextmanager
async def running(stand_in: SlackApiStandIn) -> AsyncIterator[SlackApiStandIn]:
    """Serve the stand-in on a free loopback port; its `url` is the Web API base."""
    server = TestServer(_errors_as_slack(stand_in), host="127.0.0.1")
    await server.start_server()
    stand_in.url = str(server.make_url("/api/"))
    try:
        yield stand_in
    finally:
        await server.close()


def _errors_as_slack(stand_in: SlackApiStandIn) -> web.Application:
    @web.middleware
    async def slack_errors(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except _SlackError as error:
            return web.json_response({"ok": False, "error": str(error)})
        return response

    app = stand_in.app()
    app.middlewares.append(slack_errors)
    return app
