"""The programme schema's common parts: roles, the strict base model, windows and nudge rules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class MonthDay(BaseModel):
    """A day of the year without the year, written "MM-DD" (29 February is not allowed)."""

    model_config = ConfigDict(frozen=True)
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if isinstance(value, str):
            month, sep, day = value.strip().partition("-")
            if not sep or not month.isdigit() or not day.isdigit():
                raise ValueError(f"give a day of the year as MM-DD, e.g. 12-24, not {value!r}")
            return {"month": int(month), "day": int(day)}
        return value

    @model_validator(mode="after")
    def _real_day(self) -> MonthDay:
        import calendar

        if self.day > calendar.monthrange(2027, self.month)[1]:
            raise ValueError(f"{self.month:02d}-{self.day:02d} is not a day of the year")
        return self


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


class ChecklistRule(ReminderRule):
    """Nudges before the audit only: the checklist is the practitioner's preparation, so nothing
    follows the audit date and nothing goes to a manager. Only `before_working_days` is set."""

    overdue_nudges: int | None = 0
    escalate_after_working_days: None = None

    @field_validator(
        "overdue_every_working_days", "overdue_nudges", "escalate_after_working_days",
        "escalate_to", mode="before",
    )  # fmt: skip
    @classmethod
    def _before_the_audit_only(cls, value: object) -> object:
        raise ValueError(
            "checklist reminders stop at the audit date and never go to a manager: "
            "set only before_working_days"
        )


class QuietPeriod(Strict):
    """Days in every year when nothing falls due and no nudge goes, e.g. 24 December to
    1 January. Given as month and day ("12-24"); a span may run over the new year."""

    first: MonthDay
    last: MonthDay
