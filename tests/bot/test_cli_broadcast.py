"""`qabot broadcast add` and `qabot broadcast list` from the command line: a file refused with
one line naming what was found and where, with nothing stored; a good one queued and listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from bot.cli import main
from storage.models import Broadcast

ITEM = "# Bitesize: the voice of the child\n\nWhat 48 audits in 2026 taught us.\n"


FIXTURES = Path(__file__).parents[1] / "fixtures" / "roster"
QA_OFFICER = (
    "S0007,Quinn Okoro,quinn.okoro@council.example,qa_officer,Independent Reviewing Service,"
    "Quality Assurance,S0002,,,1.0,,,true\n"
)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite URL in the environment, run from an empty folder so no .env is read, with the
    fixture roster and a QA officer, S0007, who runs the commands (--as)."""
    url = f"sqlite:///{tmp_path / 'qabot.db'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QABOT_DATABASE_URL", url)
    people = tmp_path / "people.csv"
    people.write_text((FIXTURES / "people.csv").read_text() + QA_OFFICER)
    assert main(["import", str(people), str(FIXTURES / "cases.csv")]) == 0
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
    code = main(["broadcast", "add", str(item), "--kind", "bitesize", "--as", "S0007"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert err[-1] == (
        "qabot: bitesize.md was not queued, it may identify a child: line 5, column 21: "
        "an NHS number"
    )
    assert "943" not in "\n".join(err)
    assert stored(database) == 0


def test_a_good_file_is_queued_at_its_time_and_listed(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    item = tmp_path / "bitesize.md"
    item.write_text(ITEM)
    # a time far ahead: the command refuses one that has passed
    capsys.readouterr()
    code = main(["broadcast", "add", str(item), "--kind", "bitesize", "--channel", "learning",
                 "--at", "2099-02-05T10:30", "--as", "S0007"])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.strip() == (
        "qabot: queued bitesize 1 'Bitesize: the voice of the child' for channel:learning, "
        "posting Thu 05 Feb 2099 10:30"
    )
    assert main(["broadcast", "list", "--as", "S0007"]) == 0
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
    assert main(["broadcast", "add", str(item), "--kind", "newsletter", "--as", "S0007"]) != 0
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "qabot: note.md has no heading: start it with a line like '# This month's learning'"
    )
    item.write_text(ITEM)
    assert (
        main(
            ["broadcast", "add", str(item), "--kind", "newsletter", "--at", "soon", "--as", "S0007"]
        )
        != 0
    )
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "qabot: --at must be a date and time like 2027-02-02T10:00, not 'soon'"
    )
    assert stored(database) == 0
    assert (
        main(
            [
                "broadcast",
                "add",
                str(item),
                "--kind",
                "newsletter",
                "--at",
                "2020-01-07",
                "--as",
                "S0007",
            ]
        )
        != 0
    )
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "qabot: --at 2020-01-07 has passed: give a time still to come"
    )
    assert stored(database) == 0


def test_only_the_roles_the_programme_names_may_queue_or_see_read_counts(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    item = tmp_path / "bitesize.md"
    item.write_text(ITEM)
    capsys.readouterr()
    assert main(["broadcast", "add", str(item), "--kind", "bitesize", "--as", "S0005"]) == 2
    assert capsys.readouterr().err == (
        "qabot: Sorry, only a QA manager, QA officer or principal social worker can queue "
        "newsletters and bitesize items. Please ask one of them, and they can do it for you.\n"
    )
    assert main(["broadcast", "list", "--as", "S0003"]) == 2
    assert capsys.readouterr().err == (
        "qabot: Sorry, only a QA manager, QA officer or principal social worker can see how many "
        "people have read each broadcast. Please ask one of them, and they can do it for you.\n"
    )
    assert main(["broadcast", "add", str(item), "--kind", "bitesize"]) == 2
    assert capsys.readouterr().err.startswith("qabot: say who you are with --as STAFF_ID: only ")
    assert stored(database) == 0


def test_the_list_shows_read_counts_by_team(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    item = tmp_path / "bitesize.md"
    item.write_text(ITEM)
    assert main(["broadcast", "add", str(item), "--kind", "bitesize", "--at",
                 "2099-02-05T10:30", "--as", "S0007"]) == 0  # fmt: skip
    engine = create_engine(database)
    with engine.begin() as connection:  # posted, and read by two of CIN Team 1 and the IRO
        connection.execute(text("update broadcasts set status = 'posted', posted_at = "
                                "scheduled_for"))  # fmt: skip
        connection.execute(text(
            "insert into broadcast_acks (broadcast_id, person_id, at) select 1, id, "
            "'2099-02-05 11:00:00.000000' from people where staff_id in ('S0004', 'S0005', 'S0006')"
        ))  # fmt: skip
    engine.dispose()
    capsys.readouterr()
    assert main(["broadcast", "list", "--all", "--as", "S0007"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == (
        "    read by 3: CIN Team 1 2, Independent Reviewing Service 1"
    )
