"""A Slack Web API stand-in on loopback: records every call and answers as Slack does.

The real slack_sdk client is pointed at it (`QABOT_SLACK_API_URL`). `fail_next` makes the next
call of a method answer with an HTTP status (a 429 with Retry-After, say) or a Slack error.

Every call's arguments are checked against Slack's OpenAPI spec in the shared references
(required arguments present, none it does not know); methods the spec lacks
(`apps.connections.open`) are checked by hand; blocks and views against Block Kit's limits.
A call that fails a check answers `invalid_arguments` / `invalid_blocks` and is kept in
`problems`, which the tests' fixtures require to be empty. With `limits` set, Slack's rate
limits are enforced on the given clock: each paced method's tier over a 60-second window and
about one message a second per channel, a call over them answered 429 with Retry-After.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from platform_checks import MESSAGE_TEXT, block_problems, modal_problems, shared_reference

SPEC = "reference/slack/spec/slack_web_openapi_v2_without_examples.json"
# methods the spec lacks, checked by hand: their arguments and the token they need
NOT_IN_SPEC = {"apps.connections.open": (frozenset(), "xapp-")}
# arguments newer than the spec that Slack takes: Bolt's auth.test names the workspace
NEWER_THAN_SPEC = {"auth.test": frozenset({"team_id"})}
HOME_BLOCKS = 100
# Slack's published limits, per minute, for the methods qabot calls
TIERS = {
    "conversations.open": 50, "users.lookupByEmail": 50, "conversations.join": 50,
    "conversations.info": 50, "users.info": 100, "views.open": 100, "views.publish": 100,
}  # fmt: skip
PER_CHANNEL = ("chat.postMessage", "chat.update")

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
    socket_url: str = ""
    # channels qabot is not in yet (joined by conversations.join), and private ones it can't join
    outside: set[str] = field(default_factory=set)
    private: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    hooks: list[dict[str, Any]] = field(default_factory=list)
    limits: Callable[[], float] | None = None  # enforce Slack's rate limits on this clock
    limited: int = 0  # calls answered 429 by the enforced limits
    posted: dict[str, dict[str, Any]] = field(default_factory=dict)  # ts -> latest arguments
    _failures: dict[str, list[Failure]] = field(default_factory=dict)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _recent: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def fail_next(self, method: str, failure: Failure) -> None:
        self._failures.setdefault(method, []).append(failure)

    def hook_url(self, name: str) -> str:
        """A response_url answered by this stand-in."""
        return self.url.removesuffix("api/") + f"hooks/{name}"

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/hooks/{path:.*}", self._hook)
        return app

    async def _hook(self, request: web.Request) -> web.Response:
        """A response_url: what qabot said there, kept."""
        self.hooks.append(await request.json())
        return web.Response(text="ok")

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        self.calls.append(Call(method, args))
        token = NOT_IN_SPEC[method][1] if method in NOT_IN_SPEC else "xoxb-"
        if not request.headers.get("Authorization", "").startswith("Bearer " + token):
            return web.json_response({"ok": False, "error": "not_authed"})
        problem = argument_problem(method, args)
        if problem:
            self.problems.append(f"{method}: {problem}")
            return web.json_response({"ok": False, "error": "invalid_arguments"})
        problem = "; ".join(content_problems(method, args))
        if problem:
            self.problems.append(f"{method}: {problem}")
            return web.json_response({"ok": False, "error": "invalid_blocks"})
        failures = self._failures.get(method)
        if failures:
            return _failed(failures.pop(0))
        wait = self._over_limit(method, args)
        if wait is not None:
            self.limited += 1
            return _failed(Failure(status=429, retry_after=wait))
        answer = getattr(self, "_" + method.replace(".", "_"), None)
        if answer is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response({"ok": True, **answer(args)})

    def _over_limit(self, method: str, args: dict[str, Any]) -> int | None:
        """Seconds to wait if this call breaks Slack's limits (None when it does not)."""
        if self.limits is None:
            return None
        now = self.limits()
        if method in PER_CHANNEL:
            key, most, window = f"channel:{args.get('channel')}", 1, 1.0
        elif method in TIERS:
            key, most, window = method, TIERS[method], 60.0
        else:
            return None
        recent = self._recent[key]
        while recent and recent[0] <= now - window:
            recent.popleft()
        if len(recent) >= most:
            return max(1, math.ceil(recent[0] + window - now))
        recent.append(now)
        return None

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.socket_url}

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args["channel"])
        if channel in self.private:
            raise _SlackError("method_not_supported_for_channel_type")
        self.outside.discard(channel)
        return {"channel": {"id": channel, "is_member": True}}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"user_id": self.bot_user_id, "bot_id": "BQABOT", "team_id": "T111", "user": "qabot"}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": "D" + str(args["users"]).lstrip("UW")}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if args["channel"] in self.outside or args["channel"] in self.private:
            raise _SlackError("not_in_channel")
        ts = f"1800000000.{next(self._ts):06d}"
        self.posted[ts] = args
        return {"channel": args["channel"], "ts": ts, "message": {"text": args.get("text")}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        self.posted[str(args["ts"])] = args
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


@functools.cache
def _spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(shared_reference(SPEC).read_text(encoding="utf-8"))
    return loaded["paths"]


def argument_problem(method: str, args: dict[str, Any]) -> str:
    """What the spec (or, for a method it lacks, the hand check) says is wrong with the
    arguments: a required one missing or one the method does not take; "" when none."""
    if method in NOT_IN_SPEC:
        allowed: frozenset[str] = NOT_IN_SPEC[method][0]
        required: set[str] = set()
    else:
        operations = _spec().get("/" + method)
        if operations is None:
            return "not a Web API method"
        params = [p for op in operations.values() for p in op.get("parameters", [])]
        params = [p for p in params if p["in"] != "header" and p["name"] != "token"]
        allowed = frozenset(p["name"] for p in params)
        required = {p["name"] for p in params if p.get("required")}
    missing = sorted(required - set(args))
    unknown = sorted(set(args) - allowed - NEWER_THAN_SPEC.get(method, frozenset()) - {"token"})
    if missing or unknown:
        return f"missing {missing}, unknown {unknown}"
    return ""


def content_problems(method: str, args: dict[str, Any]) -> list[str]:
    """Block Kit's limits on a message's blocks or a view, and text set with blocks."""
    if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
        text = str(args.get("text") or "")
        problems = [] if 0 < len(text) <= MESSAGE_TEXT else ["text empty or too long"]
        if "blocks" in args:
            problems += block_problems(_json(args["blocks"]), 50)
        return problems
    if method in ("views.open", "views.publish", "views.update", "views.push"):
        view = _json(args["view"])
        if view.get("type") == "home":
            return block_problems(view["blocks"], HOME_BLOCKS)
        return modal_problems(view)
    return []


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
