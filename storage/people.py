"""People, teams, services and cases from the HR roster: bulk import, and looking people up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, cast

from sqlalchemy import Select, String, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage._core import run
from storage.models import AuditLogEntry, Base, Case, Person, Service, Team


@dataclass(frozen=True)
class PersonRecord:
    """One validated row of people.csv; blank ids and last_observed keep what qabot has."""

    staff_id: str
    name: str
    email: str
    role: str
    team: str
    service: str
    manager_staff_id: str | None = None
    asye_start: dt.date | None = None
    last_observed: dt.date | None = None
    fte: float = 1.0
    slack_user_id: str | None = None
    teams_user_id: str | None = None
    active: bool = True


@dataclass(frozen=True)
class CaseRecord:
    """One validated row of cases.csv: a case reference and its allocated worker, nothing more."""

    case_ref: str
    practitioner_staff_id: str
    case_type: str
    opened_on: dt.date
    themes: tuple[str, ...] = ()
    status: str = "open"


@dataclass(frozen=True)
class Roster:
    """A whole validated import; with deactivate_missing, absent people leave and cases close."""

    people: tuple[PersonRecord, ...]
    cases: tuple[CaseRecord, ...]
    deactivate_missing: bool = False


@dataclass(frozen=True)
class KnownPerson:
    """What validation needs to know about someone already in the database."""

    staff_id: str
    email: str
    active: bool
    manager_staff_id: str | None


@dataclass(frozen=True)
class RosterChanges:
    people_added: int = 0
    people_updated: int = 0
    people_deactivated: int = 0
    cases_added: int = 0
    cases_updated: int = 0
    cases_closed: int = 0


@dataclass(frozen=True)
class StaffMember:
    """A person as other parts of qabot see them: plain data, never an ORM object."""

    id: int
    staff_id: str
    name: str
    email: str
    role: str
    team: str
    service: str
    manager_id: int | None
    manager_staff_id: str | None
    asye_start: dt.date | None
    last_observed: dt.date | None
    fte: float
    slack_user_id: str | None
    teams_user_id: str | None
    active: bool
    away_until: dt.date | None


async def known_people(session: AsyncSession) -> dict[str, KnownPerson]:
    """Everyone already in the database by staff_id, for validating an import against."""
    manager = aliased(Person)
    query = select(Person.staff_id, Person.email, Person.active, manager.staff_id).outerjoin(
        manager, Person.manager_id == manager.id
    )
    rows = (await session.execute(query)).all()
    return {row[0]: KnownPerson(row[0], row[1], row[2], row[3]) for row in rows}


async def apply_roster(
    session: AsyncSession, roster: Roster, *, now: dt.datetime, actor: str
) -> RosterChanges:
    """Upsert services, teams, people, manager links and cases in bulk, and log the import."""
    team_ids = await _upsert_teams(session, {(p.service, p.team) for p in roster.people})
    added, updated, deactivated = await _upsert_people(session, roster, team_ids, now)
    cases_added, cases_updated, cases_closed = await _upsert_cases(session, roster)
    changes = RosterChanges(added, updated, deactivated, cases_added, cases_updated, cases_closed)
    detail: dict[str, Any] = {**asdict(changes), "deactivate_missing": roster.deactivate_missing}
    subject = f"{len(roster.people)} people, {len(roster.cases)} cases"
    session.add(
        AuditLogEntry(at=now, actor=actor, action="roster.imported", subject=subject, detail=detail)
    )
    return changes


async def _upsert_teams(
    session: AsyncSession, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    services: dict[str, int] = dict((await session.execute(select(Service.name, Service.id))).all())
    new_services = sorted({service for service, _ in pairs} - services.keys())
    if new_services:
        await _insert(session, Service, [{"name": name} for name in new_services])
        services = dict((await session.execute(select(Service.name, Service.id))).all())
    teams = await _team_ids(session)
    new_teams = sorted(pairs - teams.keys())
    if new_teams:
        rows = [{"name": team, "service_id": services[service]} for service, team in new_teams]
        await _insert(session, Team, rows)
        teams = await _team_ids(session)
    return teams


async def _team_ids(session: AsyncSession) -> dict[tuple[str, str], int]:
    query = select(Service.name, Team.name, Team.id).join(Service, Team.service_id == Service.id)
    return {(row[0], row[1]): row[2] for row in (await session.execute(query)).all()}


_PERSON_FIELDS: tuple[str, ...] = ("name", "email", "role", "team_id", "asye_start", "fte")
_PERSON_FIELDS += ("last_observed", "slack_user_id", "teams_user_id", "active")
_KEPT_WHEN_BLANK = frozenset({"last_observed", "slack_user_id", "teams_user_id"})


async def _upsert_people(
    session: AsyncSession, roster: Roster, team_ids: dict[tuple[str, str], int], now: dt.datetime
) -> tuple[int, int, int]:
    columns = [getattr(Person, name) for name in ("id", "staff_id", "manager_id", *_PERSON_FIELDS)]
    existing = {row.staff_id: row for row in (await session.execute(select(*columns))).all()}
    inserts, updates = _plan_people(roster, existing, team_ids, now)
    # Changed emails pass through a placeholder first, so two people may swap theirs.
    moving = [
        {"id": u["id"], "email": f"moving-{u['id']}@qabot.invalid"} for u in updates if "email" in u
    ]
    await _update(session, Person, moving)
    await _update(session, Person, updates)
    await _insert(session, Person, inserts)
    ids: dict[str, int] = dict((await session.execute(select(Person.staff_id, Person.id))).all())
    relinked = await _link_managers(session, roster.people, existing, ids)
    deactivated = {u["id"] for u in updates if u.get("active") is False}
    updated = ({u["id"] for u in updates} | relinked) - deactivated
    return len(inserts), len(updated), len(deactivated)


def _plan_people(
    roster: Roster, existing: dict[str, Any], team_ids: dict[tuple[str, str], int], now: dt.datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """New rows to insert and changed columns by id; unchanged people are left alone."""
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for record in roster.people:
        values = _person_values(record, team_ids)
        old = existing.get(record.staff_id)
        if old is None:
            leaving = None if record.active else now
            inserts.append({"staff_id": record.staff_id, **values, "deactivated_at": leaving})
        elif diff := {k: v for k, v in values.items() if _changes(k, getattr(old, k), v)}:
            if "active" in diff:
                diff["deactivated_at"] = None if record.active else now
            updates.append({"id": old.id, **diff})
    if roster.deactivate_missing:
        listed = {record.staff_id for record in roster.people}
        updates += [
            {"id": row.id, "active": False, "deactivated_at": now}
            for staff_id, row in existing.items()
            if row.active and staff_id not in listed
        ]
    return inserts, updates


def _person_values(record: PersonRecord, team_ids: dict[tuple[str, str], int]) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in _PERSON_FIELDS if name != "team_id"}
    values["team_id"] = team_ids[(record.service, record.team)]
    return values


def _changes(field: str, old: object, new: object) -> bool:
    if new is None and field in _KEPT_WHEN_BLANK:
        return False
    return old != new


async def _link_managers(
    session: AsyncSession,
    people: Sequence[PersonRecord],
    existing: dict[str, Any],
    ids: dict[str, int],
) -> set[int]:
    links: list[dict[str, Any]] = []
    relinked: set[int] = set()
    for record in people:
        want = ids[record.manager_staff_id] if record.manager_staff_id else None
        old = existing.get(record.staff_id)
        if (old.manager_id if old is not None else None) != want:
            links.append({"id": ids[record.staff_id], "manager_id": want})
            if old is not None:
                relinked.add(old.id)
    await _update(session, Person, links)
    return relinked


_CASE_FIELDS = ("practitioner_id", "case_type", "opened_on", "themes", "status")


async def _upsert_cases(session: AsyncSession, roster: Roster) -> tuple[int, int, int]:
    columns = [getattr(Case, name) for name in ("id", "case_ref", *_CASE_FIELDS)]
    existing = {row.case_ref: row for row in (await session.execute(select(*columns))).all()}
    ids: dict[str, int] = dict((await session.execute(select(Person.staff_id, Person.id))).all())
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    closed = 0
    for record in roster.cases:
        worker, themes = ids[record.practitioner_staff_id], ";".join(record.themes)
        row = (worker, record.case_type, record.opened_on, themes, record.status)
        values = dict(zip(_CASE_FIELDS, row, strict=True))
        old = existing.get(record.case_ref)
        if old is None:
            inserts.append({"case_ref": record.case_ref, **values})
        elif diff := {k: v for k, v in values.items() if getattr(old, k) != v}:
            updates.append({"id": old.id, **diff})
            closed += old.status == "open" and record.status == "closed"
    if roster.deactivate_missing:
        listed = {record.case_ref for record in roster.cases}
        missing = [
            row.id for ref, row in existing.items() if row.status == "open" and ref not in listed
        ]
        updates += [{"id": case_id, "status": "closed"} for case_id in missing]
        closed += len(missing)
    await _update(session, Case, updates)
    await _insert(session, Case, inserts)
    return len(inserts), len(updates) - closed, closed


async def _insert(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(cast(Table, model.__table__)), rows)


async def _update(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """One executemany per set of changed columns, by id (the ORM's bulk path goes row by row)."""
    table = cast(Table, model.__table__)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append({f"b_{k}": v for k, v in row.items()})
    for keys, params in groups.items():
        values = {k: bindparam(f"b_{k}", type_=table.c[k].type) for k in keys if k != "id"}
        statement = update(table).where(table.c.id == bindparam("b_id")).values(values)
        await session.execute(statement, params)


def _staff_query() -> Select[Any]:
    """StaffMember's columns in its field order, so each row builds one directly."""
    manager = aliased(Person)
    joined = {"team": Team.name, "service": Service.name, "manager_staff_id": manager.staff_id}
    names = [f.name for f in fields(StaffMember)]
    columns = [joined[name] if name in joined else getattr(Person, name) for name in names]
    return (
        select(*columns)
        .join(Team, Person.team_id == Team.id)
        .join(Service, Team.service_id == Service.id)
        .outerjoin(manager, Person.manager_id == manager.id)
        .order_by(Person.staff_id)
    )


def _staff(rows: Iterable[Any]) -> list[StaffMember]:
    return [StaffMember(*row) for row in rows]


async def active_people(
    session: AsyncSession, roles: Collection[str] | None = None
) -> list[StaffMember]:
    """Everyone currently on the roster, by staff_id; only those in `roles` if given (a
    council's few QA officers without reading its thousands of staff)."""
    query = _staff_query().where(Person.active)
    if roles is not None:
        query = query.where(Person.role.in_(list(roles)))
    return _staff((await session.execute(query)).all())


async def person_by_staff_id(session: AsyncSession, staff_id: str) -> StaffMember | None:
    rows = (await session.execute(_staff_query().where(Person.staff_id == staff_id))).all()
    found = _staff(rows)
    return found[0] if found else None


async def search_people(
    session: AsyncSession, text: str, limit: int = 10, *, include_inactive: bool = False
) -> list[StaffMember]:
    """Active people whose name or role contains `text` ("team manager" finds team_manager)."""
    role_text = "_".join(text.strip().lower().split())
    query = _staff_query().where(
        or_(
            Person.name.icontains(text.strip(), autoescape=True),
            Person.role.icontains(role_text, autoescape=True),
        )
    )
    if not include_inactive:
        query = query.where(Person.active)
    return _staff((await session.execute(query.limit(limit))).all())


def _picker_query() -> Select[Any]:
    near = bindparam("near", type_=String, expanding=True)
    near_service = select(Team.service_id).join(Person, Person.team_id == Team.id)
    # by their teams, so SQLite reads those teams' people (by team) rather than every active
    # person: `IS NOT false` (never null) keeps it off the index on the flag nearly all share
    near_teams = select(Team.id).where(
        Team.service_id.in_(near_service.where(Person.staff_id.in_(near)))
    )
    return (
        _staff_query()
        .where(Person.team_id.in_(near_teams), Person.active.is_not(False))
        .order_by(None)
        .order_by(Person.staff_id.in_(near).desc(), Person.name, Person.staff_id)
        .limit(bindparam("limit"))
    )


_PICKER = _picker_query()  # built once: a picker is on every audit form opened or saved


async def picker_people(
    session: AsyncSession, near: Collection[str], limit: int = 100
) -> list[StaffMember]:
    """Active people to choose from in a people picker: everyone in the services of the
    people `near` (by staff id), by name, at most `limit` of them (the near ones always)."""
    return _staff((await run(session, _PICKER, {"near": list(near), "limit": limit})).all())


async def count_people(session: AsyncSession, *, active_only: bool = False) -> int:
    """How many people qabot holds (leavers too unless active_only): zero means a fresh database."""
    query = select(func.count(Person.id))
    if active_only:
        query = query.where(Person.active)
    return int((await session.execute(query)).scalar_one())


# The platforms on which qabot reaches a person by a user id from the roster; any other
# platform (the sandbox, a simulation) knows everyone by their staff id.
PLATFORM_USER_IDS = {"slack": Person.slack_user_id, "teams": Person.teams_user_id}
LOOKUP_CHUNK = 5000  # staff ids per query: well inside SQLite's limit on bound values


async def known_on(
    session: AsyncSession, staff_ids: Collection[str], platforms: Collection[str]
) -> dict[str, set[str]]:
    """Which of `platforms` (of those with user ids) know each of these people: one query per
    few thousand people. People with none of those ids are left out."""
    columns = [(p, PLATFORM_USER_IDS[p]) for p in platforms if p in PLATFORM_USER_IDS]
    if not staff_ids or not columns:
        return {}
    query = select(Person.staff_id, *(column for _, column in columns)).where(
        Person.staff_id.in_(bindparam("staff_ids", expanding=True)),
        or_(*(column.is_not(None) for _, column in columns)),
    )
    wanted = list(staff_ids)
    found: dict[str, set[str]] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = {"staff_ids": wanted[start : start + LOOKUP_CHUNK]}
        for staff_id, *ids in await run(session, query, chunk):
            found[staff_id] = {p for (p, _), user_id in zip(columns, ids, strict=True) if user_id}
    return found
