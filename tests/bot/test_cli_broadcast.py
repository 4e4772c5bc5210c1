"""`qabot broadcast add` and `qabot broadcast list` from the command line: a file refused with
one line naming what was found and where, with nothing stored; a good one queued and listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bot.cli import main
from storage.models import Broadcast

ITEM = "# Bitesize: the voice of the child\n\nWhat 48 audits in 2026 taught us.\n"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite URL in the environment, run from an empty folder so no .env is read."""
    url = f"sqlite:///{tmp_path / 'qabot.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QABOT_DATABASE_URL", url)
    return url


def stored(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        count: int = connection.execute(select(func.count(Broadcast.id))).scalar_one()
    engine.dispose()
    return count


def test_a_file_with_an_nhs_number_is_refused_in_one_line(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    item = tmp_path / "bitesize.md"
    item.write_text(ITEM + "\nThe referral quoted 943 476 5919.\n")
    code = main(["broadcast", "add", str(item), "--kind", "bitesize"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert err[-1] == (
        "qabot: bitesize.md not queued, it may identify a child: line 5, column 21: an NHS number"
    )
    assert "943" not in "\n".join(err)
    assert stored(database) == 0


def test_a_good_file_is_queued_at_its_time_and_listed(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    item = tmp_path / "bitesize.md"
    item.write_text(ITEM)
    # a time far ahead: the command refuses one that has passed
    code = main(["broadcast", "add", str(item), "--kind", "bitesize", "--channel", "learning",
                 "--at", "2099-02-05T10:30"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.strip() == (
        "qabot: queued bitesize 1 'Bitesize: the voice of the child' for channel:learning, "
        "posting Thu 05 Feb 2099 10:30"
    )
    assert main(["broadcast", "list"]) == 0
    assert capsys.readouterr().out.strip() == (
        "1  Thu 05 Feb 2099 10:30  queued  bitesize    channel:learning  "
        "Bitesize: the voice of the child"
    )
    assert stored(database) == 1


def test_a_file_without_a_heading_or_a_bad_time_is_one_clear_line(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    item = tmp_path / "note.md"
    item.write_text("Just a paragraph.\n")
    assert main(["broadcast", "add", str(item), "--kind", "newsletter"]) != 0
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "qabot: note.md has no heading: start it with a line like '# This month's learning'"
    )
    item.write_text(ITEM)
    assert main(["broadcast", "add", str(item), "--kind", "newsletter", "--at", "soon"]) != 0
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "qabot: --at must be a date and time like 2027-02-02T10:00, not 'soon'"
    )
    assert stored(database) == 0
    assert main(["broadcast", "add", str(item), "--kind", "newsletter", "--at", "2020-01-07"]) != 0
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "qabot: --at 2020-01-07 has passed: give a time still to come"
    )
    assert stored(database) == 0
