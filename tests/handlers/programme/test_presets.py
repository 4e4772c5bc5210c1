"""The shipped presets: each validates and encodes its framework's cadence (SPEC §2 "Presets")."""

from __future__ import annotations

import re

import pytest

from handlers.programme.schema import (
    PRACTITIONER_ROLES,
    PRESETS_DIR,
    ActionActivity,
    BroadcastActivity,
    CaseAudit,
    ObservationActivity,
    ObservationGroup,
    PracticeWeekActivity,
    Programme,
    load_programme,
    preset_names,
)

PRESETS = ["camden", "default", "durham", "hammersmith-fulham", "haringey", "shropshire"]


def _audit(programme: Programme, activity_id: str) -> CaseAudit:
    found = next(a for a in programme.activities if a.id == activity_id)
    assert isinstance(found, CaseAudit)
    return found


def _one(programme: Programme, kind: type[object]) -> object:
    (found,) = programme.of_kind(kind)
    return found


def _groups(programme: Programme) -> dict[str, ObservationGroup]:
    observation = _one(programme, ObservationActivity)
    assert isinstance(observation, ObservationActivity)
    return {g.name: g for g in observation.groups}


def _broadcasts(programme: Programme) -> dict[str, BroadcastActivity]:
    return {b.title: b for b in programme.of_kind(BroadcastActivity)}


def test_the_six_presets_ship() -> None:
    assert preset_names() == PRESETS


@pytest.mark.parametrize("name", PRESETS)
def test_preset_validates(name: str) -> None:
    programme = load_programme(name)
    assert programme.name == name
    assert programme.of_kind(CaseAudit)


@pytest.mark.parametrize("name", PRESETS)
def test_every_activity_carries_a_comment(name: str) -> None:
    """Each activity is introduced by a comment citing its source (or saying it is a default)."""
    lines = (PRESETS_DIR / f"{name}.yaml").read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^  - id: ", line):
            above = lines[max(0, index - 4) : index]
            assert any(a.strip().startswith("#") for a in above), f"{name}: {line.strip()}"


@pytest.mark.parametrize("name", PRESETS)
def test_asye_observed_three_times_by_months_3_6_11(name: str) -> None:
    asye = _groups(load_programme(name))["asye"]
    assert asye.asye and asye.at_months == [3, 6, 11]


def test_hammersmith_fulham_monthly_audits() -> None:
    programme = load_programme("hammersmith-fulham")
    audit = _audit(programme, "monthly_audit")
    assert audit.period == "monthly"
    assert audit.window.week_of_month == 2
    assert audit.coverage_months == 6
    assert audit.independence.across_services is True
    assert [(r.role, r.cases) for r in audit.auditors] == [
        ("team_manager", 1),
        ("deputy_team_manager", 1),
        ("cp_chair", 1),
        ("iro", 1),
    ]
    assert audit.themed_months and audit.report_every_months == 3


def test_hammersmith_fulham_practice_week_and_learning() -> None:
    programme = load_programme("hammersmith-fulham")
    week = _one(programme, PracticeWeekActivity)
    assert isinstance(week, PracticeWeekActivity)
    assert len(week.months) == 2 and week.visitors == ["head_of_service"] and week.graded
    assert _groups(programme)["experienced"].every_months == 12
    broadcasts = _broadcasts(programme)
    assert broadcasts["Learning & Improvement newsletter"].format == "newsletter"
    assert broadcasts["Bitesize learning"].format == "bitesize"
    assert broadcasts["Learning & Improvement report"].cadence == "quarterly"
    assert _one(programme, ObservationActivity).family_consent  # type: ignore[attr-defined]


def test_shropshire_child_journey_audit() -> None:
    programme = load_programme("shropshire")
    audit = _audit(programme, "child_journey_audit")
    roles = {r.role for r in audit.auditors}
    assert {"director", "head_of_service", "service_manager", "team_manager"} <= roles
    assert {"senior_practitioner", "iro"} <= roles
    assert all(r.cases == 1 for r in audit.auditors)
    assert audit.joins_one_audit == ["principal_social_worker"]
    action = _one(programme, ActionActivity)
    assert isinstance(action, ActionActivity) and action.track_grades == ["Inadequate"]
    assert _broadcasts(programme)["Weekly Brief"].cadence == "weekly"


def test_shropshire_says_who_observes_whom() -> None:
    groups = _groups(load_programme("shropshire"))
    staff = groups["staff_yearly"]
    assert (staff.observer, staff.every_months) == ("line_manager", 12)
    heads = groups["head_of_service"]
    assert (heads.observer_role, heads.every_months, heads.per) == (
        "head_of_service",
        6,
        "observer",
    )
    # "Direct observations of front line practitioners and Team Managers \ IROs", quarterly:
    # each service manager's own cadence, of anyone in their service
    managers = groups["service_manager"]
    assert managers.observer_role == "service_manager" and managers.every_months == 3
    assert managers.per == "observer"
    assert set(managers.applies_to) == {"practitioner", "senior_practitioner",
                                        "advanced_practitioner", "team_manager", "iro"}  # fmt: skip
    supervision = groups["supervision"]
    assert (supervision.observer_role, supervision.every_months, supervision.per) == (
        "service_manager", 12, "observed")  # fmt: skip
    assert supervision.supervisors_only and "senior_practitioner" in supervision.applies_to
    iro = groups["principal_iro"]
    assert set(iro.applies_to) == {"iro", "cp_chair"} and iro.every_months == 12


def test_haringey_light_touch_random_sample() -> None:
    programme = load_programme("haringey")
    audit = _audit(programme, "light_touch_audit")
    assert audit.allocation == "random_sample" and audit.sample_size == 40  # 480 a year
    assert audit.lead_auditor_role is not None
    assert audit.case_lookback_months == 6 and audit.with_family
    assert audit.report_every_months == 3


def test_haringey_three_event_audits_a_year() -> None:
    programme = load_programme("haringey")
    events = _audit(programme, "event_audit")
    assert len(events.themed_rounds) == 3
    running = set(range(1, 13)) - set(events.skip_months)
    assert running == {r.month for r in events.themed_rounds}
    assert not programme.of_kind(PracticeWeekActivity)
    workshops = _broadcasts(programme)["Practice development workshop"]
    assert (workshops.format, workshops.cadence) == ("workshop", "monthly")


def test_camden_learning_conversations() -> None:
    audit = _audit(load_programme("camden"), "learning_conversation")
    assert audit.skip_months == [8, 12]
    assert audit.rule_for("team_manager", "Children in Need").every_periods == 2  # type: ignore[union-attr]
    assert audit.rule_for("service_manager", "Children in Need").cases == 1  # type: ignore[union-attr]
    operational = audit.rule_for("head_of_service", "Children in Need")
    assert operational is not None and (operational.cases, operational.moderations) == (0, 4)
    for service in ("Quality Assurance", "Practice and Learning"):
        head = audit.rule_for("head_of_service", service)
        assert head is not None and (head.cases, head.moderations) == (1, 1)
    assert audit.moderation is not None
    assert audit.moderation.always_grades == ["Outstanding", "Inadequate"]
    assert audit.moderation.share_of_rest > 0


def test_camden_learning() -> None:
    programme = load_programme("camden")
    week = _one(programme, PracticeWeekActivity)
    assert isinstance(week, PracticeWeekActivity) and len(week.months) == 2
    assert not set(week.months) & {8, 12}
    assert _broadcasts(programme)["Monthly staff bulletin"].cadence == "monthly"


def test_durham_cadence() -> None:
    programme = load_programme("durham")
    practitioners = _groups(programme)["practitioners"]
    assert practitioners.every_months == 6 and practitioners.observer == "line_manager"
    audit = _audit(programme, "collaborative_audit")
    assert audit.report_every_months == 3 and len(audit.themed_months) == 4
    assert audit.moderation is not None and audit.moderation.every_months == 3
    danger = next(i for i in audit.checklist if i.id == "danger_statements")
    assert danger.when is None  # Signs of Safety is Durham's framework for every case
    assert _broadcasts(programme)["Practitioner forum"].cadence == "every_4_weeks"
    assert _broadcasts(programme)["Raising the Bar newsletter"].format == "newsletter"


def test_default_is_the_common_ground() -> None:
    programme = load_programme("default")
    audit = _audit(programme, "case_audit")
    assert audit.period == "monthly" and audit.coverage_months == 6
    assert [p.text for p in audit.reflection.prompts] == [
        "What did you learn from this audit about your work with the child?",
        "What will you do next, or differently, because of it?",
        "What difference has our work made for the child?",
    ]
    sos = next(i for i in audit.checklist if i.id == "danger_statements")
    assert sos.when == "where Signs of Safety is used"
    experienced = _groups(programme)["experienced"]
    assert experienced.every_months == 12
    assert set(experienced.applies_to) == set(PRACTITIONER_ROLES)
