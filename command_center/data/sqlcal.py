"""Deadline arithmetic inside SQL, so the recompute can be set-based (DOMAIN.md §3).

The working-day calendar is materialised in ``calendar_days`` (one row a day, with the
running number of working days and where a rest day rolls to), and the date arithmetic
is compiled per dialect.  ``tests/test_sqlcal.py`` checks every construct against
:class:`~command_center.data.workcal.WorkCalendar` on both backends.

Asia/Shanghai has kept UTC+08:00 without daylight saving since 1991, so both dialects
convert with that fixed offset, which is exact for every day the calendar holds: SQLite
stores times as UTC text, and on PostgreSQL ``AT TIME ZONE INTERVAL '+08:00'`` costs a third
of ``AT TIME ZONE 'Asia/Shanghai'`` (no time-zone rules looked up per row), which is most of
a due-date pass over every node of the court.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import JSON, Connection, Date, Integer, Numeric, delete
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FromClause, FunctionElement

from command_center.data import state
from command_center.data.bulk import bulk_insert
from command_center.data.tables import CALENDAR, NODES
from command_center.data.workcal import WorkCalendar

#: The days materialised: wide enough for every filing, expiry and five-year repeat.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2045, 12, 31)
FINGERPRINT_KEY = "calendar_days"
#: PostgreSQL's Asia/Shanghai as a fixed offset (ISO sign: east of UTC is positive)
SHANGHAI = "INTERVAL '+08:00'"


def calendar_rows(calendar: WorkCalendar, first: date = FIRST_DAY, last: date = LAST_DAY) -> list[dict]:
    """One row a day: working day, provisional, running counts, and where the day rolls to.

    ``workday_seq`` counts working days up to and including the day, so the ``n``-th
    working day after ``d`` is the working day whose number is ``seq(d) + n``;
    ``provisional_seq`` counts provisional days the same way.
    """
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    flags = [calendar.day(d) for d in days]
    rows: list[dict] = []
    seq = provisional_seq = 0
    for day, (workday, provisional) in zip(days, flags, strict=True):
        seq += workday
        provisional_seq += provisional
        rows.append(
            {
                "day": day,
                "is_workday": workday,
                "provisional": provisional,
                "workday_seq": seq,
                "provisional_seq": provisional_seq,
                "roll_to": None,
                "roll_provisional": False,
            }
        )
    # Walk backwards to find, for each day, the first working day on or after it.
    next_workday, provisional_since = None, False
    for row in reversed(rows):
        if row["is_workday"]:
            next_workday, provisional_since = row["day"], row["provisional"]
        else:
            provisional_since = provisional_since or row["provisional"]
        row["roll_to"] = next_workday or row["day"]
        row["roll_provisional"] = provisional_since
    return rows


def fingerprint(rows: list[dict]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row['day']}{int(row['is_workday'])}{int(row['provisional'])};".encode())
    return digest.hexdigest()[:32]


INPUTS_KEY = "calendar_inputs"


def inputs_fingerprint(calendar: WorkCalendar) -> str:
    """What the calendar is made of: the official data's and the estimator's versions and the
    court's overrides.  Cheap, unlike working the 46 years out day by day (a fifth of a second)."""
    from importlib.metadata import version

    from command_center.data import workcal

    overrides = calendar.overrides
    rules = hashlib.sha256(Path(workcal.__file__).read_bytes()).hexdigest()  # our own estimation rules
    text = "|".join(
        [
            version("chinesecalendar"),
            version("holidays"),
            rules,
            f"{FIRST_DAY}..{LAST_DAY}",
            ",".join(sorted(map(str, overrides.rest_days))),
            ",".join(sorted(map(str, overrides.work_days))),
            ",".join(sorted(map(str, overrides.complete_years))),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def sync_calendar(conn: Connection, calendar: WorkCalendar) -> bool:
    """Make ``calendar_days`` match ``calendar``; returns True when it changed (recompute due dates).

    The days are worked out only when the calendar's inputs changed since the last sync, and
    written only when the days themselves changed.
    """
    inputs = inputs_fingerprint(calendar)
    if state.read(conn, INPUTS_KEY) == inputs:
        return False
    rows = calendar_rows(calendar)
    wanted = fingerprint(rows)
    if state.read(conn, FINGERPRINT_KEY) == wanted:
        state.write(conn, INPUTS_KEY, inputs)
        return False
    conn.execute(delete(CALENDAR))
    bulk_insert(conn, CALENDAR, rows)
    state.write(conn, FINGERPRINT_KEY, wanted)
    state.write(conn, INPUTS_KEY, inputs)
    return True


# -- dialect-specific date arithmetic ------------------------------------------------------


class local_date(FunctionElement):
    """The Asia/Shanghai calendar date of a timezone-aware instant column."""

    type = Date()
    inherit_cache = True
    name = "local_date"


@compiles(local_date, "postgresql")
def _local_date_pg(element, compiler, **kw):
    return f"(({compiler.process(element.clauses, **kw)}) AT TIME ZONE {SHANGHAI})::date"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    # SQLite rounds fractional seconds to milliseconds (…59.999999 would become the next
    # day): drop the fraction first, which floors the instant to its second.
    return f"date(substr({compiler.process(element.clauses, **kw)}, 1, 19), '+8 hours')"


class add_days(FunctionElement):
    """``day + n`` days (``n`` may be a column)."""

    type = Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_days, "postgresql")
def _add_days_pg(element, compiler, **kw):
    day, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({day} AS DATE) + CAST({n} AS INTEGER))"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    day, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({day}, printf('%+d days', {n}))"


class add_months(FunctionElement):
    """Same day ``n`` months later, clipped to the end of a shorter month."""

    type = Date()
    inherit_cache = True
    name = "add_months"


@compiles(add_months, "postgresql")
def _add_months_pg(element, compiler, **kw):
    day, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(CAST({day} AS DATE) + make_interval(months => CAST({n} AS INTEGER)) AS DATE)"


@compiles(add_months, "sqlite")
def _add_months_sqlite(element, compiler, **kw):
    # SQLite's '+N months' overflows into the next month (01-31 → 03-03); clip by hand.
    day, n = (compiler.process(c, **kw) for c in element.clauses)
    same_day = (
        f"date({day}, 'start of month', printf('%+d months', {n}), "
        f"printf('%+d days', CAST(strftime('%d', {day}) AS INTEGER) - 1))"
    )
    month_end = f"date({day}, 'start of month', printf('%+d months', ({n}) + 1), '-1 day')"
    return f"min({same_day}, {month_end})"


class end_of_local_day(FunctionElement):
    """23:59:59.999999 Asia/Shanghai on a date, as an instant (the ``due_at`` of date-based nodes)."""

    inherit_cache = True
    name = "end_of_local_day"

    def __init__(self, day):
        super().__init__(day)
        self.type = NODES.c.due_at.type


@compiles(end_of_local_day, "postgresql")
def _end_of_day_pg(element, compiler, **kw):
    day = compiler.process(element.clauses, **kw)
    return f"((CAST({day} AS DATE) + TIME '23:59:59.999999') AT TIME ZONE {SHANGHAI})"


@compiles(end_of_local_day, "sqlite")
def _end_of_day_sqlite(element, compiler, **kw):
    day = compiler.process(element.clauses, **kw)
    # 23:59:59.999999 at UTC+08:00 is 15:59:59.999999 UTC on the same day (stored as UTC text).
    return f"(date({day}) || ' 15:59:59.999999')"


def provisional_between(first: FromClause, last: FromClause) -> ColumnElement:
    """Whether any day in (first.day, last.day] is provisional, from two ``calendar_days`` rows."""
    return last.c.provisional_seq - first.c.provisional_seq > 0


class start_of_local_day(FunctionElement):
    """00:00 Asia/Shanghai on a date, as an instant (when a date-triggered node starts)."""

    inherit_cache = True
    name = "start_of_local_day"

    def __init__(self, day):
        super().__init__(day)
        self.type = NODES.c.started_at.type


@compiles(start_of_local_day, "postgresql")
def _start_of_day_pg(element, compiler, **kw):
    day = compiler.process(element.clauses, **kw)
    return f"(CAST({day} AS DATE)::timestamp AT TIME ZONE {SHANGHAI})"


@compiles(start_of_local_day, "sqlite")
def _start_of_day_sqlite(element, compiler, **kw):
    day = compiler.process(element.clauses, **kw)
    return f"(datetime({day}, '-8 hours') || '.000000')"


class add_hours(FunctionElement):
    """An instant ``n`` hours later (``n`` may be a column)."""

    inherit_cache = True
    name = "add_hours"

    def __init__(self, instant, hours):
        super().__init__(instant, hours)
        self.type = NODES.c.due_at.type


@compiles(add_hours, "postgresql")
def _add_hours_pg(element, compiler, **kw):
    instant, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"({instant} + make_interval(hours => CAST({n} AS INTEGER)))"


@compiles(add_hours, "sqlite")
def _add_hours_sqlite(element, compiler, **kw):
    # keep SQLAlchemy's text form (microseconds included) so comparisons stay lexicographic
    instant, n = (compiler.process(c, **kw) for c in element.clauses)
    return f"(datetime(substr({instant}, 1, 19), printf('%+d hours', {n})) || substr({instant}, 20))"


class day_diff(FunctionElement):
    """Whole days from ``earlier`` to ``later`` (two dates)."""

    type = Integer()
    inherit_cache = True
    name = "day_diff"


@compiles(day_diff, "postgresql")
def _day_diff_pg(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


@compiles(day_diff, "sqlite")
def _day_diff_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(round(julianday({later}) - julianday({earlier})) AS INTEGER)"


class seconds_between(FunctionElement):
    """Seconds from ``earlier`` to ``later`` (two instants), a number."""

    type = Numeric()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "postgresql")
def _seconds_between_pg(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"round((julianday(substr({later}, 1, 19)) - julianday(substr({earlier}, 1, 19))) * 86400)"


class json_object(FunctionElement):
    """A JSON object from alternating key / value arguments."""

    type = JSON()
    inherit_cache = True
    name = "json_object"


@compiles(json_object, "postgresql")
def _json_object_pg(element, compiler, **kw):
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "sqlite")
def _json_object_sqlite(element, compiler, **kw):
    return f"json_object({compiler.process(element.clauses, **kw)})"
