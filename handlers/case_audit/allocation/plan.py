"""Case audit allocation as pure rules: who audits which case this period, and why.

Everything here is a function of its arguments (roster, cases, history, period, seed, today),
so a later layer loads rows into these dataclasses and the same seed always gives the same plan.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

from handlers.case_audit.allocation.context import Context, build_context
from handlers.case_audit.allocation.explain import no_case_reason, pair_reason, unplaced_reason
from handlers.case_audit.allocation.extras import choose_joins, choose_leads
from handlers.case_audit.allocation.periods import (
    is_allocation_period,
    is_themed_month,
    months_between,
    period_index,
    skip_reason,
    theme_for,
    window_for,
)
from handlers.case_audit.allocation.pool import AuditorPool
from handlers.case_audit.allocation.rules import (
    auditor_quota,
    best_case,
    excluded_auditors,
    is_away,
    is_case_eligible,
    is_independent,
    is_practitioner,
    is_turn,
)
from handlers.case_audit.allocation.types import (
    AllocationPlan,
    CaseInfo,
    History,
    Idle,
    Join,
    Pair,
    Staff,
    Uncovered,
    WorkingCalendar,
)
from handlers.programme.schema import CaseAudit, Theme

__all__ = [
    "AllocationPlan",
    "CaseInfo",
    "History",
    "Idle",
    "Join",
    "Pair",
    "Staff",
    "Uncovered",
    "WorkingCalendar",
    "allocate",
    "auditor_quota",
    "empty_theme_reason",
    "is_allocation_period",
    "is_independent",
    "is_themed_month",
    "months_between",
    "period_index",
    "round_theme",
    "theme_for",
    "window_for",
]

_Candidate = tuple[Staff, CaseInfo]
NO_CASE_FOR_AUDITOR = (
    "no case they may audit: every worker with an eligible case was allocated "
    "or barred by independence"
)


def allocate(
    activity: CaseAudit,
    staff: Iterable[Staff],
    cases: Iterable[CaseInfo],
    history: History,
    year: int,
    month: int,
    seed: int | str,
    today: dt.date,
    calendar: WorkingCalendar | None = None,
    theme: str | Theme | None = None,
) -> AllocationPlan:
    """Allocate one period of a case audit; skipped months give an empty plan with a reason.

    `theme` names the theme of a themed month (themed_months) or overrides a themed round's: a
    name under the activity's `themes` (or a tag), or a whole Theme (an uploaded list). A themed
    round whose group has no open case allocates nothing and says so in `skipped`.
    """
    window = window_for(activity, year, month, calendar)
    chosen = round_theme(activity, year, month, theme)
    name = chosen.name if chosen is not None else None
    plan = AllocationPlan(activity.id, year, month, window, name)
    if not is_allocation_period(activity, year, month):
        return AllocationPlan(activity.id, year, month, window, name, skip_reason(activity, month))
    if chosen is None and is_themed_month(activity, month):
        plan.notes.append("a themed month with no theme named: ordinary cases were allocated")
    ctx = build_context(activity, staff, cases, history, today, window, chosen, seed)
    group = ctx.group
    if group is not None and not any(c.open and group.holds(c) for c in ctx.all_cases):
        return AllocationPlan(
            activity.id, year, month, window, name, empty_theme_reason(group.theme)
        )
    places = _auditor_places(ctx, period_index(activity, year, month), plan.idle_auditors)
    pool = AuditorPool(places, ctx.people, ctx.ranks)
    plan.leads.update(choose_leads(ctx))
    if activity.allocation == "random_sample":
        _allocate_sample(ctx, pool, plan)
    else:
        _allocate_per_auditor(ctx, pool, plan)
    unused = [a for a in sorted(places) if places[a] > 0 and pool.assigned(a) == 0]
    plan.idle_auditors.extend(Idle(a, NO_CASE_FOR_AUDITOR) for a in unused)
    plan.joins.extend(choose_joins(ctx, plan.pairs))
    return plan


def round_theme(
    activity: CaseAudit, year: int, month: int, theme: str | Theme | None = None
) -> Theme | None:
    """The theme a round audits: the one given, else the programme's for that month."""
    if isinstance(theme, Theme):
        return theme
    name = theme or theme_for(activity, year, month)
    return activity.theme_named(name) if name else None


def empty_theme_reason(theme: Theme) -> str:
    return (
        f"no open case is in the theme '{theme.name}' ({theme.describe()}): nothing to allocate "
        "until the QA team names a theme with cases or defines this one under `themes`"
    )


def _auditor_places(ctx: Context, period: int, idle: list[Idle]) -> dict[str, int]:
    """Each auditor's quota this period; those who cannot take part are reported, not dropped."""
    places: dict[str, int] = {}
    for person in ctx.people.values():
        rule = ctx.activity.rule_for(person.role, person.service)
        if rule is None or rule.cases == 0:
            continue
        if not person.active:
            idle.append(Idle(person.id, "inactive: has left or is not on the roster"))
        elif person.fte <= 0:
            idle.append(Idle(person.id, "FTE is 0"))
        elif is_away(person, ctx.window[1]):
            idle.append(Idle(person.id, f"away until {person.away_until}"))
        elif not is_turn(rule, person, period):
            idle.append(Idle(person.id, f"audits every {rule.every_periods} periods; not this one"))
        else:
            places[person.id] = auditor_quota(rule, person, period)
    return places


def _candidates(ctx: Context, uncovered: list[Uncovered] | None) -> list[_Candidate]:
    """Available practitioners with their best case, most overdue first (never audited first)."""
    found: list[_Candidate] = []
    for person in ctx.people.values():
        if not person.active or not is_practitioner(person):
            continue
        overdue = ctx.is_overdue(person)
        if is_away(person, ctx.window[1]):
            if uncovered is not None:
                uncovered.append(
                    Uncovered(person.id, f"on leave until {person.away_until}", overdue)
                )
            continue
        own = ctx.cases_of.get(person.id, [])
        case = best_case(own, ctx.activity, ctx.history, ctx.today, ctx.group)
        if case is None:
            if uncovered is not None:
                uncovered.append(
                    Uncovered(person.id, no_case_reason(ctx.activity, own, ctx.group), overdue)
                )
            continue
        found.append((person, case))
    found.sort(key=lambda pc: ctx.priority(pc[0]))
    return found


def _place(
    ctx: Context, pool: AuditorPool, plan: AllocationPlan, person: Staff, case: CaseInfo
) -> bool:
    """Give one case an auditor, recording the pair or why none could be found."""
    across = ctx.activity.independence.across_services
    barred = excluded_auditors(person, ctx.activity.independence, ctx.people)
    auditor_id = None if pool.is_empty() else pool.take(person, barred, across)
    if auditor_id is None and not pool.is_empty():
        auditor_id = _free_an_auditor(ctx, pool, plan, person, barred)
    if auditor_id is None:
        could_serve = pool.could_serve(person, barred, across)
        reason = unplaced_reason(could_serve, pool.is_empty(), across, pool.has_auditors())
        plan.uncovered.append(Uncovered(person.id, reason, ctx.is_overdue(person)))
        return False
    auditor = ctx.people[auditor_id]
    reason = pair_reason(ctx.activity, person, case, auditor, ctx.history, ctx.today, ctx.theme)
    plan.pairs.append(Pair(auditor_id, person.id, case.ref, reason, plan.leads.get(person.service)))
    return True


def _round_size(ctx: Context) -> int | None:
    """A themed round's size in cases, if its theme sets one."""
    return ctx.group.theme.cases if ctx.group is not None else None


# How many placed audits to try moving for one worker left without an auditor: enough to find
# one almost always, few enough that a large council's allocation stays fast.
MOVE_TRIES = 50


def _free_an_auditor(
    ctx: Context, pool: AuditorPool, plan: AllocationPlan, person: Staff, barred: frozenset[str]
) -> str | None:
    """When every place left is barred for this worker (their own managers, their service), move
    an audit already placed to one of those places, if its worker may have it, and give this
    worker the auditor it frees. Without this, a worker whose turn came first could take the one
    auditor another could have, and the other wait month after month."""
    across = ctx.activity.independence.across_services
    tries = 0
    for index, pair in enumerate(plan.pairs):
        auditor = ctx.people[pair.auditor_id]
        if pair.auditor_id in barred or (across and auditor.service == person.service):
            continue
        tries += 1
        if tries > MOVE_TRIES:
            return None
        other = ctx.people[pair.practitioner_id]
        other_barred = excluded_auditors(other, ctx.activity.independence, ctx.people)
        moved = pool.take(other, other_barred, across)
        if moved is None:
            continue
        case = next(c for c in ctx.cases_of[other.id] if c.ref == pair.case_ref)
        reason = pair_reason(ctx.activity, other, case, ctx.people[moved], ctx.history,
                             ctx.today, ctx.theme)  # fmt: skip
        plan.pairs[index] = Pair(moved, other.id, pair.case_ref, reason, pair.lead_id)
        return pair.auditor_id
    return None


def _allocate_per_auditor(ctx: Context, pool: AuditorPool, plan: AllocationPlan) -> None:
    size = _round_size(ctx)
    for person, case in _candidates(ctx, plan.uncovered):
        if size is not None and len(plan.pairs) >= size:
            plan.notes.append(f"the themed round is sized at {size} cases: it is full")
            break
        _place(ctx, pool, plan, person, case)


def _allocate_sample(ctx: Context, pool: AuditorPool, plan: AllocationPlan) -> None:
    """Draw cases at random, one per practitioner, until the sample is full."""
    wanted = ctx.activity.sample_size or 0
    size = _round_size(ctx)
    wanted = min(wanted, size) if size is not None else wanted
    draws = _draws(ctx)
    drawn: set[str] = set()
    for person, case in draws:
        if len(plan.pairs) >= wanted or pool.is_empty():
            break
        if person.id in drawn:
            continue
        drawn.add(person.id)
        if not _place(ctx, pool, plan, person, case):
            plan.uncovered[-1] = Uncovered(
                person.id, f"{plan.uncovered[-1].reason}; another case was drawn instead"
            )
    if len(plan.pairs) < wanted:
        why = "auditors' places ran out" if pool.is_empty() else "too few eligible cases"
        plan.notes.append(f"sample of {wanted} asked; {len(plan.pairs)} allocated: {why}")


def _draws(ctx: Context) -> list[_Candidate]:
    """Every eligible case of an available practitioner, shuffled by the seed."""
    people = {p.id: p for p, _ in _candidates(ctx, None)}
    pool = [
        (people[c.practitioner_id], c)
        for c in ctx.all_cases
        if c.practitioner_id in people
        and is_case_eligible(c, ctx.activity, ctx.history, ctx.today, ctx.group)
    ]
    random.Random(f"{ctx.seed}:sample").shuffle(pool)
    return pool
