"""When the auditor and the worker meet: either of them sets or changes the day and time they
agreed, from their allocation message (a button, then a short form) or in chat
(`meeting C-000123 on 02/03/2027 at 10:00`), and the other hears it in one short message.

The form is checked whole like every form: a day that has passed, is not a working day or falls
after the audit's deadline, or a time outside working hours, comes back beside its field and
nothing is stored. The reminders then count towards that day (handlers/case_audit/meeting.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.ids import OPEN_AGREED, SET_AGREED
from handlers.case_audit.meeting import clock_words
from handlers.case_audit.messages import allocated, audit_meta, case_audit, notified, term
from handlers.core.calendar import Calendar
from handlers.core.delivery import enqueue, settle
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_date, parse_id, parse_time, same_case
from handlers.core.recipients import dm
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.errors import UserError, check_form
from message_templates.model import Button, Choice, Form, FormField, Message
from storage.case_audit import audits
from storage.case_audit import escalations as records
from storage.case_audit.audits import AllocationView
from storage.case_audit.people import PersonRef
from storage.outbox import keys_to, update_in_place

FORM = "audit_agreed_form"
COMMAND = "meeting"
DAY, TIME = "day", "time"
SLOT = dt.timedelta(minutes=30)  # the form offers times to meet every half hour
_FILLER = {"on", "at"}  # "meeting C-000123 on 02/03/2027 at 10:00": the little words may go


@dataclass(frozen=True)
class Sides:
    """Who set the time (`me`) and who is told (`other`), of an audit's auditor and worker."""

    me: PersonRef
    other: PersonRef


def times(calendar: Calendar) -> tuple[dt.time, ...]:
    """The times the form offers: every half hour from the start of the working day until the
    last half hour before it ends."""
    start = dt.datetime.combine(dt.date(2000, 1, 1), calendar.day_start)
    end = dt.datetime.combine(dt.date(2000, 1, 1), calendar.day_end)
    found: list[dt.time] = []
    while start < end:
        found.append(start.time())
        start += SLOT
    return tuple(found)


def problems(
    deps: Deps, view: AllocationView, day: dt.date | None, time: dt.time | None, now: dt.datetime
) -> dict[str, str]:
    """What is wrong with a day and time to meet, by field; {} when they will do. An unreadable
    day or time (None) is the form's own check, so it is not named again here."""
    calendar = deps.calendar
    today, words = calendar.local_date(now), partial(deps.wording.label, FORM)
    found: dict[str, str] = {}
    context = {"due": view.due_on, "day": day, "start": clock_words(calendar.day_start),
               "end": clock_words(calendar.day_end)}  # fmt: skip
    if day is not None:
        if day < today:
            found[DAY] = words("problem_past", context)
        elif day > view.due_on:
            found[DAY] = words("problem_after_due", context)
        elif not calendar.is_working_day(day):
            found[DAY] = words("problem_not_working_day", context)
    if time is not None:
        if not calendar.day_start <= time < calendar.day_end:
            found[TIME] = words("problem_hours", context)
        elif day == today and time <= now.astimezone(calendar.zone).time():
            found[TIME] = words("problem_time_past", context)
    return found


def agreed_form(deps: Deps, view: AllocationView, sides: Sides) -> Message:
    """The day and time to meet, holding the ones agreed already."""
    activity = case_audit(deps.programme, view.activity)
    context = {"name": first_name(sides.me.name), "other_name": sides.other.name,
               "case_ref": view.case_ref, "audit": term(activity), "due": view.due_on,
               "meeting_on": view.agreed_on}  # fmt: skip
    label = partial(deps.wording.label, FORM, context=context)
    choices = tuple(Choice(clock_words(t), clock_words(t)) for t in times(deps.calendar))
    fields = (
        FormField(DAY, label("field_day"), "date", True, hint=label("hint_day"),
                  value=view.agreed_on.isoformat() if view.agreed_on else ""),
        FormField(TIME, label("field_time"), "select", True, choices,
                  value=clock_words(view.agreed_time)),
    )  # fmt: skip
    form = Form(SET_AGREED, label("button_submit"), fields, str(view.id),
                open_label=label("button_open"))  # fmt: skip
    meta = audit_meta("audit.agreed_form", view)
    return deps.wording.compose(FORM, context, form=form, meta=meta)


async def show_in_place(
    deps: Deps, session: AsyncSession, view: AllocationView, now: dt.datetime
) -> None:
    """The two people's own messages about the audit say when they meet, updated in place: the
    worker's checklist message (its button now "Change when you meet") and the auditor's
    allocation message, only the one that went to the present auditor."""
    activity = case_audit(deps.programme, view.activity)
    await update_in_place(session, keys.notified(view.id), notified(deps, view, activity), now)
    auditor = view.auditor.staff_id
    mine = (keys.allocated(view.id), keys.allocated_again(view.id, auditor))
    for key in await keys_to(session, mine, dm(auditor)):
        await update_in_place(session, key, allocated(deps, view, activity), now)


async def forget_in_place(
    deps: Deps, session: AsyncSession, before: AllocationView, now: dt.datetime
) -> None:
    """An audit given to another auditor (its agreed time already cleared with the move): no
    message goes on showing the time the old auditor agreed. The worker's checklist message
    says the new auditor and no time; the old auditor's allocation message drops the time and
    is settled as given on."""
    after = await audits.allocation(session, before.id)
    if before.agreed_on is None or after is None:
        return
    activity = case_audit(deps.programme, before.activity)
    await update_in_place(session, keys.notified(after.id), notified(deps, after, activity), now)
    old = before.auditor.staff_id
    theirs = await keys_to(session, (keys.allocated(before.id),
                                     keys.allocated_again(before.id, old)), dm(old))  # fmt: skip
    unagreed = replace(before, agreed_on=None, agreed_time=None)
    for key in theirs:
        await update_in_place(session, key, allocated(deps, unagreed, activity), now)
    await settle(deps, session, theirs, f"Given to {after.auditor.name}")


class AgreedTime:
    """The button, the form and the chat command that set when an audit's two people meet."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [
            (("action", OPEN_AGREED), self.open),
            (("form", SET_AGREED), self.save),
            (("command", COMMAND), self.command),
        ]

    async def open(self, session: AsyncSession, event: Inbound) -> Reply:
        view, sides = await self._find(session, parse_id(event.value), event.staff_id)
        return Reply(message=agreed_form(self.deps, view, sides))

    async def save(self, session: AsyncSession, event: Inbound) -> Reply:
        """Check the day and time, beside each field; then store them and tell the other."""
        view, sides = await self._find(session, parse_id(event.value), event.staff_id)
        day, time = parse_date(event.field(DAY).strip()), parse_time(event.field(TIME))
        errors = problems(self.deps, view, day, time, self.deps.clock.now())
        check_form(agreed_form(self.deps, view, sides), dict(event.fields), errors)
        assert day is not None and time is not None
        return Reply(message=await self._agree(session, view, sides, day, time))

    async def command(self, session: AsyncSession, event: Inbound) -> Reply:
        """`meeting C-000123 on 02/03/2027 at 10:00`: the same as the form, in one line."""
        words = [w for w in event.text.split()[1:] if w.lower() not in _FILLER]
        if len(words) != 3:
            raise UserError(self._words("problem_command", {}))
        case_ref, day_text, time_text = words
        view, sides = await self._by_case(session, case_ref, event.staff_id)
        day, time = parse_date(day_text), parse_time(time_text)
        found = problems(self.deps, view, day, time, self.deps.clock.now())
        if day is None:
            found[DAY] = self._words("problem_day_unread", {"text": day_text})
        if time is None:
            found[TIME] = self._words("problem_time_unread", {"text": time_text})
        if found:
            raise UserError(" ".join(found[f] for f in (DAY, TIME) if f in found))
        assert day is not None and time is not None
        return Reply(message=await self._agree(session, view, sides, day, time))

    def _words(self, block: str, context: dict[str, object]) -> str:
        return self.deps.wording.label(FORM, block, context)

    async def _find(
        self, session: AsyncSession, allocation_id: int, staff_id: str
    ) -> tuple[AllocationView, Sides]:
        view = await audits.allocation(session, allocation_id)
        if view is None:
            raise UserError("I can't find that audit any more. Your QA team can help.")
        return view, self._sides(view, staff_id)

    async def _by_case(
        self, session: AsyncSession, case_ref: str, staff_id: str
    ) -> tuple[AllocationView, Sides]:
        """The open audit of this case that the person is the auditor or the worker of; the
        reference as typed, in any case ("c-000123")."""
        found = await audits.allocations(session, statuses=("allocated",), staff_id=staff_id)
        mine = [v for v in found if same_case(case_ref, v.case_ref)]
        if not mine:
            raise UserError(self._words("problem_no_audit", {"case_ref": case_ref}))
        return mine[-1], self._sides(mine[-1], staff_id)

    def _sides(self, view: AllocationView, staff_id: str) -> Sides:
        auditor, worker = view.auditor, view.practitioner
        if staff_id not in (auditor.staff_id, worker.staff_id):
            raise UserError(f"Only {auditor.name} and {worker.name} can set when they meet.")
        if view.status != "allocated":
            raise UserError("This audit is recorded now, so there's no meeting to set. Thank you!")
        me, other = (auditor, worker) if staff_id == auditor.staff_id else (worker, auditor)
        return Sides(me, other)

    async def _agree(
        self, session: AsyncSession, view: AllocationView, sides: Sides, day: dt.date,
        time: dt.time,
    ) -> Message:  # fmt: skip
        """Store the day and time, log who set them, tell the other person; the thanks."""
        deps, now = self.deps, self.deps.clock.now()
        await audits.set_agreed(session, view.id, day, time)
        await show_in_place(deps, session, replace(view, agreed_on=day, agreed_time=time), now)
        records.record(session, at=now, actor=sides.me.staff_id, action="audit.agreed",
                       subject=f"audit:{view.id}", day=day.isoformat(),
                       time=clock_words(time))  # fmt: skip
        activity = case_audit(deps.programme, view.activity)
        context = {"case_ref": view.case_ref, "audit": term(activity), "meeting_on": day,
                   "meeting_at": clock_words(time),
                   "changed": view.agreed_on is not None}  # fmt: skip
        told = {**context, "name": first_name(sides.other.name), "setter_name": sides.me.name}
        change = Button(deps.wording.label("audit_agreed", "button_change", told), OPEN_AGREED,
                        str(view.id))  # fmt: skip
        meta = audit_meta("audit.agreed", view, meeting=f"{day.isoformat()}T{clock_words(time)}")
        message = deps.wording.compose("audit_agreed", told, buttons=(change,), meta=meta)
        await enqueue(deps, session, key=keys.agreed(view.id, day, time),
                      recipient=dm(sides.other.staff_id), message=message,
                      not_before=deps.calendar.next_dm_time(now, sides.other.away_until),
                      now=now)  # fmt: skip
        thanks = {**context, "name": first_name(sides.me.name), "other_name": sides.other.name}
        return deps.wording.compose("audit_agreed_saved", thanks, meta=meta)
