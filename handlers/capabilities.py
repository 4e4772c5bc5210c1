"""Every capability put together once: the router and the periodic jobs that `qabot run` and
`qabot simulate` share, so the simulation runs exactly what production runs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from functools import partial

from handlers.broadcasts import posting as broadcasts
from handlers.broadcasts.chat import Broadcasts
from handlers.broadcasts.sweeps import BroadcastReminders
from handlers.case_audit.cycle import (
    AuditCycle,
    CaseAuditEscalations,
    CaseAuditReminders,
    allocate_due,
)
from handlers.case_audit.supervision import Supervision
from handlers.case_audit.team import CaseAuditTeamPicture
from handlers.core.channels import Channels
from handlers.core.deps import Deps
from handlers.core.housekeeping import purge_event_ids
from handlers.core.router import Router
from handlers.home.basics import Basics
from handlers.observations.record import Observations
from handlers.observations.sweeps import ObservationReminders
from handlers.observations.team import ObservationTeamPicture
from handlers.practice_weeks import sweeps as practice_weeks
from handlers.practice_weeks.after import PracticeWeekForms
from handlers.practice_weeks.reading import PracticeWeekFindings
from handlers.practice_weeks.sweeps import PracticeWeekReminders
from handlers.reminders.snooze import Reminders
from handlers.reminders.sources import ReminderSource
from handlers.team_digest.sources import TeamPictureSource
from handlers.team_digest.weekly import send_weekly

Job = Callable[[dt.datetime], Awaitable[int]]


def reminder_sources() -> list[ReminderSource]:
    """Each capability's part of the one daily nudge message: reminders, then escalations."""
    return [CaseAuditReminders(), ObservationReminders(), PracticeWeekReminders(),
            BroadcastReminders(), CaseAuditEscalations()]  # fmt: skip


def team_pictures() -> list[TeamPictureSource]:
    """Each capability's part of the weekly manager digest, in the order it reads."""
    return [ObservationTeamPicture(), CaseAuditTeamPicture()]


def build_router(deps: Deps) -> Router:
    """Every action, form and command qabot answers, each owned by one capability."""
    basics = Basics(deps, team_pictures())
    reminders = Reminders(deps, reminder_sources())
    routes = [
        *basics.routes(),
        *reminders.routes(),
        *AuditCycle(deps).routes(),
        *Supervision(deps).routes(),
        *Observations(deps).routes(),
        *Channels(deps).routes(),
        *Broadcasts(deps).routes(),
        *PracticeWeekForms(deps).routes(),
        *PracticeWeekFindings(deps).routes(),
    ]
    return Router(
        routes,
        fallback=basics.unknown,
        problem=lambda text: deps.wording.compose("user_error", {"problem": text}),
        apology=lambda: deps.wording.compose("apology", {}),
    )


def jobs(deps: Deps) -> list[tuple[str, Job]]:
    """What the periodic sweep runs, in order: allocate on the programme's cadence, post practice
    week schedules ahead of their week and the QA team's summary after it, the daily nudge
    message (reminders and escalations gathered), the weekly manager digest, queued broadcasts
    whose time has come, housekeeping."""
    return [
        ("allocate", partial(allocate_due, deps)),
        ("practice_week", partial(practice_weeks.post_due, deps)),
        ("practice_week_summary", partial(practice_weeks.summarise_due, deps)),
        ("reminders", Reminders(deps, reminder_sources()).sweep),
        ("team_digest", partial(send_weekly, deps, team_pictures())),
        ("broadcasts", partial(broadcasts.post_due, deps)),
        ("housekeeping", partial(purge_event_ids, deps)),
    ]
