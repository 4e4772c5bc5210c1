"""The programme schema for case audits: auditors, independence, checklist, reflection,
moderation, and the actions that follow."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from handlers.programme.base import (
    CaseType,
    ChecklistRule,
    Month,
    NudgeRule,
    ReminderRule,
    Role,
    Strict,
    Window,
)


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
    """Who may not audit whom. An auditor never audits their own case.

    `not_line_of_management` bars every manager above the worker in the management chain (their
    line manager, that manager's manager and so on up); `not_line_manager` alone bars only the
    first. Moderation is free of both: a head of service may moderate their own service's audits.
    """

    not_line_manager: bool = True
    not_line_of_management: bool = True
    across_services: bool = False
    # Roles above every service whose framework asks them to audit anyway (Shropshire's director
    # "Audit 1 case"): they may audit below them, never as the worker's own line manager.
    line_of_management_exempt: list[Role] = Field(default_factory=list)


class Theme(Strict):
    """What a themed round audits: its group of cases.

    A case is in the group when it has one of `tags` (every spelling and synonym the council
    uses in cases.csv `themes`), is of one of `case_types` and is held in one of `services`;
    any of the three left out does not narrow the group. `case_refs`, an uploaded list, names
    the group outright. With none given, the theme's name is its one tag (Haringey 3.2.1:
    "specific issues or care groups": residential care is a placement, so a case type).
    """

    name: str = Field(min_length=1, max_length=100)
    tags: list[str] = Field(default_factory=list)
    case_types: list[CaseType] = Field(default_factory=list)
    services: list[str] = Field(default_factory=list)
    case_refs: list[str] = Field(default_factory=list)
    # A themed round is sized in cases: at most this many from the group (None: every
    # auditor's places, as an ordinary round).
    cases: int | None = Field(default=None, ge=1, le=1000)

    def spellings(self) -> frozenset[str]:
        """The tags that mark a case for this theme, compared without case or extra spaces."""
        named = self.tags or ([] if self.case_types or self.services or self.case_refs
                              else [self.name])  # fmt: skip
        return frozenset(" ".join(tag.split()).casefold() for tag in named)

    def describe(self) -> str:
        """In plain words, e.g. "children looked after (CLA) cases tagged residential"."""
        if self.case_refs:
            return f"a list of {len(self.case_refs)} cases"
        parts = []
        if self.case_types:
            parts.append(f"{'/'.join(self.case_types)} cases")
        if self.services:
            parts.append(f"in {', '.join(self.services)}")
        tags = sorted(self.spellings())
        if tags:
            parts.append(f"tagged {' or '.join(repr(t) for t in tags)}")
        return " ".join(parts) if parts else "any case"


class ThemedRound(Strict):
    """A month whose round audits a named theme (defined under `themes`, or a tag)."""

    month: Month
    theme: str = Field(min_length=1, max_length=100)


class ChecklistItem(Strict):
    """One item; `when` says, in words shown with it, the cases it applies to, and
    `case_types` (when given) the case types it is for: on any other case it is not shown and
    does not hold a reminder open."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1)
    when: str | None = None
    case_types: list[CaseType] | None = None

    def applies_to(self, case_type: str) -> bool:
        return self.case_types is None or case_type in self.case_types


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
    themes: list[Theme] = Field(default_factory=list)
    themed_rounds: list[ThemedRound] = Field(default_factory=list)
    themed_months: list[Month] = Field(default_factory=list)
    # The auditor talks with the family: the record asks what they said (or why not).
    with_family: bool = False
    # An instruction to the auditor, shown with the allocation and on the form: look at the
    # work of the last N months (Haringey 3.1.1). Not an allocation rule.
    focus_months: int | None = Field(default=None, ge=1, le=36)
    # What the programme calls one of these audits in messages (Camden: "learning conversation").
    called: str = Field(default="audit", min_length=1, max_length=40)
    checklist: list[ChecklistItem] = Field(min_length=1)
    checklist_reminders: ChecklistRule = ChecklistRule()
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
        names = [t.name.casefold() for t in self.themes]
        if len(set(names)) < len(names):
            raise ValueError("two themes have the same name")
        for i, rule in enumerate(self.auditors):
            for other in self.auditors[i + 1 :]:
                if not rule.is_apart_from(other):
                    raise ValueError(
                        f"two auditor rules for {rule.role} could both apply to one person; "
                        "keep them apart with services/exclude_services"
                    )
        return self

    def theme_named(self, name: str) -> Theme:
        """The theme of this name under `themes`, or a theme that is just that tag."""
        wanted = " ".join(name.split()).casefold()
        found = (t for t in self.themes if " ".join(t.name.split()).casefold() == wanted)
        return next(found, Theme(name=name.strip()))

    def rule_for(self, role: str, service: str) -> AuditorRule | None:
        """The auditor rule for a person with this role in this service, if any."""
        return next((r for r in self.auditors if r.covers(role, service)), None)


class ActionActivity(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["action"]
    title: str
    default_due_working_days: int = Field(default=20, ge=1)
    reminders: ReminderRule = ReminderRule()
    track_grades: list[str] = Field(default_factory=lambda: ["Inadequate"])
