"""The programme schema: valid files load, and every mistake names its key path and line."""

from __future__ import annotations

import textwrap

import pytest

from handlers.programme.schema import (
    CaseAudit,
    ObservationActivity,
    ProgrammeError,
    load_programme,
    parse_programme,
)

MINIMAL = """\
name: test
council: Test Council
activities:
  - id: audit
    kind: case_audit
    title: Case audit
    window:
      week_of_month: 2
    auditors:
      - role: team_manager
        cases: 1
    checklist:
      - id: chronology
        text: The chronology is up to date
    reflection:
      prompts:
        - id: working_well
          text: What is working well?
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(ProgrammeError) as caught:
        parse_programme(text, "p.yaml")
    return str(caught.value).splitlines()


def _with_audit_extra(extra: str) -> str:
    """The minimal programme with more keys added to its case audit."""
    return MINIMAL + textwrap.indent(textwrap.dedent(extra), "    ")


def test_minimal_programme_loads_with_defaults() -> None:
    programme = parse_programme(MINIMAL)
    audit = programme.activities[0]
    assert isinstance(audit, CaseAudit)
    assert audit.window.week_of_month == 2
    assert audit.period == "monthly"
    assert programme.timezone == "Europe/London"


def test_a_bad_value_names_its_key_path_and_line() -> None:
    text = MINIMAL.replace("week_of_month: 2", "week_of_month: 7")
    assert _problems(text) == [
        "p.yaml:8: activities.0.window.week_of_month: Input should be less than or equal to 4"
    ]


def test_every_problem_is_listed_each_on_its_own_line() -> None:
    text = MINIMAL.replace("week_of_month: 2", "week_of_month: 0").replace(
        "role: team_manager", "role: wizard"
    )
    problems = _problems(text)
    assert len(problems) == 2
    assert problems[0].startswith("p.yaml:8: activities.0.window.week_of_month:")
    assert problems[1].startswith("p.yaml:10: activities.0.auditors.0.role:")


def test_unknown_keys_are_rejected_at_their_line() -> None:
    text = MINIMAL.replace("    title: Case audit\n", "    title: Case audit\n    colour: blue\n")
    assert _problems(text) == [
        "p.yaml:7: activities.0.colour: unknown key: check its spelling and indentation"
    ]


def test_unknown_top_level_key_is_rejected() -> None:
    problems = _problems("colour: blue\n" + MINIMAL)
    assert problems == ["p.yaml:1: colour: unknown key: check its spelling and indentation"]


def test_a_missing_key_points_at_its_parent() -> None:
    text = MINIMAL.replace("    title: Case audit\n", "")
    assert _problems(text) == ["p.yaml:4: activities.0.title: Field required"]


def test_bad_yaml_is_reported_with_its_line() -> None:
    problems = _problems("name: test\ncouncil: [Test\nactivities: []\n")
    assert len(problems) == 1
    assert problems[0].startswith("p.yaml:3: not valid YAML:")
    assert "began on line 2" in problems[0]


def test_a_repeated_key_is_refused_rather_than_silently_overwritten() -> None:
    text = MINIMAL.replace("    title: Case audit\n", "    title: Case audit\n    title: Again\n")
    assert _problems(text) == ["p.yaml:7: activities.0.title: key repeated (first given on line 6)"]


def test_an_empty_file_is_refused() -> None:
    assert _problems("") == [
        "p.yaml: (top level): Input should be a valid dictionary or instance of Programme"
    ]


def test_random_sample_needs_a_sample_size() -> None:
    problems = _problems(_with_audit_extra("allocation: random_sample\n"))
    assert problems == ["p.yaml:4: activities.0: allocation random_sample needs sample_size"]


def test_themed_month_may_not_be_skipped() -> None:
    problems = _problems(_with_audit_extra("skip_months: [8]\nthemed_months: [8]\n"))
    assert problems == ["p.yaml:4: activities.0: themed month(s) [8] are also in skip_months"]


def test_one_theme_a_month() -> None:
    extra = """\
    themed_rounds:
      - {month: 9, theme: neglect}
      - {month: 9, theme: domestic abuse}
    """
    assert "one theme a month" in _problems(_with_audit_extra(extra))[0]


def test_two_rules_for_one_role_must_be_kept_apart_by_service() -> None:
    text = MINIMAL.replace(
        "      - role: team_manager\n        cases: 1\n",
        "      - {role: team_manager, cases: 1}\n      - {role: team_manager, cases: 2}\n",
    )
    assert "two auditor rules for team_manager" in _problems(text)[0]


def test_rules_apart_by_service_pick_the_right_one() -> None:
    text = MINIMAL.replace(
        "      - role: team_manager\n        cases: 1\n",
        textwrap.indent(
            "- {role: head_of_service, cases: 0, moderations: 4, exclude_services: [QA]}\n"
            "- {role: head_of_service, cases: 1, moderations: 1, services: [QA]}\n",
            "      ",
        ),
    )
    audit = parse_programme(text).activities[0]
    assert isinstance(audit, CaseAudit)
    assert audit.rule_for("head_of_service", "QA").moderations == 1  # type: ignore[union-attr]
    assert audit.rule_for("head_of_service", "Safeguarding").moderations == 4  # type: ignore[union-attr]
    assert audit.rule_for("team_manager", "QA") is None


def test_services_and_exclude_services_may_not_overlap() -> None:
    text = MINIMAL.replace(
        "        cases: 1\n",
        "        cases: 1\n        services: [QA]\n        exclude_services: [QA]\n",
    )
    assert _problems(text) == [
        "p.yaml:10: activities.0.auditors.0: services and exclude_services both name QA"
    ]


OBSERVATION = """\
  - id: observation
    kind: observation
    title: Observation of practice
    groups:
      - name: heads
        applies_to: [practitioner]
        every_months: 6
"""


def test_observer_by_role_needs_the_role() -> None:
    text = MINIMAL + OBSERVATION + "        observer: manager_by_role\n"
    assert "observer_role goes with observer: manager_by_role" in _problems(text)[0]


def test_per_observer_cadence_needs_an_observer_role() -> None:
    text = MINIMAL + OBSERVATION + "        per: observer\n"
    assert "per: observer needs observer_role" in _problems(text)[0]


def test_observer_by_role_loads() -> None:
    extra = "        observer: manager_by_role\n        observer_role: head_of_service\n"
    text = MINIMAL + OBSERVATION + extra + "        per: observer\n"
    observation = parse_programme(text).activities[1]
    assert isinstance(observation, ObservationActivity)
    group = observation.groups[0]
    assert (group.observer, group.observer_role, group.per) == (
        "manager_by_role",
        "head_of_service",
        "observer",
    )


def test_observation_group_names_are_unique() -> None:
    text = MINIMAL + OBSERVATION + OBSERVATION.split("    groups:\n")[1]
    assert "observation group names must be unique" in _problems(text)[0]


def test_an_unknown_programme_name_lists_the_presets() -> None:
    with pytest.raises(ProgrammeError, match="camden, default, durham"):
        load_programme("no-such-council")
