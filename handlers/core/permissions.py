"""Who may do what the programme keeps to some roles (SPEC §7), asked the same way in chat and
at the command line: anyone else gets a polite refusal naming the roles that can."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import UserError
from handlers.programme.schema import Programme
from message_templates.wording import role_words
from storage.models import Person


@dataclass(frozen=True)
class Permission:
    """One restricted thing: the `Permissions` field naming its roles, and how to say it."""

    field: str
    doing: str


LOAD_SCHEDULES = Permission("practice_week", "load or draft a practice week's schedule")
QUEUE_BROADCASTS = Permission("broadcast", "queue newsletters and bitesize items")
READ_COUNTS = Permission("qa_team", "see how many people have read each broadcast")


class NotPermitted(UserError):
    """Someone asked for what their role may not do; nothing was done."""


def roles_for(programme: Programme, what: Permission) -> tuple[str, ...]:
    roles: tuple[str, ...] = getattr(programme.permissions, what.field)
    return roles


def may(programme: Programme, role: str, what: Permission) -> bool:
    return role in roles_for(programme, what)


def who_can(programme: Programme, what: Permission) -> str:
    """ "a QA manager, QA officer or principal social worker" """
    words = [role_words(role) for role in roles_for(programme, what)]
    if not words:
        return "no one (the programme names no role for it)"
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"
    article = "an" if listed[:1].lower() in "aeiou" else "a"
    return f"{article} {listed}"


def require(programme: Programme, role: str, what: Permission) -> None:
    """Raise NotPermitted, saying who can, unless `role` may do `what`."""
    if not may(programme, role, what):
        raise NotPermitted(
            f"Sorry, only {who_can(programme, what)} can {what.doing}. "
            "Please ask one of them, and they can do it for you."
        )


async def operator(
    session: AsyncSession, programme: Programme, staff_id: str | None, what: Permission
) -> Person:
    """The person running a command line that needs `what`: `--as STAFF_ID` (or the
    QABOT_STAFF_ID setting), active on the staff list, in a role that may do it."""
    if not staff_id:
        raise NotPermitted(
            f"say who you are with --as STAFF_ID: only {who_can(programme, what)} can {what.doing}"
        )
    person = await session.scalar(select(Person).where(Person.staff_id == staff_id))
    if person is None or not person.active:
        raise NotPermitted(f"no one active on the staff list has staff_id {staff_id!r}")
    require(programme, person.role, what)
    return person
