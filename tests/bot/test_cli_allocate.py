"""`qabot allocate`: a preview writes nothing, --explain says who is left out and why."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from storage import make_engine, make_sessions, upgrade
from storage.case_audit import themes as named_themes
from storage.models import AuditRound, OutboxMessage
from storage.people import CaseRecord, PersonRecord, Roster, apply_roster

PEOPLE = [
    ("S01", "Helen Clarke", "head_of_service", "Leadership", None),
    ("S03", "Dana Hughes", "team_manager", "Team A", None),  # S01 is outside their line
    ("S05", "Tom Okafor", "practitioner", "Team A", "S03"),
    ("S09", "Ann Other", "practitioner", "Team A", "S03"),
]


async def _council(url: str) -> None:
    people = tuple(
        PersonRecord(sid, name, f"{sid.lower()}@council.example", role, team, "Children", boss)
        for sid, name, role, team, boss in PEOPLE
    )
    cases = (CaseRecord("C-000101", "S05", "CP", dt.date(2026, 9, 1)),)
    engine = make_engine(url)
    async with make_sessions(engine).begin() as session:
        now = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
        await apply_roster(session, Roster(people, cases), now=now, actor="test")
    await engine.dispose()


async def _counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    async with make_sessions(engine)() as session:
        rounds = (await session.execute(select(func.count(AuditRound.id)))).scalar_one()
        sent = (await session.execute(select(func.count(OutboxMessage.id)))).scalar_one()
    await engine.dispose()
    return rounds, sent


@pytest.fixture
def council(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'qabot.db'}"
    upgrade(url)
    asyncio.run(_council(url))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QABOT_DATABASE_URL", url)
    monkeypatch.setenv("QABOT_PROGRAMME", "default")
    return url


def test_dry_run_explains_and_writes_nothing(
    council: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["allocate", "--period", "2027-01", "--as-of", "2027-01-04", "--dry-run", "--explain"])
        == 0
    )
    out = capsys.readouterr().out
    assert "case_audit 2027-01: 1 audit (preview, nothing written)" in out
    assert "S01 audits C-000101 with S05" in out and "why: S05 never audited" in out
    assert "uncovered: 1 practitioner\n" in out and "S09 (overdue): no open case" in out
    assert asyncio.run(_counts(council)) == (0, 0)


def test_a_second_run_changes_nothing(council: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["allocate", "--period", "2027-01", "--as-of", "2027-01-04"]) == 0
    assert "1 audit (allocated)" in capsys.readouterr().out
    assert asyncio.run(_counts(council)) == (1, 3)
    assert (
        main(
            ["allocate", "--period", "2027-01", "--as-of", "2027-01-04", "--activity", "case_audit"]
        )
        == 0
    )
    assert "already allocated (1 audit); nothing changed" in capsys.readouterr().out
    assert asyncio.run(_counts(council)) == (1, 3)


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--period", "2027-13"], "--period must be a month like 2027-01, not '2027-13'"),
        (["--period", "January"], "--period must be a month like 2027-01, not 'January'"),
        (["--period", "2027-01", "--activity", "nope"], "no case audit 'nope'"),
        (["--period", "2027-01", "--as-of", "soon"], "--as-of must be a date like 2027-01-04"),
        (["--period", "2027-01", "--theme-cases", "refs.txt"], "--theme-cases needs --theme"),
        (["--period", "2027-01", "--theme", "x", "--theme-cases", "none.txt"], "couldn't read"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_2(
    council: str, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    assert main(["allocate", *args]) == 2
    err = capsys.readouterr().err
    assert problem in err and len(err.strip().splitlines()) == 1
    assert asyncio.run(_counts(council)) == (0, 0)


def test_the_qa_team_names_a_rounds_theme_as_a_tag_or_a_list_of_cases(
    council: str, capsys: pytest.CaptureFixture[str]
) -> None:
    as_of = ["--period", "2027-01", "--as-of", "2027-01-04"]
    assert main(["allocate", *as_of, "--dry-run", "--theme", "neglect"]) == 0
    out = capsys.readouterr().out
    assert "case_audit 2027-01: no round: no open case is in the theme 'neglect'" in out
    Path("refs.csv").write_text("case_ref,note\nC-000101,first\n", encoding="utf-8")
    assert main(["allocate", *as_of, "--theme", "Month list", "--theme-cases", "refs.csv"]) == 0
    out = capsys.readouterr().out
    assert "1 audit (allocated); window 2027-01-04 to 2027-01-28, theme 'Month list'" in out
    assert asyncio.run(_counts(council))[0] == 1


async def _name_ahead(url: str, theme: str) -> None:
    engine = make_engine(url)
    async with make_sessions(engine).begin() as session:
        now = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
        await named_themes.name_theme(session, "case_audit", "2027-01", theme, by_id=None, now=now)
    await engine.dispose()


def test_a_theme_named_ahead_is_the_rounds_unless_one_is_given_here(
    council: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The theme the QA team named in chat is what `qabot allocate` audits too; `--theme` given
    here wins, and the notes say what it replaced."""
    asyncio.run(_name_ahead(council, "neglect"))
    as_of = ["--period", "2027-01", "--as-of", "2027-01-04"]
    assert main(["allocate", *as_of, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "case_audit 2027-01: no round: no open case is in the theme 'neglect'" in out
    Path("refs.csv").write_text("case_ref\nC-000101\n", encoding="utf-8")
    given = ["--theme", "Month list", "--theme-cases", "refs.csv"]
    assert main(["allocate", *as_of, "--dry-run", "--explain", *given]) == 0
    out = capsys.readouterr().out
    assert "1 audit (preview, nothing written); window 2027-01-04 to 2027-01-28, theme" in out
    assert "note: the theme named ahead, 'neglect', gave way to 'Month list'" in out
