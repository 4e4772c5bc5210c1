"""The child-journey checklist: the practitioner ticks items in chat, the message updates in place.

A tick event either sets the whole checklist (value "<allocation_id>", ticked ids in field
"done", as Slack checkboxes and Teams toggles submit them) or toggles one item (value
"<allocation_id>:<item_id>"). Who changed each item, and when, is kept. The checklist message
(outbox key "audit.notified:<allocation_id>") is updated in place wherever the tick came from.

Only the items for the case's type are shown. An item that does not apply to this case can be
marked "not applicable" with a short reason (a button, then a form): it then counts as settled
and holds no reminder open; ticking it off again makes it an ordinary item.
"""

from __future__ import annotations

import dataclasses
import functools

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.case_audit import keys
from handlers.case_audit.ids import NOT_APPLICABLE
from handlers.case_audit.messages import (
    applicable,
    audit_meta,
    case_audit,
    checklist_updated,
    open_items,
)
from handlers.core.delivery import settle_reminders
from handlers.core.deps import Deps
from handlers.core.parsing import first_name, parse_id
from handlers.core.router import Inbound, Reply
from handlers.errors import UserError
from handlers.programme.schema import CaseAudit
from message_templates.model import CHECKLIST_FIELD, Choice, Form, FormField, Message
from storage.case_audit import audits
from storage.case_audit.audits import AllocationView
from storage.outbox import update_in_place

REASON_MAX = 300


def ticked_in(event: Inbound) -> set[str]:
    """Item ids a whole-checklist submission switched on (comma-joined, repeated or per item)."""
    found: set[str] = set()
    prefix = CHECKLIST_FIELD + "."
    for name, value in event.fields:
        if name == CHECKLIST_FIELD:
            found.update(v.strip() for v in value.split(",") if v.strip())
        elif name.startswith(prefix) and value.lower() in ("true", "on", "1"):
            found.add(name[len(prefix) :])
    return found


async def tick(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """Record the practitioner's ticks and re-show the checklist with its progress."""
    allocation_text, _, item = event.value.partition(":")
    view = await audits.allocation(session, parse_id(allocation_text))
    if view is None:
        raise UserError("I can't find that audit any more. Your QA team can help.")
    if event.staff_id != view.practitioner.staff_id:
        name = first_name(view.practitioner.name)
        raise UserError(f"Only {name} can tick this checklist: it's their record of the work.")
    if view.status != "allocated":
        raise UserError("This audit is recorded now, so its checklist is closed.")
    activity = case_audit(deps.programme, view.activity)
    known = [i.id for i in applicable(activity, view.case_type)]
    wanted = set(view.ticked) ^ {item} if item else ticked_in(event)
    unknown = sorted(wanted - set(known) - set(view.ticked))
    if unknown:
        raise UserError(f"The checklist has no item {unknown[0]!r}. Please tick from the message.")
    changes = {i: i in wanted for i in known if (i in wanted) != (i in view.ticked)}
    now = deps.clock.now()
    if changes:
        await audits.set_ticks(session, view.id, changes, by_id=view.practitioner.id, at=now)
    ticked = frozenset(wanted & set(known))
    updated = dataclasses.replace(view, ticked=ticked, not_applicable=view.not_applicable & ticked)
    message = checklist_updated(deps, updated, activity)
    if changes and set(known) <= updated.ticked:  # all done: its reminders know it
        await settle_reminders(deps, session, [view.practitioner.staff_id],
                               {"type": "checklist.reminder", "allocation_id": view.id},
                               "Checklist done")  # fmt: skip
    if event.source_key == keys.notified(view.id):
        return Reply(update=message)
    # Ticked from a gathered reminder: update the checklist message, leave the reminder whole.
    await update_in_place(session, keys.notified(view.id), message, now)
    return Reply()


async def _workers_open_checklist(
    deps: Deps, session: AsyncSession, event: Inbound
) -> tuple[AllocationView, CaseAudit]:
    view = await audits.allocation(session, parse_id(event.value))
    if view is None:
        raise UserError("I can't find that audit any more. Your QA team can help.")
    if event.staff_id != view.practitioner.staff_id:
        name = first_name(view.practitioner.name)
        raise UserError(f"Only {name} can change this checklist: it's their record of the work.")
    if view.status != "allocated":
        raise UserError("This audit is recorded now, so its checklist is closed.")
    return view, case_audit(deps.programme, view.activity)


def not_applicable_form(
    deps: Deps,
    view: AllocationView,
    activity: CaseAudit,
    *,
    item: str = "",
    reason: str = "",
    problem: str = "",
) -> Message:
    """Which item does not apply to this case, and why (a line): the worker's answer."""
    name = "checklist_not_applicable"
    context = {"name": first_name(view.practitioner.name), "case_ref": view.case_ref,
               "problem": problem}  # fmt: skip
    label = functools.partial(deps.wording.label, name, context=context)
    choices = tuple(Choice(i.text, i.id) for i in open_items(view, activity))
    fields = (
        FormField("item", label("field_item"), "select", True, choices, value=item),
        FormField("reason", label("field_reason"), "textarea", True, value=reason,
                  hint=label("hint_reason"), max_length=REASON_MAX),
    )  # fmt: skip
    form = Form(NOT_APPLICABLE, label("button_submit"), fields, str(view.id))
    meta = audit_meta("checklist.not_applicable_form", view)
    return deps.wording.compose(name, context, form=form, meta=meta)


async def open_not_applicable(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    view, activity = await _workers_open_checklist(deps, session, event)
    if not open_items(view, activity):
        raise UserError("Every item on this checklist is already settled. Thank you!")
    return Reply(message=not_applicable_form(deps, view, activity))


async def mark_not_applicable(deps: Deps, session: AsyncSession, event: Inbound) -> Reply:
    """Store the item as not applicable with the worker's reason; the checklist message shows
    it settled. A missing reason or an unknown item: the form again, keeping what was typed."""
    view, activity = await _workers_open_checklist(deps, session, event)
    item, reason = event.field("item").strip(), event.field("reason").strip()
    problem = ""
    if item not in {i.id for i in open_items(view, activity)}:
        problem = "item"
    elif not reason:
        problem = "reason"
    elif len(reason) > REASON_MAX:
        raise UserError(f"Please keep the reason to {REASON_MAX} characters or fewer.")
    if problem:
        text = deps.wording.label("checklist_not_applicable", f"problem_{problem}", {})
        return Reply(message=not_applicable_form(deps, view, activity, item=item, reason=reason,
                                                 problem=text))  # fmt: skip
    now = deps.clock.now()
    await audits.mark_not_applicable(session, view.id, item, reason, by_id=view.practitioner.id,
                                     at=now)  # fmt: skip
    updated = dataclasses.replace(
        view, ticked=view.ticked | {item}, not_applicable=view.not_applicable | {item}
    )
    message = checklist_updated(deps, updated, activity)
    await update_in_place(session, keys.notified(view.id), message, now)
    context = {"name": first_name(view.practitioner.name), "case_ref": view.case_ref,
               "item": next(i.text for i in activity.checklist if i.id == item)}  # fmt: skip
    meta = audit_meta("checklist.not_applicable", view, item=item)
    return Reply(message=deps.wording.compose("checklist_not_applicable_saved", context, meta=meta))
