"""The programme: a council's framework as a validated file of activities and their cadence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from handlers.errors import UserError
from handlers.programme._yaml import describe, repeated_keys, yaml_problem
from handlers.programme.audit import (
    ActionActivity,
    AuditorRule,
    CaseAudit,
    ChecklistItem,
    Independence,
    ModerationRule,
    Reflection,
    Theme,
    ThemedRound,
)
from handlers.programme.base import (
    DEFAULT_GRADES,
    PRACTITIONER_ROLES,
    ROLES,
    CaseType,
    ChecklistRule,
    Month,
    NudgeRule,
    QuietPeriod,
    ReminderRule,
    Role,
    Strict,
    Window,
)

__all__ = [
    "DEFAULT_GRADES",
    "PRACTITIONER_ROLES",
    "PRESETS_DIR",
    "ROLES",
    "ActionActivity",
    "Activity",
    "AuditorRule",
    "BroadcastActivity",
    "CaseAudit",
    "CaseType",
    "ChecklistItem",
    "ChecklistRule",
    "Independence",
    "ModerationRule",
    "Month",
    "NudgeRule",
    "ObservationActivity",
    "ObservationGroup",
    "Permissions",
    "PracticeWeekActivity",
    "Programme",
    "ProgrammeError",
    "QuietPeriod",
    "Reflection",
    "ReminderRule",
    "Role",
    "Strict",
    "Theme",
    "ThemedRound",
    "Window",
    "load_programme",
    "parse_programme",
    "preset_names",
    "resolve",
]

PRESETS_DIR = Path(__file__).parent / "presets"


class ObservationGroup(Strict):
    """A cadence for one group of staff: every N months, or at set months (ASYE).

    The observer is the line manager, or (`manager_by_role`) the nearest manager above the
    worker holding `observer_role`. With `per: observer` the cadence binds each observer
    (one observation of someone in `applies_to` below them every N months), not each worker.
    With `supervisors_only` the group covers only those who supervise someone (anyone reports
    to them): Shropshire's observation of supervision "for each manager".
    """

    name: str = Field(min_length=1, max_length=32)
    applies_to: list[Role] = Field(min_length=1)
    asye: bool = False
    every_months: int | None = Field(default=None, ge=1, le=36)
    at_months: list[Annotated[int, Field(ge=1, le=24)]] | None = None
    observer: Literal["line_manager", "manager_by_role"] = "line_manager"
    observer_role: Role | None = None
    per: Literal["observed", "observer"] = "observed"
    supervisors_only: bool = False

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


Activity = Annotated[
    CaseAudit | ObservationActivity | PracticeWeekActivity | BroadcastActivity | ActionActivity,
    Field(discriminator="kind"),
]


class Permissions(Strict):
    """Only these roles may broadcast, allocate, load practice-week schedules or export (SPEC
    §7); the QA team's roles see what only the QA team sees (read counts among it)."""

    allocate: tuple[Role, ...] = ("qa_manager", "qa_officer")
    broadcast: tuple[Role, ...] = ("qa_manager", "qa_officer", "principal_social_worker")
    practice_week: tuple[Role, ...] = ("qa_manager", "qa_officer")
    export: tuple[Role, ...] = ("qa_manager",)
    qa_team: tuple[Role, ...] = ("qa_manager", "qa_officer", "principal_social_worker")


class Programme(Strict):
    name: str
    council: str
    timezone: str = "Europe/London"
    bank_holidays: Literal["england", "wales", "scotland", "northern_ireland"] = "england"
    working_hours: tuple[dt.time, dt.time] = (dt.time(9, 0), dt.time(17, 0))
    # days in every year when nothing falls due and no nudge goes (e.g. 12-24 to 01-01)
    quiet_periods: list[QuietPeriod] = Field(default_factory=list)
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
