"""The sandbox at /sandbox: pick a person, read what qabot sent them, and act as they would."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from bot.sandbox.render import anchor, to_html
from handlers.core.parsing import MAX_TEXT
from handlers.core.router import Inbound, Reply
from message_templates.model import Message
from message_templates.wording import role_label
from storage import Sessions
from storage.conversations import (
    Delivered,
    channels_posted,
    delivered_to,
    to_act_on,
    waiting_for,
)
from storage.people import StaffMember, count_people, person_by_staff_id, search_people
from storage.sandbox import Said, keep_clock, remember, said_by

HERE = Path(__file__).parent
PLATFORM = "sandbox"
MAX_FIELD = 5000
PLATFORM_LABELS = {"slack": "Slack", "teams": "Teams"}
MAX_POST = 64_000
MAX_TYPED_POST = 256 * 1024  # the whole request the app accepts (bot/app.py)
PEOPLE_SHOWN = 50
MINE_KEPT = 50  # a person's own recent messages and clicks the sandbox remembers
MINE_SHOWN = 500  # characters of a typed message shown back in the conversation

Handle = Callable[[Inbound], Awaitable[object]]


class TimeControl(Protocol):
    """The sandbox's clock, which a person may move on to see what qabot does next."""

    def now(self) -> dt.datetime: ...

    async def move_on(self, week: bool) -> None: ...

    async def afresh(self) -> None: ...


class SandboxSite:
    """Server-rendered pages; every click becomes an Inbound event through the router."""

    def __init__(
        self,
        sessions: Sessions,
        handle: Handle,
        time: TimeControl,
        zone: str = "Europe/London",
    ) -> None:
        self.sessions = sessions
        self.handle = handle
        self.time = time
        self.zone = ZoneInfo(zone)
        self.pages = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
        )

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/sandbox", self.people)
        app.router.add_get("/sandbox/people/{staff_id}", self.person)
        app.router.add_get("/sandbox/people/{staff_id}/conversation", self.conversation)
        app.router.add_post("/sandbox/people/{staff_id}/say", self.say)
        app.router.add_post("/sandbox/people/{staff_id}/act", self.act)
        app.router.add_get("/sandbox/channels/{channel}", self.channel)
        app.router.add_post("/sandbox/time", self.move_time)
        app.router.add_post("/sandbox/afresh", self.start_afresh)
        app.router.add_static("/sandbox/static", HERE / "static")

    async def people(self, request: web.Request) -> web.Response:
        query = request.query.get("q", "").strip()[:100]
        async with self.sessions() as session:
            found = await search_people(session, query, PEOPLE_SHOWN + 1)
            total = await count_people(session, active_only=True)
            channels = await channels_posted(session)
            shown = found[:PEOPLE_SHOWN]
            waiting = await to_act_on(session, [f"person:{p.staff_id}" for p in shown])
        people = [
            self._person_view(p) | {"waiting": waiting.get(f"person:{p.staff_id}", 0)}
            for p in shown
        ]
        return self._page(
            "people.html",
            query=query,
            people=people,
            more=len(found) > PEOPLE_SHOWN,
            total=total,
            channels=channels,
        )

    async def person(self, request: web.Request) -> web.Response:
        person = await self._person(request)
        await self.handle(
            self._event(person.staff_id, "hello", event_id=f"hello:{person.staff_id}")
        )
        version, entries, pending = await self._conversation(person.staff_id)
        return self._page(
            "person.html",
            person=self._person_view(person),
            entries=entries,
            pending=pending,
            version=version,
            event_id=uuid.uuid4().hex,
            back=f"/sandbox/people/{person.staff_id}",
        )

    async def conversation(self, request: web.Request) -> web.Response:
        """The conversation alone, for the page to poll: 204 while nothing has changed."""
        person = await self._person(request)
        version, entries, pending = await self._conversation(person.staff_id)
        if request.query.get("since") == version:
            return web.Response(status=204)
        html = self.pages.get_template("conversation.html").render(entries=entries, pending=pending)
        return web.Response(
            text=html,
            content_type="text/html",
            headers={"X-Version": version, "Cache-Control": "no-store"},
        )

    async def _conversation(self, staff_id: str) -> tuple[str, list[dict[str, object]], int]:
        """What qabot sent and what the person said, in order, and a digest that changes
        whenever any of it does."""
        recipient = f"person:{staff_id}"
        async with self.sessions() as session:
            sent = await delivered_to(session, recipient)
            pending = await waiting_for(session, recipient)
            mine = await said_by(session, staff_id, MINE_KEPT)
        digest = hashlib.sha256()
        for d in sent:
            digest.update(json.dumps([d.key, d.payload], sort_keys=True, default=str).encode())
        digest.update(f"|{len(mine)}|{mine[-1].at.isoformat() if mine else ''}|{pending}".encode())
        target = f"/sandbox/people/{staff_id}/act"
        timeline: list[tuple[dt.datetime, int, int, dict[str, object]]] = [
            (d.sent_at, 1, n, self._message_view(d, target)) for n, d in enumerate(sent)
        ]
        timeline += [(s.at, 0, n, self._said_view(s)) for n, s in enumerate(mine)]
        timeline.sort(key=lambda t: (t[0], t[1], t[2]))
        return digest.hexdigest()[:16], [t[3] for t in timeline], pending

    async def _remember(self, staff_id: str, text: str, *, pressed: bool, event_id: str) -> None:
        """Keep what was said, so the person's side of the chat survives a restart."""
        async with self.sessions.begin() as session:
            await remember(session, staff_id, Said(self.time.now(), text, pressed, event_id))

    def _said_view(self, said: Said) -> dict[str, object]:
        return {
            "mine": True,
            "text": said.text,
            "pressed": said.pressed,
            "when": _when(said.at.astimezone(self.zone)),
        }

    async def say(self, request: web.Request) -> web.Response:
        """Whatever is typed reaches qabot, which answers a blank or over-long message kindly
        in the conversation; the text is cut just past the limit, so it is never read whole."""
        person = await self._person(request)
        form = await self._form(request, typed="text")
        text = form.get("text", "").strip()[: MAX_TEXT + 1]
        if text:
            shown = text if len(text) <= MINE_SHOWN else text[:MINE_SHOWN] + "…"
            await self._remember(person.staff_id, shown, pressed=False, event_id=form["event_id"])
        await self.handle(
            self._event(person.staff_id, "text", event_id=form["event_id"], text=text)
        )
        raise web.HTTPSeeOther(f"/sandbox/people/{person.staff_id}#latest")

    async def act(self, request: web.Request) -> web.Response:
        person = await self._person(request)
        form = await self._form(request)
        action = form.get("action", "")
        if not action:
            raise web.HTTPBadRequest(text="That form did not say what to do.")
        kind = "form" if form.get("is_form") == "1" else "action"
        skip = {"action", "value", "event_id", "source_key", "is_form", "said"}
        fields = tuple((k, v) for k, v in form.items() if k not in skip)
        event = self._event(
            person.staff_id,
            kind,
            event_id=form["event_id"],
            name=action,
            value=form.get("value", ""),
            fields=fields,
            source_key=form.get("source_key", ""),
        )
        if form.get("said"):
            said = form["said"][:100]
            await self._remember(person.staff_id, said, pressed=True, event_id=form["event_id"])
        reply = await self.handle(event)
        raise web.HTTPSeeOther(f"/sandbox/people/{person.staff_id}#{_placed(reply, event)}")

    async def channel(self, request: web.Request) -> web.Response:
        """A channel's posts; read `?as=STAFF_ID`, its buttons ("I've read this") act as them."""
        name = request.match_info["channel"]
        reader_id = request.query.get("as", "")[:64]
        async with self.sessions() as session:
            sent = await delivered_to(session, f"channel:{name}")
            reader = await person_by_staff_id(session, reader_id) if reader_id else None
        target = f"/sandbox/people/{reader.staff_id}/act" if reader and reader.active else ""
        messages = [self._message_view(d, target) for d in sent]
        back = f"/sandbox/channels/{name}"
        if target and reader:
            back += f"?as={quote(reader.staff_id)}"
        return self._page(
            "channel.html", channel=name, messages=messages, back=back,
            reader=reader.staff_id if target and reader else reader_id, reading=bool(target),
        )  # fmt: skip

    async def move_time(self, request: web.Request) -> web.Response:
        """Jump to the next working morning or a week on, then run what falls due."""
        posted = await request.post()
        step = posted.get("to")
        if step not in ("morning", "week"):
            raise web.HTTPBadRequest(text="Move time to the next morning or a week on.")
        await self.time.move_on(step == "week")
        await self._keep_clock()
        back = str(posted.get("back", "/sandbox"))
        raise web.HTTPSeeOther(back if back.startswith("/sandbox") else "/sandbox")

    async def start_afresh(self, request: web.Request) -> web.Response:
        """Everything cleared, the demo council loaded again and the clock back to today;
        only when the person has said they are sure."""
        posted = await request.post()
        if posted.get("sure") != "yes":
            raise web.HTTPBadRequest(
                text="Nothing was cleared: tick “Yes, clear everything” to start afresh."
            )
        await self.time.afresh()
        await self._keep_clock()
        raise web.HTTPSeeOther("/sandbox")

    async def _keep_clock(self) -> None:
        """Where the clock has got to, kept so a restart carries on from there."""
        async with self.sessions.begin() as session:
            await keep_clock(session, self.time.now())

    async def _person(self, request: web.Request) -> StaffMember:
        staff_id = request.match_info["staff_id"]
        async with self.sessions() as session:
            person = await person_by_staff_id(session, staff_id)
        if person is None or not person.active:
            raise web.HTTPNotFound(text=f"No active person with staff id {staff_id[:64]!r}.")
        return person

    async def _form(self, request: web.Request, typed: str = "") -> dict[str, str]:
        """The posted form as text fields; each needs an event id so a resubmit is ignored.
        The `typed` field is a person's message, which may be of any length the app takes."""
        limit = MAX_POST if not typed else MAX_TYPED_POST
        if request.content_length and request.content_length > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
        posted = await request.post()
        form: dict[str, str] = {}
        for key, value in posted.items():
            if not isinstance(value, str) or (len(value) > MAX_FIELD and key != typed):
                raise web.HTTPBadRequest(
                    text=f"The field {key[:40]!r} is not plain text or too long."
                )
            form[key] = value if key not in form else f"{form[key]},{value}"
        if not form.get("event_id"):
            raise web.HTTPBadRequest(text="That form is missing its event id; reload the page.")
        return form

    def _event(self, staff_id: str, kind: str, *, event_id: str, **rest: object) -> Inbound:
        return Inbound(platform=PLATFORM, event_id=event_id, staff_id=staff_id, kind=kind, **rest)  # type: ignore[arg-type]

    def _message_view(self, delivered: Delivered, target: str) -> dict[str, object]:
        message = Message.from_dict(delivered.payload)
        # A fresh event id per page view: a resubmitted form is ignored, a new click is not.
        html: Markup = to_html(
            message, form_target=target, source_key=delivered.key, event_id=uuid.uuid4().hex
        )
        local = delivered.sent_at.astimezone(self.zone)
        return {
            "mine": False,
            "key": delivered.key,
            "kind": delivered.kind,
            "when": _when(local),
            "html": html,
            "updated": delivered.updated,
            # a message that went to Slack or Teams is shown too, labelled with where it went
            "platform": PLATFORM_LABELS.get(delivered.platform, delivered.platform)
            if delivered.platform != PLATFORM
            else "",
        }

    def _person_view(self, person: StaffMember) -> dict[str, str]:
        return {
            "staff_id": person.staff_id,
            "name": person.name,
            "role_label": role_label(person.role),
            "team": f"{person.team}, {person.service}",
        }

    def _page(self, name: str, **context: object) -> web.Response:
        now = _when(self.time.now().astimezone(self.zone))
        html = self.pages.get_template(name).render(now=now, **context)
        return web.Response(text=html, content_type="text/html")


def _placed(reply: object, event: Inbound) -> str:
    """Where the page opens after an action: a form that came back with problems, from its
    start (it was updated in place); otherwise the latest message."""
    returned = reply.update if isinstance(reply, Reply) else None
    if returned is not None and returned.form is not None and returned.form.problem:
        return anchor(event.source_key)
    return "latest"


def _when(at: dt.datetime) -> str:
    return at.strftime("%a %d %b %Y, %H:%M")
