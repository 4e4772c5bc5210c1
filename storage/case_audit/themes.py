"""Themes named ahead for themed rounds: kept until the round is allocated, which audits them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage._core import run
from storage.models import NamedTheme, Person


@dataclass(frozen=True)
class Named:
    """A theme named ahead for one round, and by whom (None: no one on the staff list now)."""

    activity: str
    period: str
    theme: str
    named_by: str | None
    named_at: dt.datetime


async def name_theme(
    session: AsyncSession,
    activity: str,
    period: str,
    theme: str,
    *,
    by_id: int | None,
    now: dt.datetime,
) -> str | None:
    """Keep `theme` as the round's; the theme it replaces, if one was named before."""
    found = await session.scalar(
        select(NamedTheme).where(NamedTheme.activity == activity, NamedTheme.period == period)
    )
    if found is not None:
        before = found.theme
        found.theme, found.named_by_id, found.named_at = theme, by_id, now
        await session.flush()
        return before
    try:
        async with session.begin_nested():
            session.add(NamedTheme(activity=activity, period=period, theme=theme,
                                   named_by_id=by_id, named_at=now))  # fmt: skip
            await session.flush()
    except IntegrityError:  # named at the same moment by someone else: this one is the latest
        return await name_theme(session, activity, period, theme, by_id=by_id, now=now)
    return None


async def named_theme(session: AsyncSession, activity: str, period: str) -> str | None:
    """The theme named ahead for this round, if any."""
    found: str | None = await session.scalar(
        select(NamedTheme.theme).where(NamedTheme.activity == activity, NamedTheme.period == period)
    )
    return found


async def named_themes(
    session: AsyncSession, periods: Collection[str]
) -> dict[tuple[str, str], Named]:
    """Every theme named ahead for these periods (YYYY-MM), by (activity, period), in one query."""
    if not periods:
        return {}
    rows = await run(session, _NAMED, {"periods": list(periods)})
    return {
        (activity, period): Named(activity, period, theme, name, at)
        for activity, period, theme, name, at in rows.all()
    }


_NAMED = (
    select(NamedTheme.activity, NamedTheme.period, NamedTheme.theme, Person.name,
           NamedTheme.named_at)
    .outerjoin(Person, Person.id == NamedTheme.named_by_id)
    .where(NamedTheme.period.in_(bindparam("periods", expanding=True)))
)  # fmt: skip
