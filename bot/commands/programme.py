"""`qabot programme check|show|list`: validate a programme file and read a preset in plain words."""

from __future__ import annotations

import argparse
import calendar
import sys
from collections import Counter
from collections.abc import Mapping

from bot.commands._reminder_words import audit_reminders, nudges
from handlers.broadcasts.sweeps import WANTED_AHEAD, WRITTEN
from handlers.practice_weeks.sweeps import SUMMARY_AFTER
from handlers.programme.schema import (
    ActionActivity,
    AuditorRule,
    BroadcastActivity,
    CaseAudit,
    ObservationActivity,
    ObservationGroup,
    PracticeWeekActivity,
    Programme,
    ProgrammeError,
    load_programme,
    preset_names,
    resolve,
)
from message_templates.wording import role_words

_KIND_WORDS = {"case_audit": "case audit", "practice_week": "practice week"}
_WEEKDAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday"}
_WEEKDAYS |= {"fri": "Friday"}
_EVERY = {"monthly": "month", "bimonthly": "two months", "quarterly": "quarter"}


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "programme",
        help="check, show and list programme files and presets",
        description="A programme file declares a council's QA activities and their cadence.",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    check = verbs.add_parser(
        "check",
        help="validate a programme file or preset",
        description="Validate a programme; every problem is listed with its line and key path.",
    )
    check.add_argument("source", metavar="FILE|PRESET", help="a programme file or a preset name")
    check.set_defaults(handler=run_check)
    show = verbs.add_parser(
        "show",
        help="describe a programme's activities and cadence",
        description="Describe a programme's activities and cadence in plain words.",
    )
    show.add_argument("source", metavar="PRESET", help="a preset name (or a programme file)")
    show.add_argument("--yaml", action="store_true", help="print the programme file itself")
    show.set_defaults(handler=run_show)
    listing = verbs.add_parser(
        "list", help="list the shipped presets", description="List the shipped presets."
    )
    listing.set_defaults(handler=run_list)


def run_check(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """One line for a valid programme; otherwise every problem on stderr and exit status 2."""
    try:
        programme = load_programme(args.source)
    except ProgrammeError as error:
        for line in str(error).splitlines():
            print(f"qabot: {line}", file=sys.stderr)
        return 2
    print(f"{args.source}: valid programme for {programme.council}: {_counts(programme)}")
    return 0


def run_show(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.yaml:
        print(resolve(args.source).read_text(encoding="utf-8"), end="")
        return 0
    print("\n".join(describe_programme(load_programme(args.source))))
    return 0


def run_list(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    names = preset_names()
    width = max(len(n) for n in names)
    for name in names:
        programme = load_programme(name)
        print(f"{name:<{width}}  {programme.council}: {_counts(programme)}")
    return 0


def describe_programme(programme: Programme) -> list[str]:
    """The programme as readable lines: a heading, then each activity and its cadence."""
    lines = [f"{programme.name} — {programme.council}", f"  {_counts(programme)}"]
    lines.append(f"  grades: {', '.join(programme.grades)}")
    for quiet in programme.quiet_periods:
        lines.append(
            f"  quiet: {_day(quiet.first)} to {_day(quiet.last)} every year: nothing falls due, "
            "no nudges"
        )
    for activity in programme.activities:
        kind = _KIND_WORDS.get(activity.kind, activity.kind)
        lines += ["", f"{activity.title} [{activity.id}, {kind}]"]
        lines += [f"  {detail}" for detail in _details(activity, programme)]
    return lines


def _details(activity: object, programme: Programme) -> list[str]:
    if isinstance(activity, CaseAudit):
        return _audit(activity)
    if isinstance(activity, ObservationActivity):
        return [_group(g) for g in activity.groups] + _observation_ladder(activity)
    if isinstance(activity, PracticeWeekActivity):
        return _practice_week(activity, programme)
    if isinstance(activity, BroadcastActivity):
        return _broadcast(activity, programme)
    if isinstance(activity, ActionActivity):
        return [_action(activity), f"reminders: {nudges(activity.reminders)}"]
    return []


def _counts(programme: Programme) -> str:
    kinds = Counter(_KIND_WORDS.get(a.kind, a.kind) for a in programme.activities)
    parts = ", ".join(f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in kinds.items())
    return f"{len(programme.activities)} activities ({parts})"


def _role(role: str) -> str:
    return role_words(role)


def _roles(roles: object) -> str:
    return ", ".join(_role(r) for r in roles)  # type: ignore[attr-defined]


def _months(months: list[int]) -> str:
    return ", ".join(calendar.month_name[m] for m in sorted(months))


def _audit(audit: CaseAudit) -> list[str]:
    window = audit.window
    when = f"{audit.period}, " + (
        f"in week {window.week_of_month} of the month"
        if window.week_of_month
        else f"days {window.first_day}–{window.last_day} of the month"
    )
    if audit.skip_months:
        when += f"; none in {_months(audit.skip_months)}"
    lines = [f"when: {when}", "who:", *(f"  - {_auditor(r)}" for r in audit.auditors)]
    lines.append(f"allocation: {_allocation(audit)}")
    lines.append(f"independence: {_independence(audit)}")
    if audit.coverage_months:
        lines.append(f"coverage: every practitioner at least every {audit.coverage_months} months")
    lines.append(f"a case is not audited again within {audit.case_lookback_months} months")
    if audit.focus_months:
        lines.append(f"the auditor is asked to focus on: the last {audit.focus_months} months")
    lines += _themes(audit)
    lines.append(
        f"checklist: {len(audit.checklist)} items; reflection: "
        f"{len(audit.reflection.prompts)} prompts"
    )
    if audit.moderation:
        rule = audit.moderation
        when = (
            "every month"
            if rule.every_months == 1
            else f"every {rule.every_months} months, covering audits from each of those months"
        )
        quotas = [r for r in audit.auditors if r.moderations]
        lines.append(
            f"moderation: every {', '.join(rule.always_grades)} and {rule.share_of_rest:.0%} "
            f"of the rest, by {_roles(rule.moderators)}, {when}"
            + ("; more as needed so each moderator's monthly number is met" if quotas else "")
        )
    lines.append(f"report: {_every_months(audit.report_every_months)}")
    lines.append(
        "each round: the QA team hears in a DM each what was allocated, and who is not in the "
        "round and why"
    )
    lines.append(
        "late start: a round with less than a working week of its window left is not allocated; "
        "the QA team is asked to allocate it with a new due date or skip it"
    )
    return lines + audit_reminders(audit)


def _every_months(months: int) -> str:
    return "every month" if months == 1 else f"every {months} months"


def _auditor(rule: AuditorRule) -> str:
    text = f"{_role(rule.role)} {rule.cases} case{'s' if rule.cases != 1 else ''}"
    if rule.moderations:
        text += f" + {rule.moderations} moderation{'s' if rule.moderations != 1 else ''}"
    if rule.every_periods > 1:
        text += f" every {rule.every_periods} periods"
    if rule.services:
        text += f" (in {', '.join(rule.services)})"
    if rule.exclude_services:
        text += f" (not in {', '.join(rule.exclude_services)})"
    return text


def _allocation(audit: CaseAudit) -> str:
    text = (
        f"random sample of {audit.sample_size} cases a {_EVERY[audit.period]}"
        if audit.allocation == "random_sample"
        else "each auditor's cases, one per practitioner"
    )
    if audit.lead_auditor_role:
        text += f"; a lead auditor per service ({_role(audit.lead_auditor_role)})"
    if audit.joins_one_audit:
        text += f"; {_roles(audit.joins_one_audit)} joins one audit a month"
    if audit.with_family:
        text += "; the auditor talks with the family"
    return text


def _independence(audit: CaseAudit) -> str:
    rules = audit.independence
    parts = ["never their own case"]
    if rules.not_line_of_management:
        text = "no manager anywhere above the worker in their line of management"
        if rules.line_of_management_exempt:
            text += f" (except {_roles(rules.line_of_management_exempt)})"
        parts.append(text)
    if rules.not_line_manager and (
        not rules.not_line_of_management or rules.line_of_management_exempt
    ):
        parts.append("never the worker's own line manager")
    if rules.across_services:
        parts.append("from another service")
    return ", ".join(parts)


def _themes(audit: CaseAudit) -> list[str]:
    lines = []
    for named in audit.themed_rounds:
        theme = audit.theme_named(named.theme)
        size = f"; {theme.cases} cases" if theme.cases else ""
        lines.append(
            f"themed: {calendar.month_name[named.month]} — {theme.name} ({theme.describe()}{size})"
        )
    if audit.themed_months:
        lines.append(f"themed (theme chosen at allocation): {_months(audit.themed_months)}")
    if audit.themed_rounds or audit.themed_months:
        lines.append(
            "themed rounds: the QA team is told 3 working days before allocation if one has no "
            "theme or no case in its group; an empty one is held"
        )
    return lines


def _day(day: object) -> str:
    month, number = getattr(day, "month", 1), getattr(day, "day", 1)
    return f"{number} {calendar.month_name[month]}"


def _group(group: ObservationGroup) -> str:
    cadence = (
        f"every {group.every_months} months"
        if group.every_months
        else f"at months {', '.join(map(str, group.at_months or []))} of the ASYE year"
    )
    observer = (
        "their line manager"
        if group.observer == "line_manager"
        else f"the {_role(group.observer_role or '')} above them"
    )
    if group.per == "observer":
        return (
            f"{group.name}: each {_role(group.observer_role or '')} observes one of "
            f"{_roles(group.applies_to)} below them {cadence} (qabot suggests the one observed "
            "longest ago; they choose)"
        )
    asye = "ASYE " if group.asye else ""
    who = _roles(group.applies_to) + (" who supervise someone" if group.supervisors_only else "")
    return f"{group.name}: {asye}{who} observed {cadence} by {observer}"


def _observation_ladder(activity: ObservationActivity) -> list[str]:
    """How the observer hears, who is told when it stays unrecorded, and what a record keeps."""
    ladder = nudges(activity.reminders).replace(
        "their line manager", "the observer's own manager (skipping anyone away)"
    )
    consent = ", family consent (needed for a home visit)" if activity.family_consent else ""
    return [
        f"the observer hears {activity.nudge_before_days} days ahead, then {ladder} "
        "(a snooze may say why; the manager told sees it)",
        f"recorded: date, setting{consent}, strengths, areas to develop and actions (followed "
        "up like an audit's); the worker is told and may add their reflection",
    ]


def _practice_week(week: PracticeWeekActivity, programme: Programme) -> list[str]:
    before = " and ".join(str(n) for n in week.remind_days_before)
    after = "visitors asked for their findings" + (" (graded)" if week.graded else "")
    if week.feedback:
        after += ", the team's managers for its feedback,"
    return [
        f"when: {_months(week.months)}, week {week.week_of_month} of the month",
        f"visitors: {_roles(week.visitors)}",
        f"activities: {'; '.join(week.activities)}",
        f"schedule: loaded (or drafted) by {_roles(programme.permissions.practice_week)} with "
        "qabot practice-week load|draft, checked for anything that could identify a child",
        f"posted to #{week.channel} {week.post_days_before} days before the week; the visitor "
        f"and the team reminded {before} working day(s) before each visit",
        f"after each visit: {after} the working day after; a summary of counts to "
        f"#{programme.qa_channel} {SUMMARY_AFTER} working days after the week",
    ]


def _broadcast(item: BroadcastActivity, programme: Programme) -> list[str]:
    cadence = item.cadence.replace("_", " ")
    ack = '; with "I\'ve read this" and read counts by team' if item.acknowledge else ""
    day = _WEEKDAYS[item.weekday]
    queued = (
        f"posted only when an item is queued, by {_roles(programme.permissions.broadcast)}, "
        "after the privacy check"
    )
    if item.format in WRITTEN:
        queued += (
            f"; they are reminded {WANTED_AHEAD} working days before a slot with nothing queued"
        )
    return [f"{item.format}, {cadence} on a {day}, to #{item.channel}{ack}", queued]


def _action(item: ActionActivity) -> str:
    due = f"due in {item.default_due_working_days} working days"
    if not item.track_grades:
        return f"tracks no audit grade's actions; {due}"
    return (
        f"tracks actions from audits graded {', '.join(item.track_grades)}: the QA team sees "
        f"those audits in My QA until their actions are closed; {due}"
    )
