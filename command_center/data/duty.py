"""值班: who is on duty on a day, from the weekly rota, its swaps and the court's calendar.

The rota gives each ISO week (Monday to Sunday) its officers in order; a swap (换班) gives one
day to another officer.  On a day, the candidates are the day's swap, then the week's officers
in order, then the following weeks' (the next on the rota): the first active one is on duty,
so a disabled officer hands over without anyone editing the rota.  Whether the day is a rest
day (a weekend, a statutory holiday, a court's rest day) or a working one (a 调休 Saturday
included) is the court's :class:`~command_center.data.workcal.WorkCalendar`'s to say.

The duty officer gets a new 临时督办 by default (data/supervision.py) and, on rest days, the
urgent messages meant for officers (jobs/notify.py).  Refusals are :class:`DutyError`, named by
a key of :data:`command_center.labels.DUTY` so each interface says them in its language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from command_center.data import audit
from command_center.data.access import ActionRefused
from command_center.data.engine import Database
from command_center.data.tables import DUTY, DUTY_SWAPS, OFFICERS
from command_center.data.workcal import WorkCalendar, local_date
from command_center.labels import DUTY as LABELS

WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


class DutyError(ActionRefused):
    """A rota change refused: ``key`` names it in :data:`~command_center.labels.DUTY`."""

    def __init__(self, key: str, **values):
        self.key, self.values = key, values
        super().__init__(LABELS["en"][key].format(**values))

    def say(self, lang: str) -> str:
        return LABELS[lang][self.key].format(**self.values)


@dataclass(frozen=True)
class Duty:
    """Who is on duty on ``day``."""

    day: date
    login: str
    name: str
    officer_id: int
    rest_day: bool
    reason: str  # the calendar's: workday / adjusted_workday / weekend / a holiday's name / court_rest …
    swapped: bool  # by a swap of the day
    #: the logins passed over because they are disabled (the first is who the rota named)
    handed_over_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class WeekRota:
    week: str  # 2026-W49
    monday: date
    logins: tuple[str, ...]
    swaps: tuple[tuple[date, str], ...]  # (day, login)


def parse_week(text: str) -> date:
    """``2026-W49`` → that ISO week's Monday."""
    found = WEEK.match(text.strip())
    try:
        if not found:
            raise ValueError
        return date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise DutyError("bad_week", value=text) from None


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise DutyError("bad_day", value=text) from None


def week_name(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _officer(conn: Connection, login: str):
    row = conn.execute(
        select(OFFICERS.c.id, OFFICERS.c.login, OFFICERS.c.role, OFFICERS.c.active).where(OFFICERS.c.login == login)
    ).first()
    if row is None:
        raise DutyError("unknown_login", login=login)
    if row.role == "wall":
        raise DutyError("not_on_duty_role", login=login)
    if not row.active:
        raise DutyError("disabled", login=login)
    return row


def set_week(db: Database, monday: date, logins: list[str] | tuple[str, ...], now: datetime, *, by: str) -> None:
    """The week's officers in order (the first on duty, the others take over in turn); no
    logins clears the week.  Audited."""
    if len(set(logins)) != len(logins):
        raise DutyError("twice", login=next(x for x in logins if list(logins).count(x) > 1))
    with db.engine.begin() as conn:
        ids = [_officer(conn, login).id for login in logins]
        conn.execute(delete(DUTY).where(DUTY.c.week_start == monday))
        if ids:
            conn.execute(
                insert(DUTY), [{"week_start": monday, "position": i, "officer_id": o} for i, o in enumerate(ids)]
            )
        audit.record(conn, now, by, "duty.set", "duty", week_name(monday), None, {"logins": list(logins)})


def swap_day(db: Database, calendar: WorkCalendar, day: date, login: str, now: datetime, *, by: str) -> str:
    """``login`` is on duty on ``day`` instead of whoever the rota had: returns that one's login."""
    if day < local_date(now):
        raise DutyError("day_in_past", day=day.isoformat())
    with db.engine.begin() as conn:
        officer = _officer(conn, login)
        was = on_duty_in(conn, calendar, day)
        conn.execute(delete(DUTY_SWAPS).where(DUTY_SWAPS.c.day == day))
        conn.execute(
            insert(DUTY_SWAPS).values(day=day, officer_id=officer.id, replaces_id=was.officer_id if was else None)
        )
        audit.record(
            conn, now, by, "duty.swapped", "duty", day.isoformat(), None, {"login": login, "was": was and was.login}
        )
    return was.login if was else "—"


def swap_weeks(db: Database, first: date, second: date, now: datetime, *, by: str) -> None:
    """The two weeks' rotas change places (both must be set).  Audited."""
    if first == second:
        raise DutyError("same_week", week=week_name(first))
    with db.engine.begin() as conn:
        for monday in (first, second):
            if conn.execute(select(DUTY.c.position).where(DUTY.c.week_start == monday).limit(1)).first() is None:
                raise DutyError("week_not_set", week=week_name(monday))
        parked = date(1, 1, 1)  # the primary key is (week, position): move one week out of the way
        conn.execute(update(DUTY).where(DUTY.c.week_start == first).values(week_start=parked))
        conn.execute(update(DUTY).where(DUTY.c.week_start == second).values(week_start=first))
        conn.execute(update(DUTY).where(DUTY.c.week_start == parked).values(week_start=second))
        audit.record(
            conn,
            now,
            by,
            "duty.swapped",
            "duty",
            f"{week_name(first)}/{week_name(second)}",
            None,
            {"weeks": [week_name(first), week_name(second)]},
        )


def on_duty(db: Database, calendar: WorkCalendar, day: date) -> Duty | None:
    with db.engine.connect() as conn:
        return on_duty_in(conn, calendar, day)


def on_duty_in(conn: Connection, calendar: WorkCalendar, day: date) -> Duty | None:
    """Who is on duty on ``day`` (None: nobody on the rota from that week on, or all disabled)."""
    found = _first_active(conn, day)
    if found is None:
        return None
    row, swapped, passed = found
    return Duty(day, row.login, row.name, row.id, not calendar.is_workday(day), calendar.reason(day), swapped, passed)


def duty_officer_id(conn: Connection, day: date) -> int | None:
    """The id of the officer on duty on ``day`` (the calendar does not change who it is)."""
    found = _first_active(conn, day)
    return found[0].id if found else None


def _first_active(conn: Connection, day: date):
    """(the first active candidate, whether a swap of the day, the disabled ones passed over)."""
    o = OFFICERS
    swap = conn.execute(
        select(o.c.id, o.c.login, o.c.name, o.c.active)
        .select_from(DUTY_SWAPS.join(o, o.c.id == DUTY_SWAPS.c.officer_id))
        .where(DUTY_SWAPS.c.day == day)
    ).all()
    rota = conn.execute(
        select(o.c.id, o.c.login, o.c.name, o.c.active)
        .select_from(DUTY.join(o, o.c.id == DUTY.c.officer_id))
        .where(DUTY.c.week_start >= monday_of(day))
        .order_by(DUTY.c.week_start, DUTY.c.position)
    ).all()
    passed: list[str] = []
    for place, row in enumerate([*swap, *rota]):
        if row.active:
            return row, bool(swap) and place == 0, tuple(passed)
        if row.login not in passed:
            passed.append(row.login)
    return None


def rota(db: Database, first: date, weeks: int) -> list[WeekRota]:
    """The rota of ``weeks`` weeks from the week of ``first``, with each week's swaps."""
    monday = monday_of(first)
    last = monday + timedelta(days=7 * weeks)
    o = OFFICERS
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(DUTY.c.week_start, o.c.login)
            .select_from(DUTY.join(o, o.c.id == DUTY.c.officer_id))
            .where(DUTY.c.week_start >= monday, DUTY.c.week_start < last)
            .order_by(DUTY.c.week_start, DUTY.c.position)
        ).all()
        swaps = conn.execute(
            select(DUTY_SWAPS.c.day, o.c.login)
            .select_from(DUTY_SWAPS.join(o, o.c.id == DUTY_SWAPS.c.officer_id))
            .where(DUTY_SWAPS.c.day >= monday, DUTY_SWAPS.c.day < last)
            .order_by(DUTY_SWAPS.c.day)
        ).all()
    result = []
    for i in range(weeks):
        start = monday + timedelta(days=7 * i)
        logins = tuple(r.login for r in rows if r.week_start == start)
        mine = tuple((s.day, s.login) for s in swaps if start <= s.day < start + timedelta(days=7))
        result.append(WeekRota(week_name(start), start, logins, mine))
    return result
