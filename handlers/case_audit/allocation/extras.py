"""Who leads each service's auditors, and who joins one audit a month alongside an auditor."""

from __future__ import annotations

import random

from handlers.case_audit.allocation.context import Context
from handlers.case_audit.allocation.rules import is_away, is_independent
from handlers.case_audit.allocation.types import Join, Pair, Staff
from handlers.programme.schema import Independence

# Shropshire §5: the principal social worker joins "one joint child journey audit per month
# with a team manager"; the schema names who joins, so the partner's role is fixed here.
JOIN_PARTNER_ROLE = "team_manager"
_NAMED_ONLY = Independence(
    not_line_manager=True, not_line_of_management=True, across_services=False
)


def _available(ctx: Context, role: str) -> list[Staff]:
    return [
        p
        for p in ctx.people.values()
        if p.role == role and p.active and not is_away(p, ctx.window[1])
    ]


def choose_leads(ctx: Context) -> dict[str, str]:
    """One lead auditor per service (Haringey §3.1.4): the first available by staff id."""
    role = ctx.activity.lead_auditor_role
    if role is None:
        return {}
    leads: dict[str, str] = {}
    for person in _available(ctx, role):
        leads.setdefault(person.service, person.id)
    return leads


def choose_joins(ctx: Context, pairs: list[Pair]) -> list[Join]:
    """Give each available joiner one allocated audit, a team manager's where there is one."""
    joiners = [p for role in ctx.activity.joins_one_audit for p in _available(ctx, role)]
    joiners.sort(key=lambda p: ctx.ranks[p.id])
    order = list(pairs)
    random.Random(f"{ctx.seed}:joins").shuffle(order)
    order.sort(key=lambda pair: ctx.people[pair.auditor_id].role != JOIN_PARTNER_ROLE)
    taken: set[str] = set()
    joins: list[Join] = []
    for joiner in joiners:
        pair = next((p for p in order if _may_join(ctx, joiner, p, taken)), None)
        if pair is None:
            continue
        taken.add(pair.case_ref)
        auditor = ctx.people[pair.auditor_id]
        reason = f"{joiner.id} joins auditor {auditor.id} ({auditor.role}) on case {pair.case_ref}"
        joins.append(Join(joiner.id, pair.auditor_id, pair.case_ref, reason))
    return joins


def _may_join(ctx: Context, joiner: Staff, pair: Pair, taken: set[str]) -> bool:
    if pair.case_ref in taken or pair.auditor_id == joiner.id:
        return False
    return is_independent(joiner, ctx.people[pair.practitioner_id], _NAMED_ONLY, ctx.people)
