"""Working time: the council's zone, UK bank holidays, weekends, working hours and leave."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from handlers.errors import UserError
from handlers.programme.schema import Programme

REGIONS = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}
DEFAULT_HOURS = (dt.time(9, 0), dt.time(17, 0))
_DAY = dt.timedelta(days=1)
_A_MONDAY = dt.date(2001, 1, 1)


def _weekdays_to(day: dt.date) -> int:
    """Monday-to-Friday days from a fixed Monday up to and including `day` (negative before)."""
    weeks, rest = divmod((day - _A_MONDAY).days + 1, 7)
    return weeks * 5 + min(rest, 5)


class Calendar:
    """When qabot may DM people and how it counts working days; pure, no clock of its own."""

    def __init__(
        self,
        *,
        timezone: str = "Europe/London",
        bank_holidays: str = "england",
        working_hours: tuple[dt.time, dt.time] = DEFAULT_HOURS,
        quiet_periods: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = (),
    ) -> None:
        if bank_holidays not in REGIONS:
            raise UserError(
                f"bank_holidays must be one of {', '.join(REGIONS)}, not {bank_holidays!r}"
            )
        if not working_hours[0] < working_hours[1]:
            raise UserError("working_hours must start before they end, e.g. 09:00 to 17:00")
        try:
            self.zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise UserError(f"unknown time zone {timezone!r}") from error
        self.day_start, self.day_end = working_hours
        self._subdivision = REGIONS[bank_holidays]
        # ((month, day), (month, day)) spans, the second possibly in the next year
        self._quiet = quiet_periods
        self._years: dict[int, frozenset[dt.date]] = {}
        self._weekdays_off: dict[int, list[dt.date]] = {}

    @classmethod
    def from_programme(cls, programme: Programme) -> Calendar:
        return cls(
            timezone=programme.timezone,
            bank_holidays=programme.bank_holidays,
            working_hours=programme.working_hours,
            quiet_periods=tuple(
                ((q.first.month, q.first.day), (q.last.month, q.last.day))
                for q in programme.quiet_periods
            ),
        )

    def is_bank_holiday(self, day: dt.date) -> bool:
        """A bank holiday, or a day in one of the programme's quiet periods (nothing falls due
        and no nudge goes on either)."""
        if day.year not in self._years:
            found = holidays.country_holidays("GB", subdiv=self._subdivision, years=day.year)
            self._years[day.year] = frozenset(found.keys()) | self._quiet_days(day.year)
        return day in self._years[day.year]

    def _quiet_days(self, year: int) -> frozenset[dt.date]:
        """The quiet days falling in `year`, from spans starting that year or the one before."""
        days: set[dt.date] = set()
        for (m1, d1), (m2, d2) in self._quiet:
            for start_year in (year - 1, year):
                first = dt.date(start_year, m1, d1)
                last = dt.date(start_year + ((m2, d2) < (m1, d1)), m2, d2)
                day = first
                while day <= last:
                    if day.year == year:
                        days.add(day)
                    day += _DAY
        return frozenset(days)

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.is_bank_holiday(day)

    def next_working_day(self, day: dt.date) -> dt.date:
        """`day` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The date `n` working days after `day` (before it when `n` is negative)."""
        step = dt.timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is earlier.

        The inverse of add_working_days: working_days_between(d, add_working_days(d, n)) == n.
        Counted, not walked: weekdays by arithmetic, less the weekday bank holidays between.
        """
        if end < start:
            # counted from `end` up to but excluding `start`, so the inverse holds going back
            return -self.working_days_between(end - _DAY, start - _DAY)
        return _weekdays_to(end) - _weekdays_to(start) - self._weekday_holidays(start, end)

    def _weekday_holidays(self, after: dt.date, upto: dt.date) -> int:
        """Bank holidays falling on a weekday, after `after` up to and including `upto`."""
        found = 0
        for year in range(after.year, upto.year + 1):
            days = self._weekday_holidays_in(year)
            found += bisect_right(days, upto) - bisect_right(days, after)
        return found

    def _weekday_holidays_in(self, year: int) -> list[dt.date]:
        """The year's bank holidays (and quiet days) falling on a weekday, in date order: every
        count of working days looks here, so each year is sorted once."""
        days = self._weekdays_off.get(year)
        if days is None:
            self.is_bank_holiday(dt.date(year, 1, 1))  # loads the year
            days = sorted(d for d in self._years[year] if d.weekday() < 5)
            self._weekdays_off[year] = days
        return days

    def local_date(self, at: dt.datetime) -> dt.date:
        return at.astimezone(self.zone).date()

    def day_starts_at(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, self.day_start, tzinfo=self.zone)

    def next_dm_time(self, at: dt.datetime, away_until: dt.date | None = None) -> dt.datetime:
        """`at` if it is inside working hours on a working day, else the next working-day start.

        A person away until a date hears nothing before the working day after it.
        """
        if at.tzinfo is None:
            raise ValueError("next_dm_time needs an aware datetime")
        local = at.astimezone(self.zone)
        day = local.date()
        if away_until is not None and day <= away_until:
            return self.day_starts_at(self.next_working_day(away_until + dt.timedelta(days=1)))
        if self.is_working_day(day):
            if local.time() < self.day_start:
                return self.day_starts_at(day)
            if local.time() < self.day_end:
                return at
        return self.day_starts_at(self.next_working_day(day + dt.timedelta(days=1)))
