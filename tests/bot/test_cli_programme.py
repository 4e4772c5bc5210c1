"""`qabot programme`: exit codes, what goes to stdout and stderr, and no tracebacks for mistakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from handlers.programme.schema import PRESETS_DIR

BROKEN = """\
name: broken
council: Test Council
activities:
  - id: audit
    kind: case_audit
    title: Case audit
    period: fortnightly
    auditors:
      - role: team_manager
    checklist:
      - id: chronology
        text: The chronology is up to date
    reflection:
      prompts:
        - id: working_well
          text: What is working well?
    colour: blue
"""


def test_list_names_every_preset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "list"]) == 0
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.splitlines()]
    assert names == ["camden", "default", "durham", "hammersmith-fulham", "haringey", "shropshire"]
    assert "London Borough of Camden" in out


def test_check_a_preset_prints_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "check", "haringey"]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1
    assert captured.out.startswith("haringey: valid programme for London Borough of Haringey: ")
    assert captured.err == ""


def test_check_a_valid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text((PRESETS_DIR / "durham.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["programme", "check", str(path)]) == 0
    assert "valid programme for Durham County Council" in capsys.readouterr().out


def test_check_a_broken_file_lists_every_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["programme", "check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[0].startswith(f"qabot: {path}:7: activities.0.period: Input should be 'monthly'")
    assert lines[1] == f"qabot: {path}:17: activities.0.colour: " + (
        "unknown key: check its spelling and indentation"
    )
    assert len(lines) == 2
    assert "Traceback" not in captured.err


def test_check_bad_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\n  council: y\n", encoding="utf-8")
    assert main(["programme", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"qabot: {path}:2: not valid YAML:")
    assert err.count("\n") == 1


def test_check_a_missing_file_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "check", "no-such-file.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qabot: no programme 'no-such-file.yaml': give a file or a preset")
    assert err.count("\n") == 1


def test_show_describes_the_cadence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "show", "camden"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("camden — London Borough of Camden\n")
    assert "none in August, December" in out
    assert "team manager 1 case every 2 periods" in out
    assert "head of service 0 cases + 4 moderations (not in Quality Assurance" in out
    assert "Getting Closer to Practice Week" in out


def test_show_says_who_observes_whom(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "show", "shropshire"]) == 0
    out = capsys.readouterr().out
    assert "each head of service observes one of practitioner" in out
    assert "team manager, IRO below them every 3 months (qabot suggests" in out
    assert "supervision: team manager, deputy team manager, senior practitioner, advanced " in out
    assert "practitioner who supervise someone observed every 12 months by the service" in out
    assert "the observer hears 14 days ahead, then 5 and 1 working days before due" in out
    assert "escalates to the observer's own manager (skipping anyone away) once 10" in out
    assert "family consent (needed for a home visit), strengths, areas to develop" in out


def test_show_window_and_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "show", "hammersmith-fulham"]) == 0
    out = capsys.readouterr().out
    assert "monthly, in week 2 of the month" in out
    assert "every practitioner at least every 6 months" in out
    assert "from another service" in out


def test_show_yaml_prints_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "show", "durham", "--yaml"]) == 0
    assert capsys.readouterr().out == (PRESETS_DIR / "durham.yaml").read_text(encoding="utf-8")


def test_show_an_unknown_preset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "show", "atlantis"]) == 2
    err = capsys.readouterr().err
    assert "no programme 'atlantis'" in err and "Traceback" not in err


@pytest.mark.parametrize("verb", [[], ["check"], ["show"], ["list"]])
def test_help(verb: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["programme", *verb, "--help"])
    assert exit_.value.code == 0
    assert "usage: qabot programme" in capsys.readouterr().out


def test_a_verb_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["programme"])
    assert exit_.value.code == 2
    assert "VERB" in capsys.readouterr().err


def test_show_describes_each_reminder_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "show", "camden"]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert "checklist reminders: 3 and 1 working days before the audit; none after it" in lines
    assert (
        "record reminders: 3 and 1 working days before due, then every 5 working days while "
        "overdue, once at most; escalates to their line manager once 5 working days overdue"
    ) in lines
    assert (
        "reflection reminders: due 5 working days after the audit is recorded; 2 working days "
        "before due, then every 3 working days while overdue, twice at most; never to a manager"
    ) in lines
    assert (
        "moderation reminders: due 15 working days after it is asked for; 2 working days before "
        "due, then every 5 working days while overdue, twice at most; never to a manager"
    ) in lines
    assert (
        "reminders: 3 and 1 working days before due, then every 5 working days while overdue; "
        "escalates to their line manager once 10 working days overdue"
    ) in lines


UNUSUAL_REMINDERS = """\
name: mine
council: Test Council
activities:
  - id: audit
    kind: case_audit
    title: Case audit
    auditors:
      - role: team_manager
    checklist:
      - id: chronology
        text: The chronology is up to date
    checklist_reminders:
      before_working_days: [1, 0]
    record_reminders:
      before_working_days: [5, 3, 1]
      overdue_every_working_days: 2
      escalate_after_working_days: 1
    reflection:
      prompts:
        - id: working_well
          text: What is working well?
      due_working_days: 1
      reminders:
        before_working_days: []
        overdue_nudges: 0
    moderation:
      moderators: [head_of_service]
      reminders:
        before_working_days: [0]
        overdue_nudges: 3
  - id: actions
    kind: action
    title: Actions
    reminders:
      before_working_days: [1]
      overdue_every_working_days: 1
      escalate_after_working_days: null
"""


def test_show_words_unusual_reminder_rules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(UNUSUAL_REMINDERS, encoding="utf-8")
    assert main(["programme", "show", str(path)]) == 0
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert [line for line in lines if "reminders:" in line] == [
        "checklist reminders: 1 working day before the audit and on the day; none after it",
        "record reminders: 5, 3 and 1 working days before due, none while overdue; "
        "escalates to their line manager once 1 working day overdue",
        "reflection reminders: due 1 working day after the audit is recorded; none before due, "
        "none while overdue; never to a manager",
        "moderation reminders: due 10 working days after it is asked for; on the due day, then "
        "every 3 working days while overdue, 3 times at most; never to a manager",
        "reminders: 1 working day before due, then every working day while overdue; never to a "
        "manager",
    ]


def test_show_gives_haringeys_six_months_as_the_auditors_focus(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["programme", "show", "haringey"]) == 0
    out = capsys.readouterr().out
    assert "the auditor is asked to focus on: the last 6 months" in out
    assert main(["programme", "show", "durham"]) == 0
    assert "focus on" not in capsys.readouterr().out


def test_show_says_what_runs_for_themes_moderation_and_independence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = {}
    for preset in ("haringey", "durham", "shropshire", "camden"):
        assert main(["programme", "show", preset]) == 0
        shown[preset] = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert (
        'themed: October — children in residential care (CLA cases tagged "children\'s home" '
        "or 'residential care' or 'residential placement'; 12 cases)"
    ) in shown["haringey"]
    assert any(
        line.startswith("moderation:")
        and line.endswith("every 3 months, covering audits from each of those months")
        for line in shown["durham"]
    )
    assert any(
        line.startswith("moderation:") and "each moderator's monthly number is met" in line
        for line in shown["camden"]
    )
    independence = (
        "independence: never their own case, no manager anywhere above the worker in their "
        "line of management"
    )
    assert independence in shown["durham"]
    assert (
        f"{independence} (except director), never the worker's own line manager"
        in (shown["shropshire"])
    )


def test_show_says_what_the_qa_team_hears_and_follows(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["programme", "show", "shropshire"]) == 0
    shown = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert (
        "each round: the QA team hears in a DM each what was allocated, and who is not in the "
        "round and why" in shown
    )
    assert any(
        "tracks actions from audits graded Inadequate: the QA team sees those audits in My QA "
        "until their actions are closed; due in 20 working days" in line
        for line in shown
    )
