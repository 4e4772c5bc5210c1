"""Case audits in each line manager's weekly picture of their team: audits open, reflections
still to write (from audits recorded in the last eight weeks) and open actions (whichever
capability raised them), per person, with how many are late. Counts and names only: never a
case reference."""

from __future__ import annotations

import datetime as dt

from handlers.team_digest.sources import TeamWeek
from storage.case_audit import team

REFLECTIONS_WINDOW = dt.timedelta(weeks=8)


class CaseAuditTeamPicture:
    """The case-audit part of the weekly manager digest."""

    async def team_picture(self, week: TeamWeek) -> None:
        session, today = week.session, week.today
        since = dt.datetime.combine(today - REFLECTIONS_WINDOW, dt.time(0),
                                    tzinfo=week.calendar.zone)  # fmt: skip
        for found in sorted(await team.open_audits(session, today), key=_by_name):
            week.say(found.manager_id, "audits", "audits", person_name=found.name,
                     count=found.count, late=found.late)  # fmt: skip
        for found in sorted(await team.reflections_to_write(session, since), key=_by_name):
            week.say(found.manager_id, "reflections", "reflections", person_name=found.name,
                     count=found.count)  # fmt: skip
        for found in sorted(await team.open_actions(session, today), key=_by_name):
            week.say(found.manager_id, "actions", "actions", person_name=found.name,
                     count=found.count, late=found.late)  # fmt: skip


def _by_name(found: team.Outstanding) -> str:
    return found.name
