"""A database error never carries a statement's values into an exception or a log line."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from storage import Sessions
from storage.case_audit import reflections

NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
WORDS = "We worried about the home visit notes"


async def test_a_failed_write_does_not_repeat_what_was_written(sessions: Sessions) -> None:
    with pytest.raises(IntegrityError) as caught:
        async with sessions.begin() as session:  # no such allocation or person
            await reflections.add(session, 999_999, 999_999, {"worried": WORDS}, NOW)
    assert WORDS not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)
