"""`qabot simulate` through the real command line: JSON lines or a summary, never the configured
database, and one clear line for a mistake."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.cli import main

FIXTURES = Path(__file__).parents[1] / "fixtures" / "roster"
PEOPLE, CASES = str(FIXTURES / "people.csv"), str(FIXTURES / "cases.csv")
SIX_WEEKS = ["--from", "2027-01-01", "--to", "2027-02-12"]


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty folder with a configured database that must never be created."""
    monkeypatch.chdir(tmp_path)
    configured = tmp_path / "configured.db"
    monkeypatch.setenv("QABOT_DATABASE_URL", f"sqlite:///{configured}")
    monkeypatch.setenv("QABOT_PROGRAMME", "default")
    return configured


def simulate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["simulate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_lines_in_time_order_and_the_database_untouched(
    capsys: pytest.CaptureFixture[str], elsewhere: Path, tmp_path: Path
) -> None:
    code, out, _ = simulate(capsys, *SIX_WEEKS, "--people", PEOPLE, "--cases", CASES, "--json")
    assert code == 0
    lines = [json.loads(text) for text in out.splitlines()]
    moments = [dt.datetime.fromisoformat(line["at"]) for line in lines]
    assert lines and moments == sorted(moments)
    allocated = [line for line in lines if line["type"] == "audit.allocated"]
    assert allocated and all(line["recipient"] == line["auditor"] for line in allocated)
    assert all(line["case_ref"].startswith("C-") for line in allocated)
    assert not elsewhere.exists() and list(tmp_path.iterdir()) == []


def test_the_same_seed_prints_the_same_lines(capsys: pytest.CaptureFixture[str]) -> None:
    args = (*SIX_WEEKS, "--people", PEOPLE, "--cases", CASES, "--json", "--seed", "5")
    assert simulate(capsys, *args)[1] == simulate(capsys, *args)[1]


def test_summary_counts_each_type_by_month(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = simulate(capsys, *SIX_WEEKS, "--people", PEOPLE, "--cases", CASES)
    assert code == 0
    assert "Nothing was sent" in out and "from your files" in out
    header = next(line for line in out.splitlines() if line.startswith("type"))
    assert header.split() == ["type", "27-01", "27-02", "total"]
    row = next(line for line in out.splitlines() if line.startswith("audit.allocated "))
    assert int(row.split()[-1]) >= 1
    assert "Simulated people:" in out


def test_a_demo_council_with_uk_dates(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = simulate(
        capsys, "--from", "04/01/2027", "--to", "08/01/2027", "--demo-people", "80", "--json"
    )
    assert code == 0
    types = {json.loads(text)["type"] for text in out.splitlines()}
    assert {"audit.allocated", "audit.notified", "allocation.summary"} <= types


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--to", "2027-02-01"], "--from is needed"),
        (["--from", "2027-13-01", "--to", "2027-02-01"], "--from must be a date"),
        (["--from", "01-02-2027", "--to", "2027-02-01"], "--from must be a date"),
        (["--from", "2027-02-01", "--to", "2027-01-01"], "is before --from"),
        (["--from", "2027-01-01", "--to", "2031-01-01"], "at most three years"),
        ([*SIX_WEEKS, "--people", PEOPLE], "--people and --cases together"),
        ([*SIX_WEEKS, "--respond-rate", "most"], "--respond-rate must be a number"),
        ([*SIX_WEEKS, "--respond-rate", "0.9", "--late-rate", "0.3"], "add up to 1"),
        ([*SIX_WEEKS, "--demo-people", "10"], "80 to 99999 people"),
        ([*SIX_WEEKS, "--programme", "nowhere"], "no programme 'nowhere'"),
        ([*SIX_WEEKS, "--people", "missing.csv", "--cases", CASES], "cannot read missing.csv"),
    ],
)
def test_a_mistake_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    code, out, err = simulate(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("qabot: ") and problem in err


def test_child_identifying_columns_refuse_the_whole_run(
    capsys: pytest.CaptureFixture[str], elsewhere: Path
) -> None:
    cases = str(FIXTURES / "cases_child_name.csv")
    code, out, err = simulate(capsys, *SIX_WEEKS, "--people", PEOPLE, "--cases", cases)
    assert code == 2 and out == ""
    assert "child_name" in err and "nothing was simulated" in err
    assert not elsewhere.exists()
