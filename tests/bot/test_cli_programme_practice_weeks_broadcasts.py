"""`qabot programme show` says what runs for practice weeks and broadcasts, and nothing more:
who loads schedules and queues items, when each is posted and reminded, and that a slot with
nothing queued posts nothing."""

from __future__ import annotations

import pytest

from bot.cli import main


def shown(preset: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["programme", "show", preset]) == 0
    return capsys.readouterr().out


def test_hammersmith_fulhams_practice_week_and_bitesize(capsys: pytest.CaptureFixture[str]) -> None:
    out = shown("hammersmith-fulham", capsys)
    assert (
        "  schedule: loaded (or drafted) by QA manager, QA officer with qabot practice-week "
        "load|draft, checked for anything that could identify a child\n"
        "  posted to #practice-week 14 days before the week; the visitor and the team reminded "
        "1 working day(s) before each visit\n"
        "  after each visit: visitors asked for their findings (graded), the team's managers for "
        "its feedback, the working day after; a summary of counts to #qa-team 5 working days "
        "after the week\n"
    ) in out
    assert (
        "Bitesize learning [bitesize, broadcast]\n"
        '  bitesize, monthly on a Thursday, to #all-staff; with "I\'ve read this" and read '
        "counts by team\n"
        "  posted only when an item is queued, by QA manager, QA officer, principal social "
        "worker, after the privacy check; they are reminded 3 working days before a slot with "
        "nothing queued\n"
    ) in out


@pytest.mark.parametrize(
    ("preset", "title"),
    [("shropshire", "Service User and Feedback Week [service_user_week, practice week]"),
     ("camden", "Getting Closer to Practice Week [getting_closer_to_practice, practice week]")],
)  # fmt: skip
def test_shropshire_and_camden_weeks_are_practice_weeks(
    preset: str, title: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = shown(preset, capsys)
    section = out.split(title + "\n", 1)[1].split("\n\n", 1)[0]
    assert "after each visit: visitors asked for their findings, the team's managers" in section


def test_an_event_format_is_never_reminded_as_empty(capsys: pytest.CaptureFixture[str]) -> None:
    out = shown("hammersmith-fulham", capsys)
    forum = out.split("Quality Assurance Forum [qa_forum, broadcast]\n", 1)[1].split("\n\n")[0]
    assert "posted only when an item is queued" in forum and "reminded" not in forum
