"""`qabot practice-week draft` and `qabot practice-week load` from the command line: exit codes,
what they print, and a schedule stored whole or not at all."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, update

from bot.cli import main
from storage.models import PracticeWeekSlot

FIXTURES = Path(__file__).parents[1] / "fixtures" / "roster"


QA_OFFICER = (
    "S0007,Quinn Okoro,quinn.okoro@council.example,qa_officer,Independent Reviewing Service,"
    "Quality Assurance,S0002,,,1.0,,,true\n"
)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite URL in the environment with the fixture roster and a QA officer (S0007, the one
    running the commands: QABOT_STAFF_ID) imported (the default programme: the director S0001
    and head of service S0002 visit)."""
    url = f"sqlite:///{tmp_path / 'qabot.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QABOT_DATABASE_URL", url)
    monkeypatch.setenv("QABOT_STAFF_ID", "S0007")
    people = tmp_path / "people.csv"
    people.write_text((FIXTURES / "people.csv").read_text() + QA_OFFICER)
    assert main(["import", str(people), str(FIXTURES / "cases.csv")]) == 0
    return url


def visits(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(select(func.count(PracticeWeekSlot.id))).scalar_one()
    engine.dispose()
    return found


def test_draft_then_load(database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    draft = tmp_path / "draft.csv"
    assert main(["practice-week", "draft", "--week", "2027-03-10", "--out", str(draft)]) == 0
    assert capsys.readouterr().out == f"qabot: wrote {draft} (4 visits); edit it, then load it\n"
    rows = [line.split(",") for line in draft.read_text().splitlines()]
    assert rows[0] == ["visitor", "team", "day", "slot", "activity"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("S0001", "CIN Team 1", "2027-03-08"),
        ("S0002", "Directorate", "2027-03-09"),
        ("S0001", "Independent Reviewing Service", "2027-03-10"),
        ("S0001", "Leadership", "2027-03-11"),
    ]
    assert main(["practice-week", "load", str(draft)]) == 0
    assert capsys.readouterr().out == "Practice week 2027-03-08 to 2027-03-12: 4 visits loaded\n"
    assert main(["practice-week", "load", str(draft)]) == 0
    assert capsys.readouterr().out == "Practice week 2027-03-08 to 2027-03-12: 4 visits replaced\n"
    assert visits(database) == 4


def test_a_draft_prints_when_not_told_where_to_write(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["practice-week", "draft", "--week", "2027-09-13"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "visitor,team,day,slot,activity" and len(out) == 5


def test_a_bad_schedule_lists_every_problem_and_loads_nothing(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule = tmp_path / "schedule.csv"
    schedule.write_text(
        "visitor,team,day,slot,activity\n"
        "S0001,CIN Team 1,2027-03-09,10:00-12:00,Case records\n"
        "S0002,Leadership,2027-03-09,10:00-12:00,Case records\n"
        "S0009,CIN Team 1,2027-03-10,all day,Discussion about C-000101\n"
    )
    capsys.readouterr()
    assert main(["practice-week", "load", str(schedule)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "schedule.csv, line 3, column team: S0002 would be visiting their own team",
        "schedule.csv, line 4, column visitor: no one on the staff list has staff_id 'S0009'",
        "schedule.csv, line 4, column slot: 'all day' is not a time slot; write it like "
        "10:00-12:00",
        "schedule.csv, line 4, column activity: may identify a child (the case reference at "
        "character 18); the schedule is posted to a channel, so leave cases and families out",
        "qabot: nothing was loaded; 4 problem(s) above",
    ]
    assert visits(database) == 0


def test_a_missing_file_or_a_bad_week_is_one_line(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["practice-week", "load", str(tmp_path / "nope.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qabot: cannot read ") and err.count("\n") == 1
    with pytest.raises(SystemExit) as exited:
        main(["practice-week", "draft", "--week", "March"])
    assert exited.value.code == 2
    assert "not a date like 2027-03-08: 'March'" in capsys.readouterr().err


REFUSED = (
    "qabot: Sorry, only a QA manager or QA officer can load or draft a practice week's schedule. "
    "Please ask one of them, and they can do it for you.\n"
)


def test_only_the_roles_the_programme_names_may_load_or_draft(
    database: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schedule = tmp_path / "schedule.csv"
    schedule.write_text("visitor,team,day,slot,activity\nS0001,CIN Team 1,2027-03-09,10:00-12:00,"
                        "Case records\n")  # fmt: skip
    capsys.readouterr()
    assert main(["practice-week", "load", str(schedule), "--as", "S0005"]) == 2
    assert capsys.readouterr().err == REFUSED
    assert main(["practice-week", "draft", "--week", "2027-03-10", "--as", "S0003"]) == 2
    assert capsys.readouterr().err == REFUSED
    assert main(["practice-week", "load", str(schedule), "--as", "S0404"]) == 2
    assert (
        capsys.readouterr().err == "qabot: no one active on the staff list has staff_id 'S0404'\n"
    )
    monkeypatch.delenv("QABOT_STAFF_ID")
    assert main(["practice-week", "load", str(schedule)]) == 2
    assert capsys.readouterr().err == (
        "qabot: say who you are with --as STAFF_ID: only a QA manager or QA officer can load or "
        "draft a practice week's schedule\n"
    )
    assert visits(database) == 0
    assert main(["practice-week", "load", str(schedule), "--as", "S0007"]) == 0
    assert visits(database) == 1


def test_the_findings_and_feedback_are_read_back_without_a_case_reference(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schedule = tmp_path / "schedule.csv"
    schedule.write_text(
        "visitor,team,day,slot,activity\n"
        "S0001,CIN Team 1,2027-03-09,10:00-12:00,Case records\n"
        "S0002,Directorate,2027-03-10,10:00-12:00,Direct observation\n"
    )
    assert main(["practice-week", "load", str(schedule)]) == 0
    engine = create_engine(database)
    with engine.begin() as connection:
        first, second = connection.execute(
            select(PracticeWeekSlot.id).order_by(PracticeWeekSlot.day)
        ).scalars()
        said = {"strengths": "Warm, curious practice", "develop": "Plans with families"}
        leaked = {"strengths": "Good work on C-000101", "develop": "More visits"}
        at = dt.datetime(2027, 3, 11, 9, tzinfo=dt.UTC)
        for visit, findings in ((first, said), (second, leaked)):
            connection.execute(
                update(PracticeWeekSlot).where(PracticeWeekSlot.id == visit).values(
                    findings=json.dumps(findings), findings_at=at, feedback_rating="very",
                    feedback="Thank you", feedback_at=at)
            )  # fmt: skip
    engine.dispose()
    capsys.readouterr()
    assert main(["practice-week", "findings", "--week", "2027-03-10"]) == 0
    out = capsys.readouterr().out
    assert "- Strengths: Warm, curious practice" in out
    assert "- The team found it: Very useful. “Thank you”" in out
    assert "C-000101" not in out and "More visits" not in out
    assert "names a case or a child's details, so I haven't shown it here" in out
    assert main(["practice-week", "findings", "--week", "2027-03-10", "--as", "S0005"]) == 2
    assert capsys.readouterr().err == (
        "qabot: Sorry, only a QA manager or QA officer can read a practice week's findings and "
        "feedback. Please ask one of them, and they can do it for you.\n"
    )
