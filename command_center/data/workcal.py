"""The working-day calendar and deadline arithmetic of shared/DOMAIN.md §3.

Three sources decide whether a day is a working day, in this order of precedence:

1. the court's override file (extra rest days / working days, and years whose official
   schedule the court has typed in completely);
2. the official State Council schedule shipped by ``chinesecalendar`` (调休-aware);
3. for years ``chinesecalendar`` does not cover yet: weekends plus the statutory holidays
   estimated by the ``holidays`` package.  Such days are *provisional*, and so is every
   due date whose computation looked at one of them.

Nothing here reads the wall clock: callers pass ``now`` / ``today``.
"""

from __future__ import annotations

import calendar as _stdcal
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays as holidays_pkg

TZ = ZoneInfo("Asia/Shanghai")

#: The last instant of a day that is still "on time" for a date-based deadline.
END_OF_DAY = time(23, 59, 59, 999999)


class CalendarError(ValueError):
    """A calendar override file that cannot be used; the message names file, line and key."""


class Unit(StrEnum):
    HOURS = "hours"
    DAYS = "days"
    WORKDAYS = "workdays"
    MONTHS = "months"
    EXPIRY = "expiry"


class Tier(StrEnum):
    """Overdue tiers, mildest first (DOMAIN.md §2)."""

    OVERDUE = "overdue"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"


class YearSource(StrEnum):
    OFFICIAL = "official"
    PROVISIONAL = "provisional"
    OVERRIDE = "override"  # the court typed in the whole year (complete_years)


@dataclass(frozen=True, slots=True)
class Due:
    """A computed deadline.

    ``at`` is the last instant that is still on time: the deadline itself for ``hours``
    nodes, the end of ``date`` (23:59:59.999999 local) for every date-based unit, so that
    "overdue" is ``now > at`` for every unit.
    """

    date: date
    at: datetime
    provisional: bool

    def is_overdue(self, now: datetime) -> bool:
        return now > self.at


@dataclass(frozen=True, slots=True)
class YearInfo:
    year: int
    source: YearSource
    extra_rest_days: int
    extra_work_days: int

    @property
    def provisional(self) -> bool:
        return self.source is YearSource.PROVISIONAL

    @property
    def overridden(self) -> bool:
        return bool(self.extra_rest_days or self.extra_work_days) or self.source is YearSource.OVERRIDE


@dataclass(frozen=True)
class Overrides:
    """A court's calendar override file, parsed."""

    rest_days: frozenset[date] = frozenset()
    work_days: frozenset[date] = frozenset()
    complete_years: frozenset[int] = frozenset()
    path: Path | None = None

    @property
    def years(self) -> set[int]:
        return {d.year for d in self.rest_days | self.work_days} | set(self.complete_years)


_OVERRIDE_KEYS = {"rest_days", "work_days", "complete_years"}
_RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:\.\.\s*(\d{4}-\d{2}-\d{2}))?\s*$")


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 0


def load_overrides(path: str | Path) -> Overrides:
    """Parse an override file; every problem is reported with file, line and key.

    Format (TOML)::

        rest_days = ["2027-01-01", "2027-10-01..2027-10-07"]
        work_days = ["2027-02-07"]
        complete_years = [2027]   # the official schedule for 2027 is fully entered here
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CalendarError(f"{path}: cannot read the calendar override file ({exc.strerror})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"{path}: not valid TOML: {exc}") from None

    def fail(key: str, message: str, needle: str | None = None) -> CalendarError:
        line = _line_of(text, needle if needle is not None else key)
        where = f"{path}, line {line}" if line else str(path)
        return CalendarError(f"{where}, {key}: {message}")

    unknown = sorted(set(doc) - _OVERRIDE_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key (expected one of {', '.join(sorted(_OVERRIDE_KEYS))})")

    def days_of(key: str) -> set[date]:
        items = doc.get(key, [])
        if not isinstance(items, list):
            raise fail(key, "must be a list of dates")
        result: set[date] = set()
        for index, item in enumerate(items):
            label = f"{key}[{index}]"
            if isinstance(item, date) and not isinstance(item, datetime):
                result.add(item)
                continue
            match = _RANGE.match(item) if isinstance(item, str) else None
            try:
                if match is None:
                    raise ValueError
                first = date.fromisoformat(match.group(1))
                last = date.fromisoformat(match.group(2)) if match.group(2) else first
            except ValueError:
                raise fail(
                    label, f"{item!r} is not a date (YYYY-MM-DD) or range (YYYY-MM-DD..YYYY-MM-DD)", str(item)
                ) from None
            if last < first:
                raise fail(label, f"range {item!r} ends before it starts", str(item))
            result.update(first + timedelta(days=i) for i in range((last - first).days + 1))
        return result

    rest, work = days_of("rest_days"), days_of("work_days")
    both = sorted(rest & work)
    if both:
        raise fail(
            "work_days", f"{both[0].isoformat()} is listed both as a rest day and as a working day", both[0].isoformat()
        )
    years = doc.get("complete_years", [])
    if not isinstance(years, list) or not all(isinstance(y, int) and 1900 < y < 2200 for y in years):
        raise fail("complete_years", "must be a list of years such as [2027]")
    return Overrides(frozenset(rest), frozenset(work), frozenset(years), path)


def _official_workday(day: date) -> bool:
    """``chinese_calendar.is_workday`` for a year it covers, without its range check, which
    scans every holiday it knows on each call (two thirds of working out 46 years)."""
    return day in chinese_calendar.constants.workdays or (
        day.weekday() < 5 and day not in chinese_calendar.constants.holidays
    )


@cache
def official_covers(year: int) -> bool:
    """Whether chinesecalendar ships the State Council schedule for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _estimated_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays_pkg.China(years=year).keys())


#: the holidays' names as chinesecalendar and holidays give them, in Chinese
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Chinese New Year (Spring Festival)": "春节",
    "Chinese New Year's Eve": "春节",
    "Tomb-sweeping Day": "清明节",
    "Tomb-Sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Mid-Autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clipped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, _stdcal.monthrange(year, month)[1]))


def local_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment.isoformat()}: times must be timezone-aware")
        return moment.astimezone(TZ).date()
    return moment


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=TZ)


def tier_for(due_date: date, today: date) -> Tier | None:
    """The overdue tier by calendar months from the due date (strictly after each mark).

    Returns ``None`` when ``today`` is not after the due date.  ``hours`` nodes that are
    overdue on their due date itself are ``Tier.OVERDUE``: use :func:`tier_of_due`.
    """
    if today <= due_date:
        return None
    for months, tier in ((3, Tier.RED), (2, Tier.YELLOW), (1, Tier.BLUE)):
        if today > add_months(due_date, months):
            return tier
    return Tier.OVERDUE


def tier_threshold(today: date, months: int) -> date:
    """The latest due date that is more than ``months`` calendar months overdue on ``today``.

    ``due <= tier_threshold(today, m)`` exactly when ``today > add_months(due, m)``, so SQL
    can select a tier with one date comparison.  ``add_months`` is monotone, so the
    answer is found by stepping from the naive estimate.
    """
    day = add_months(today, -months)
    while add_months(day, months) >= today:
        day -= timedelta(days=1)
    while add_months(day + timedelta(days=1), months) < today:
        day += timedelta(days=1)
    return day


def tier_of_due(due: Due, now: datetime) -> Tier | None:
    if not due.is_overdue(now):
        return None
    return tier_for(due.date, local_date(now)) or Tier.OVERDUE


_WINDOW = re.compile(r"^\s*(\d+)\s*(h|d|wd)\s*$")


@dataclass(frozen=True, slots=True)
class Window:
    """A due-soon window: ``6h``, ``30d`` or ``2wd`` (working days)."""

    amount: int
    kind: str  # "h", "d" or "wd"

    @classmethod
    def parse(cls, text: str) -> Window:
        match = _WINDOW.match(text or "")
        if not match:
            raise ValueError(f"{text!r} is not a window such as 6h, 30d or 2wd")
        return cls(int(match.group(1)), match.group(2))

    def __str__(self) -> str:
        return f"{self.amount}{self.kind}"


@dataclass
class WorkCalendar:
    """Working days with provenance; cheap to query day by day (results are cached)."""

    overrides: Overrides = field(default_factory=Overrides)

    def __post_init__(self) -> None:
        self._days: dict[date, tuple[bool, bool]] = {}

    # -- single days -------------------------------------------------------------------
    def year_source(self, year: int) -> YearSource:
        if official_covers(year):
            return YearSource.OFFICIAL
        if year in self.overrides.complete_years:
            return YearSource.OVERRIDE
        return YearSource.PROVISIONAL

    def day(self, day: date) -> tuple[bool, bool]:
        """``(is_workday, provisional)`` for one day."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        if day in self.overrides.rest_days:
            result = (False, False)
        elif day in self.overrides.work_days:
            result = (True, False)
        else:
            source = self.year_source(day.year)
            if source is YearSource.OFFICIAL:
                result = (_official_workday(day), False)
            elif source is YearSource.OVERRIDE:
                # The court typed in the whole official schedule: no estimate on top of it.
                result = (day.weekday() < 5, False)
            else:
                workday = day.weekday() < 5 and day not in _estimated_holidays(day.year)
                result = (workday, True)
        self._days[day] = result
        return result

    def is_workday(self, day: date) -> bool:
        return self.day(day)[0]

    def is_provisional(self, day: date) -> bool:
        return self.day(day)[1]

    def year_info(self, year: int) -> YearInfo:
        rest = sum(1 for d in self.overrides.rest_days if d.year == year)
        work = sum(1 for d in self.overrides.work_days if d.year == year)
        return YearInfo(year, self.year_source(year), rest, work)

    def special_days(self, year: int) -> list[tuple[date, str]]:
        """The days of ``year`` that differ from the plain Monday–Friday week."""
        result = []
        day = date(year, 1, 1)
        while day.year == year:
            workday, _ = self.day(day)
            if workday != (day.weekday() < 5):
                result.append((day, "work" if workday else "rest"))
            day += timedelta(days=1)
        return result

    def reason(self, day: date) -> str:
        """Why ``day`` is what it is, for an explanation: a holiday's name (中文, as the official
        schedule or the estimate names it), ``weekend``, ``court_rest`` / ``court_work`` (the
        court's override file), ``adjusted_workday`` (调休: a weekend day worked) or ``workday``."""
        workday, _ = self.day(day)
        if day in self.overrides.rest_days:
            return "court_rest"
        if day in self.overrides.work_days:
            return "court_work"
        if workday:
            return "adjusted_workday" if day.weekday() >= 5 else "workday"
        name = None
        if self.year_source(day.year) is YearSource.OFFICIAL:
            name = chinese_calendar.get_holiday_detail(day)[1]
        elif self.year_source(day.year) is YearSource.PROVISIONAL:
            name = holidays_pkg.China(years=day.year).get(day)
        return HOLIDAY_NAMES.get(name, name) if name else "weekend"

    # -- arithmetic --------------------------------------------------------------------
    # Each step can be recorded in ``steps`` (a list of ``(kind, day, detail)``): the due date's
    # explanation (``command-center explain``) is made by the very arithmetic that made the date.
    def roll(self, day: date, steps: list | None = None) -> tuple[date, bool]:
        """The first working day on or after ``day`` (民事诉讼法 第85条), and provisional."""
        provisional = False
        while True:
            workday, prov = self.day(day)
            provisional |= prov
            if workday:
                return day, provisional
            if steps is not None:
                steps.append(("rolled_over", day, self.reason(day)))
            day += timedelta(days=1)

    def nth_workday_after(self, day: date, n: int, steps: list | None = None) -> tuple[date, bool]:
        """The ``n``-th working day after ``day`` (``day`` itself not counted)."""
        if n < 0:
            raise ValueError("n must not be negative")
        provisional = False
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            workday, prov = self.day(day)
            provisional |= prov
            counted += workday
            if steps is not None and (not workday or day.weekday() >= 5):
                steps.append(("counted" if workday else "skipped", day, self.reason(day)))
        return day, provisional

    def due(
        self,
        start: datetime | date,
        limit: int,
        unit: Unit | str,
        *,
        paused_days: int = 0,
        steps: list | None = None,
    ) -> Due:
        """The deadline of a node started at ``start`` with ``limit`` ``unit``.

        ``paused_days`` (days not counted, e.g. a suspended case term) push the unrolled end
        later before the rest-day roll; for ``workdays`` the count starts that much later.
        ``steps`` records how (see above).
        """
        unit = Unit(unit)
        record = steps.append if steps is not None else (lambda step: None)
        pause = timedelta(days=paused_days)
        if paused_days:
            record(("paused", None, paused_days))
        if unit is Unit.HOURS:
            if not isinstance(start, datetime):
                start = datetime.combine(start, time(0), tzinfo=TZ)
            at = start.astimezone(TZ) + timedelta(hours=limit) + pause
            record(("at", at.date(), at))
            return Due(at.date(), at, False)
        start_day = local_date(start)
        if unit is Unit.DAYS:
            end = start_day + timedelta(days=limit) + pause
            record(("counted_to", end, None))
            day, provisional = self.roll(end, steps)
        elif unit is Unit.WORKDAYS:
            day, provisional = self.nth_workday_after(start_day + pause, limit, steps)
        elif unit is Unit.MONTHS:
            end = add_months(start_day, limit)
            record(("counted_to", end, "clipped" if end.day != start_day.day else None))
            day, provisional = self.roll(end + pause, steps)
        else:  # EXPIRY: due on the expiry date itself, never rolled
            day, provisional = start_day + timedelta(days=limit) + pause, False
        record(("due", day, provisional))
        return Due(day, end_of_day(day), provisional)

    def is_due_soon(self, due: Due, now: datetime, window: Window) -> bool:
        """Not overdue, and due within ``window`` of ``now`` (DOMAIN.md §3)."""
        if due.is_overdue(now):
            return False
        today = local_date(now)
        if window.kind == "h":
            return due.at <= now + timedelta(hours=window.amount)
        if window.kind == "d":
            return due.date <= today + timedelta(days=window.amount)
        limit, _ = self.nth_workday_after(today, window.amount)
        return due.date <= limit


def load_calendar(overrides_path: str | Path | None) -> WorkCalendar:
    return WorkCalendar(load_overrides(overrides_path) if overrides_path else Overrides())
