"""`qabot import` and `qabot demo-data` from the command line: exit codes and what they print."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bot.cli import main
from storage.models import Case, Person

FIXTURES = Path(__file__).parents[1] / "fixtures" / "roster"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite URL in the environment, run from an empty folder so no .env is read."""
    url = f"sqlite:///{tmp_path / 'qabot.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QABOT_DATABASE_URL", url)
    return url


def counts(url: str) -> tuple[int, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        people = connection.execute(select(func.count(Person.id))).scalar_one()
        cases = connection.execute(select(func.count(Case.id))).scalar_one()
    engine.dispose()
    return people, cases


def test_demo_data_then_import(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["demo-data", "--people", "100", "--out", str(tmp_path / "demo"), "--seed", "3"]) == 0
    )
    wrote = capsys.readouterr().out
    assert wrote.startswith(f"qabot: wrote {tmp_path / 'demo' / 'people.csv'} (100 people in ")
    people, cases = tmp_path / "demo" / "people.csv", tmp_path / "demo" / "cases.csv"
    assert main(["import", str(people), str(cases)]) == 0
    stored = counts(database)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "people: 100 added, 0 updated, 0 deactivated",
        f"cases: {stored[1]} added, 0 updated, 0 closed",
    ]
    assert main(["import", str(people), str(cases), "--deactivate-missing"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "people: 0 added, 0 updated, 0 deactivated",
        "cases: 0 added, 0 updated, 0 closed",
    ]


def test_a_bad_file_lists_every_problem_and_writes_nothing(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = tmp_path / "people.csv"
    rows = (FIXTURES / "people.csv").read_text().replace(",1.0,", ",9,")
    people.write_text(rows)
    assert main(["import", str(people), str(FIXTURES / "cases.csv")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        "people.csv, line 2, column fte: fte must be a number from 0.1 to 1.0, not '9'",
        "people.csv, line 3, column fte: fte must be a number from 0.1 to 1.0, not '9'",
    ]
    assert err[-1] == "qabot: nothing was imported; 5 problem(s) above"
    assert "Traceback" not in "\n".join(err)
    assert counts(database) == (0, 0)


def test_child_identifying_columns_are_refused(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["import", str(FIXTURES / "people.csv"), str(FIXTURES / "cases_child_name.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "cases_child_name.csv, line 1, column child_name: looks like child-identifying" in err
    assert "Example Child" not in err
    assert counts(database) == (0, 0)


def test_extra_columns_are_warned_about(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(FIXTURES / "people_extra_columns.csv"), str(FIXTURES / "cases_extra_columns.csv")]
    assert main(["import", *files]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "qabot: warning: people_extra_columns.csv: ignored columns, not stored: "
        "payroll_number, grade, cost_centre",
        "qabot: warning: cases_extra_columns.csv: ignored columns, not stored: worker_team",
    ]
    assert counts(database) == (1, 1)


def test_a_missing_file_is_one_clear_line(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(tmp_path / "nope.csv"), str(FIXTURES / "cases.csv")]) == 2
    assert capsys.readouterr().err == (
        f"qabot: cannot read {tmp_path / 'nope.csv'}: No such file or directory\n"
    )


def test_demo_data_refuses_a_tiny_council(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo-data", "--people", "5", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "qabot: a demo council has 80 to 99999 people, not 5\n"
    assert not (tmp_path / "people.csv").exists()
