"""The programme: a council's framework as a validated file of activities and their cadence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from handlers._programme_yaml import describe, repeated_keys, yaml_problem
from handlers.errors import UserError

PRESETS_DIR = Path(__file__).parent / "presets"

Role = Literal[
    "practitioner",
    "senior_practitioner",
    "advanced_practitioner",
    "team_manager",
    "deputy_team_manager",
    "service_manager",
    "head_of_service",
    "iro",
    "cp_chair",
    "principal_social_worker",
    "qa_officer",
    "qa_manager",
    "director",
    "other",
]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
PRACTITIONER_ROLES = ("practitioner", "senior_practitioner", "advanced_practitioner")
CaseType = Literal["EH", "CIN", "CP", "CLA", "CL", "YJ", "SEND", "other"]
Month = Annotated[int, Field(ge=1, le=12)]
DEFAULT_GRADES = ["Outstanding", "Good", "Requires improvement to be good", "Inadequate"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(Strict):
    """When in the period the work happens: a week of the month or a span of days."""

    week_of_month: int | None = Field(default=None, ge=1, le=4)
    first_day: int | None = Field(default=None, ge=1, le=28)
    last_day: int | None = Field(default=None, ge=1, le=31)

    @model_validator(mode="after")
    def _one_way(self) -> Window:
        days = self.first_day is not None or self.last_day is not None
        if self.week_of_month is not None and days:
            raise ValueError("give week_of_month or first_day/last_day, not both")
        if days and (self.first_day is None or self.last_day is None):
            raise ValueError("first_day and last_day go together")
        if days and self.first_day > self.last_day:  # type: ignore[operator]
            raise ValueError("first_day must not be after last_day")
        return self


class AuditorRule(Strict):
    """Who audits: a role, how many cases each, and how often they take part.

    `services`/`exclude_services` narrow the rule to people in (or not in) the named services
    (people.csv `service`), e.g. Camden's operational heads of service versus its head of QA.
    """

    role: Role
    cases: int = Field(default=1, ge=0, le=50)
    moderations: int = Field(default=0, ge=0, le=50)
    every_periods: int = Field(default=1, ge=1, le=12)
    services: list[str] = Field(default_factory=list)
    exclude_services: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _services(self) -> AuditorRule:
        both = sorted(set(self.services) & set(self.exclude_services))
        if both:
            raise ValueError(f"services and exclude_services both name {', '.join(both)}")
        return self

    def covers(self, role: str, service: str) -> bool:
        """Whether this rule applies to a person with this role in this service."""
        if role != self.role or service in self.exclude_services:
            return False
        return not self.services or service in self.services

    def is_apart_from(self, other: AuditorRule) -> bool:
        """Whether no person could match both rules (different roles or services kept apart)."""
        if self.role != other.role:
            return True
        mine, theirs = set(self.services), set(other.services)
        if mine and theirs:
            return not mine & theirs
        return bool(mine and mine <= set(other.exclude_services)) or bool(
            theirs and theirs <= set(self.exclude_services)
        )


class Independence(Strict):
    """Who may not audit whom. An auditor never audits their own case."""

    not_line_manager: bool = True
    not_direct_reports: bool = True
    across_services: bool = False


class ThemedRound(Strict):
    """A month whose round draws cases tagged with a named theme."""

    month: Month
    theme: str = Field(min_length=1, max_length=100)


class ChecklistItem(Strict):
    """One item; `when` says, in words shown with it, the cases it applies to."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1)
    when: str | None = None


class ReminderRule(Strict):
    """Nudges before the due date and escalation once overdue, in working days.

    `overdue_nudges` caps the nudges once overdue (then they stop); None nudges until done.
    """

    before_working_days: list[int] = Field(default_factory=lambda: [3, 1])
    overdue_every_working_days: int = Field(default=5, ge=1)
    overdue_nudges: int | None = Field(default=None, ge=0)
    escalate_after_working_days: int | None = Field(default=5, ge=1)
    escalate_to: Literal["line_manager"] = "line_manager"


class NudgeRule(ReminderRule):
    """A few warm nudges that stop by themselves and never go to a manager: reflections are
    part of learning and a moderation is a peer's second look, so neither is escalated."""

    before_working_days: list[int] = Field(default_factory=lambda: [2])
    overdue_every_working_days: int = Field(default=3, ge=1)
    overdue_nudges: int | None = Field(default=2, ge=0)
    escalate_after_working_days: None = None

    @field_validator("escalate_after_working_days", mode="before")
    @classmethod
    def _never_escalates(cls, value: object) -> None:
        if value is not None:
            raise ValueError("these reminders never go to a manager: leave this key out")
        return None


class Reflection(Strict):
    """The reflective discussion after the audit record. No seed dates it, so qabot asks for
    it within `due_working_days` of the record (a working week by default)."""

    prompts: list[ChecklistItem] = Field(min_length=1)
    auditor_reflects: bool = False
    editable_days: int = Field(default=5, ge=0, le=60)
    due_working_days: int = Field(default=5, ge=1, le=60)
    reminders: NudgeRule = NudgeRule()


class ModerationRule(Strict):
    """Which recorded audits get a second look, and who gives it."""

    always_grades: list[str] = Field(default_factory=lambda: ["Outstanding", "Inadequate"])
    share_of_rest: float = Field(default=0.2, ge=0, le=1)
    moderators: list[Role] = Field(min_length=1)
    due_working_days: int = Field(default=10, ge=1)
    every_months: int = Field(default=1, ge=1, le=12)
    reminders: NudgeRule = NudgeRule(overdue_every_working_days=5)


class CaseAudit(Strict):
    """Monthly (or rarer) allocation of cases to auditors, with the worker."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["case_audit"]
    title: str
    period: Literal["monthly", "bimonthly", "quarterly"] = "monthly"
    window: Window = Window(first_day=1, last_day=28)
    skip_months: list[Month] = Field(default_factory=list)
    allocation: Literal["per_auditor", "random_sample"] = "per_auditor"
    sample_size: int | None = Field(default=None, ge=1)
    auditors: list[AuditorRule] = Field(min_length=1)
    lead_auditor_role: Role | None = None
    joins_one_audit: list[Role] = Field(default_factory=list)
    independence: Independence = Independence()
    coverage_months: int | None = Field(default=None, ge=1, le=36)
    case_lookback_months: int = Field(default=6, ge=1, le=36)
    case_types: list[CaseType] | None = None
    themed_rounds: list[ThemedRound] = Field(default_factory=list)
    themed_months: list[Month] = Field(default_factory=list)
    with_family: bool = False
    checklist: list[ChecklistItem] = Field(min_length=1)
    checklist_reminders: ReminderRule = ReminderRule(escalate_after_working_days=None)
    record_reminders: ReminderRule = ReminderRule()
    reflection: Reflection
    moderation: ModerationRule | None = None
    report_every_months: int = Field(default=3, ge=1, le=12)

    @model_validator(mode="after")
    def _sample(self) -> CaseAudit:
        if self.allocation == "random_sample" and self.sample_size is None:
            raise ValueError("allocation random_sample needs sample_size")
        if len(set(self.skip_months)) == 12:
            raise ValueError("skip_months skips every month")
        named = [r.month for r in self.themed_rounds]
        if len(set(named)) < len(named):
            raise ValueError("themed_rounds name a month twice; one theme a month")
        clash = sorted((set(named) | set(self.themed_months)) & set(self.skip_months))
        if clash:
            raise ValueError(f"themed month(s) {clash} are also in skip_months")
        if set(named) & set(self.themed_months):
            raise ValueError("a month is in both themed_rounds and themed_months")
        for i, rule in enumerate(self.auditors):
            for other in self.auditors[i + 1 :]:
                if not rule.is_apart_from(other):
                    raise ValueError(
                        f"two auditor rules for {rule.role} could both apply to one person; "
                        "keep them apart with services/exclude_services"
                    )
        return self

    def rule_for(self, role: str, service: str) -> AuditorRule | None:
        """The auditor rule for a person with this role in this service, if any."""
        return next((r for r in self.auditors if r.covers(role, service)), None)


class ObservationGroup(Strict):
    """A cadence for one group of staff: every N months, or at set months (ASYE).

    The observer is the line manager, or (`manager_by_role`) the nearest manager above the
    worker holding `observer_role`. With `per: observer` the cadence binds each observer
    (one observation of someone in `applies_to` below them every N months), not each worker.
    """

    name: str = Field(min_length=1, max_length=32)
    applies_to: list[Role] = Field(min_length=1)
    asye: bool = False
    every_months: int | None = Field(default=None, ge=1, le=36)
    at_months: list[Annotated[int, Field(ge=1, le=24)]] | None = None
    observer: Literal["line_manager", "manager_by_role"] = "line_manager"
    observer_role: Role | None = None
    per: Literal["observed", "observer"] = "observed"

    @model_validator(mode="after")
    def _one_cadence(self) -> ObservationGroup:
        if (self.every_months is None) == (self.at_months is None):
            raise ValueError("give every_months or at_months")
        if (self.observer == "manager_by_role") != (self.observer_role is not None):
            raise ValueError("observer_role goes with observer: manager_by_role, and only with it")
        if self.per == "observer" and self.observer_role is None:
            raise ValueError("per: observer needs observer_role (whose cadence it is)")
        return self


class ObservationActivity(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["observation"]
    title: str
    groups: list[ObservationGroup] = Field(min_length=1)
    nudge_before_days: int = Field(default=14, ge=0)
    reminders: ReminderRule = ReminderRule(escalate_after_working_days=10)
    family_consent: bool = True

    @model_validator(mode="after")
    def _unique_groups(self) -> ObservationActivity:
        names = [g.name for g in self.groups]
        if len(set(names)) < len(names):
            raise ValueError("observation group names must be unique")
        return self


class PracticeWeekActivity(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["practice_week"]
    title: str
    months: list[Month] = Field(min_length=1)
    week_of_month: int = Field(default=2, ge=1, le=4)
    visitors: list[Role] = Field(min_length=1)
    activities: list[str] = Field(min_length=1)
    channel: str
    post_days_before: int = Field(default=14, ge=1)
    remind_days_before: list[int] = Field(default_factory=lambda: [1])
    feedback: bool = True
    graded: bool = False


class BroadcastActivity(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["broadcast"]
    title: str
    format: Literal["newsletter", "bitesize", "brief", "report", "forum", "workshop"]
    cadence: Literal["weekly", "every_4_weeks", "monthly", "bimonthly", "quarterly"]
    weekday: Literal["mon", "tue", "wed", "thu", "fri"] = "tue"
    channel: str
    acknowledge: bool = False


class ActionActivity(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["action"]
    title: str
    default_due_working_days: int = Field(default=20, ge=1)
    reminders: ReminderRule = ReminderRule()
    track_grades: list[str] = Field(default_factory=lambda: ["Inadequate"])


Activity = Annotated[
    CaseAudit | ObservationActivity | PracticeWeekActivity | BroadcastActivity | ActionActivity,
    Field(discriminator="kind"),
]


class Permissions(Strict):
    """Only these roles may broadcast, allocate or export (SPEC §7)."""

    allocate: tuple[Role, ...] = ("qa_manager", "qa_officer")
    broadcast: tuple[Role, ...] = ("qa_manager", "qa_officer", "principal_social_worker")
    export: tuple[Role, ...] = ("qa_manager",)
    qa_team: tuple[Role, ...] = ("qa_manager", "qa_officer", "principal_social_worker")


class Programme(Strict):
    name: str
    council: str
    timezone: str = "Europe/London"
    bank_holidays: Literal["england", "wales", "scotland", "northern_ireland"] = "england"
    working_hours: tuple[dt.time, dt.time] = (dt.time(9, 0), dt.time(17, 0))
    grades: list[str] = Field(default_factory=lambda: list(DEFAULT_GRADES), min_length=2)
    retention_months: int = Field(default=24, ge=1)
    permissions: Permissions = Permissions()
    qa_channel: str = "qa-team"
    activities: list[Activity] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Programme:
        ids = [a.id for a in self.activities]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"activity ids must be unique; repeated: {', '.join(dupes)}")
        for activity in self.activities:
            if isinstance(activity, CaseAudit) and activity.moderation:
                unknown = set(activity.moderation.always_grades) - set(self.grades)
                if unknown:
                    raise ValueError(f"{activity.id}: moderation names unknown grades {unknown}")
        return self

    def of_kind(self, kind: type[Any]) -> list[Any]:
        return [a for a in self.activities if isinstance(a, kind)]


class ProgrammeError(UserError):
    """A programme file that cannot be used; the message names the key path and line."""


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def resolve(name_or_path: str) -> Path:
    """A preset name or a path to a programme file."""
    if name_or_path in preset_names():
        return PRESETS_DIR / f"{name_or_path}.yaml"
    path = Path(name_or_path)
    if not path.is_file():
        raise ProgrammeError(
            f"no programme {name_or_path!r}: give a file or a preset ({', '.join(preset_names())})"
        )
    return path


def load_programme(name_or_path: str) -> Programme:
    path = resolve(name_or_path)
    return parse_programme(path.read_text(encoding="utf-8"), str(path))


def parse_programme(text: str, source: str = "<programme>") -> Programme:
    """Parse and validate; every problem names its key path and, where known, its line."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ProgrammeError(yaml_problem(error, source)) from error
    repeats = repeated_keys(node, source)
    if repeats:
        raise ProgrammeError("\n".join(repeats))
    try:
        return Programme.model_validate(data)
    except ValidationError as error:
        problems = [describe(e, node, source) for e in error.errors()]
        raise ProgrammeError("\n".join(problems)) from error
