"""Reassign, the fourth of a manager's buttons on an escalation: the manager picks another
person (a people picker: name, role and team), the audit or action moves to them, and both
are told. An item whose due date has passed, or is less than a working week away, is given a
working week from today (the rule of "extend"), so the reminders and the escalation start
afresh from a date the new person can meet. Checked whole like every form: a name that is no
one, or the person who has it already, comes back beside the field and nothing moves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.agreed import forget_in_place
from handlers.case_audit.escalations import Escalations, _Item, fair_due
from handlers.case_audit.ids import (
    ACTION_DONE,
    ESCALATION_REASSIGN,
    ESCALATION_REASSIGN_SAVE,
    OPEN_RECORD,
)
from handlers.core.delivery import enqueue
from handlers.core.deps import Deps
from handlers.core.parsing import first_name
from handlers.core.people import chosen_person, people_to_pick
from handlers.core.recipients import dm
from handlers.core.router import Handler, Inbound, Reply, Selector
from handlers.core.welcome import welcome_first
from handlers.errors import check_form
from message_templates.model import Button, Form, FormField, Message
from storage.case_audit import escalations as records
from storage.case_audit.people import PersonRef
from storage.people import StaffMember

FORM = "escalation_reassign_form"
FIELD = "person"


class Reassign:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.escalations = Escalations(deps)

    def routes(self) -> list[tuple[Selector, Handler]]:
        return [
            (("action", ESCALATION_REASSIGN), self.open),
            (("form", ESCALATION_REASSIGN_SAVE), self.save),
        ]

    async def open(self, session: AsyncSession, event: Inbound) -> Reply:
        item, manager = await self.escalations.find(session, event)
        return Reply(message=await self._form(session, item, manager))

    async def _form(self, session: AsyncSession, item: _Item, manager: PersonRef) -> Message:
        context = {"name": first_name(manager.name), "person_name": item.owner.name,
                   "about": item.about}  # fmt: skip

        def label(block: str) -> str:
            return self.deps.wording.label(FORM, block, context)

        people = await people_to_pick(session, (manager.staff_id, item.owner.staff_id))
        choices = tuple(c for c in people if c.value != item.owner.staff_id)
        field = FormField(FIELD, label("field_person"), "person", True, choices,
                          hint=label("hint_person"), max_length=200)  # fmt: skip
        form = Form(ESCALATION_REASSIGN_SAVE, label("button_submit"), (field,), item.item,
                    open_label=label("button_open"))  # fmt: skip
        meta = {"type": "escalation.reassign_form", "item": item.item, "manager": manager.staff_id}
        return self.deps.wording.compose(FORM, context, form=form, meta=meta)

    async def save(self, session: AsyncSession, event: Inbound) -> Reply:
        item, manager = await self.escalations.find(session, event)
        person = await chosen_person(session, event.field(FIELD))
        errors = {}
        if isinstance(person, str):
            errors[FIELD] = person
        elif person.staff_id == item.owner.staff_id:
            errors[FIELD] = f"It's with {person.name} already: pick someone else."
        check_form(await self._form(session, item, manager), dict(event.fields), errors)
        assert isinstance(person, StaffMember)
        await records.reassign(session, item.item, person.id)
        # a date passed or days away is no fair start for them: a working week, as "extend" gives
        calendar = self.deps.calendar
        due = fair_due(calendar, calendar.local_date(self.deps.clock.now()), item.due)
        if due != item.due:
            number = int(item.item.partition(":")[2])
            move = records.move_allocation_due if item.view is not None else records.move_action_due
            await move(session, number, due)
        if item.view is not None:  # a time its old auditor agreed goes with them
            await forget_in_place(self.deps, session, item.view, self.deps.clock.now())
        await self._tell(session, item, manager, person, due)
        self.escalations.log(session, "escalation.reassigned", item, manager)
        return self.escalations.answer("reassigned", item, manager, due, person.name)

    async def _tell(
        self,
        session: AsyncSession,
        item: _Item,
        manager: PersonRef,
        person: StaffMember,
        due: dt.date,
    ) -> None:
        """The new person hears what is theirs now, due when, with its button; the one it came
        from hears that it has moved on."""
        deps, now = self.deps, self.deps.clock.now()
        context = {"name": first_name(person.name), "manager_name": manager.name,
                   "from_name": item.owner.name, "about": item.about, "due": due}  # fmt: skip
        if item.view is not None:
            label = deps.wording.label("escalation_reassigned", "button_record", context)
            button = Button(label, OPEN_RECORD, str(item.view.id), "primary")
        else:
            assert item.action is not None
            label = deps.wording.label("escalation_reassigned", "button_done", context)
            button = Button(label, ACTION_DONE, str(item.action.id), "primary")
        meta = {"type": "escalation.reassigned", "item": item.item, "owner": person.staff_id,
                "manager": manager.staff_id, "due": due.isoformat()}  # fmt: skip
        given = deps.wording.compose("escalation_reassigned", context, buttons=(button,), meta=meta)
        if person.id != manager.id:  # a manager taking it on knows already
            when = deps.calendar.next_dm_time(now, person.away_until)
            await welcome_first(deps, session, person.staff_id, when, now)  # someone new
            await enqueue(deps, session, key=keys.reassigned(item.item, person.staff_id),
                          recipient=dm(person.staff_id), message=given, not_before=when,
                          now=now)  # fmt: skip
        told = {"name": first_name(item.owner.name), "manager_name": manager.name,
                "to_name": person.name, "about": item.about}  # fmt: skip
        released = deps.wording.compose(
            "escalation_released", told, meta={"type": "escalation.released", "item": item.item}
        )
        await enqueue(deps, session, key=keys.released(item.item, item.owner.staff_id),
                      recipient=dm(item.owner.staff_id), message=released,
                      not_before=deps.calendar.next_dm_time(now, item.owner.away_until),
                      now=now)  # fmt: skip
