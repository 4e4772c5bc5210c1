"""A database error never carries a statement's values into an exception or a log line."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from storage import Sessions
from storage._core import run
from storage.case_audit import reflections
from storage.models import Reflection

NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
WORDS = "We worried about the home visit notes"


async def test_a_failed_write_does_not_repeat_what_was_written(sessions: Sessions) -> None:
    with pytest.raises(IntegrityError) as caught:
        async with sessions.begin() as session:  # no such allocation or person
            await reflections.add(session, 999_999, 999_999, {"worried": WORDS}, NOW)
    assert WORDS not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


async def test_a_refused_row_is_not_quoted_back(sessions: Sessions) -> None:
    """PostgreSQL's DETAIL would quote the whole failing row, reflection and all."""
    with pytest.raises(IntegrityError) as caught:
        async with sessions.begin() as session:
            await run(session, insert(Reflection), {
                "allocation_id": None, "person_id": None, "prompt": "worried", "answer": WORDS,
                "created_at": NOW, "updated_at": NOW,
            })  # fmt: skip
    shown = str(caught.value) + str(caught.value.orig)
    assert "allocation_id" in shown  # still names what was wrong
    assert WORDS not in shown and "Failing row" not in shown
