"""`qabot run` keeps its log to what happened: no line per sweep or page view, and one line
a minute saying how many messages were delivered instead of one line for each."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.commands.run import DISPATCHER_LOGGER, QUIET_LOGGERS, quieten_routine_logs


@pytest.fixture
def restored() -> Iterator[None]:
    loggers = [logging.getLogger(n) for n in (*QUIET_LOGGERS, DISPATCHER_LOGGER)]
    before = [(lg, lg.level, list(lg.filters)) for lg in loggers]
    yield
    for logger, level, filters in before:
        logger.setLevel(level)
        logger.filters[:] = filters


def test_deliveries_are_tallied_and_sweeps_kept_quiet(
    restored: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    tally = quieten_routine_logs()
    dispatcher = logging.getLogger(DISPATCHER_LOGGER)
    for n in range(3):
        dispatcher.info("delivered %s (attempt %d)", f"audit.notified:{n}", 1)
    dispatcher.warning("rate limited on %s; retry after %.1fs", "k", 1.0)
    logging.getLogger("apscheduler.executors.default").info("Running job")
    logging.getLogger("aiohttp.access").info("GET /sandbox")

    assert [r.getMessage() for r in caplog.records] == ["rate limited on k; retry after 1.0s"]
    assert tally.summary() == "delivered 3 messages"
    assert tally.summary() is None
    dispatcher.info("delivered %s (attempt %d)", "audit.notified:9", 1)
    assert tally.summary() == "delivered 1 message"
