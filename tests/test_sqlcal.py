"""Deadline arithmetic in SQL gives exactly what the Python calendar gives, on both backends."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import and_, literal, select

from command_center.data import models as m
from command_center.data.sqlcal import add_days, add_months, calendar_rows, end_of_local_day, local_date, sync_calendar
from command_center.data.workcal import TZ, Unit, WorkCalendar, end_of_day
from command_center.data.workcal import add_months as py_add_months

CAL = WorkCalendar()
RNG = random.Random(42)
# around the 2026 National Day, month ends, the provisional 2027, and at random
STARTS = (
    [date(2026, 9, 25) + timedelta(days=i) for i in range(20)]
    + [date(2026, 1, 31), date(2025, 11, 30), date(2026, 12, 28), date(2026, 12, 31), date(2024, 2, 29)]
    + [date(2024, 1, 1) + timedelta(days=RNG.randrange(0, 1800)) for _ in range(40)]
)


@pytest.fixture
def cal_db(db):
    with db.engine.begin() as conn:
        assert sync_calendar(conn, CAL) is True
    return db


def test_calendar_sync_is_idempotent_and_follows_changes(cal_db, tmp_path):
    with cal_db.engine.begin() as conn:
        assert sync_calendar(conn, CAL) is False, "unchanged calendar: nothing to recompute"
    from command_center.data.workcal import load_overrides

    path = tmp_path / "cal.toml"
    path.write_text('rest_days = ["2026-11-23"]\n', encoding="utf-8")
    with cal_db.engine.begin() as conn:
        assert sync_calendar(conn, WorkCalendar(load_overrides(path))) is True
        row = conn.execute(
            select(m.CalendarDay.__table__).where(m.CalendarDay.__table__.c.day == date(2026, 11, 22))
        ).one()
    assert row.roll_to == date(2026, 11, 24)


def test_calendar_rows_roll_and_count():
    rows = {r["day"]: r for r in calendar_rows(CAL, date(2026, 9, 1), date(2027, 1, 31))}
    assert rows[date(2026, 10, 1)]["roll_to"] == date(2026, 10, 8)
    assert rows[date(2026, 10, 10)]["roll_to"] == date(2026, 10, 10)
    assert rows[date(2026, 10, 9)]["workday_seq"] + 1 == rows[date(2026, 10, 10)]["workday_seq"]
    assert rows[date(2027, 1, 1)]["roll_provisional"] and not rows[date(2026, 12, 30)]["roll_provisional"]


def _rolled(conn, target_expr):
    cal = m.CalendarDay.__table__
    return conn.execute(select(cal.c.roll_to, cal.c.roll_provisional).where(cal.c.day == target_expr)).one()


@pytest.mark.parametrize("n", [1, 3, 7, 30])
def test_days_in_sql(cal_db, n):
    with cal_db.engine.connect() as conn:
        for start in STARTS:
            due = CAL.due(start, n, Unit.DAYS)
            assert tuple(_rolled(conn, add_days(literal(start), literal(n)))) == (due.date, due.provisional), start


@pytest.mark.parametrize("n", [1, 6, 13])
def test_months_in_sql(cal_db, n):
    with cal_db.engine.connect() as conn:
        for start in STARTS:
            assert conn.execute(select(add_months(literal(start), literal(n)))).scalar_one() == py_add_months(
                start, n
            ), start
            due = CAL.due(start, n, Unit.MONTHS)
            assert tuple(_rolled(conn, add_months(literal(start), literal(n)))) == (due.date, due.provisional), start


@pytest.mark.parametrize("n", [1, 2, 5])
def test_workdays_in_sql(cal_db, n):
    cal = m.CalendarDay.__table__
    first, target = cal.alias("first"), cal.alias("target")
    with cal_db.engine.connect() as conn:
        for start in STARTS:
            row = conn.execute(
                select(target.c.day, target.c.provisional_seq - first.c.provisional_seq > 0)
                .select_from(
                    first.join(target, and_(target.c.is_workday, target.c.workday_seq == first.c.workday_seq + n))
                )
                .where(first.c.day == start)
            ).one()
            due = CAL.due(start, n, Unit.WORKDAYS)
            assert tuple(row) == (due.date, due.provisional), start


def test_local_date_and_end_of_day_in_sql(cal_db):
    with cal_db.engine.begin() as conn:
        conn.execute(m.Court.__table__.insert().values(id=1, code="内0425", name="示范"))
        conn.execute(
            m.Case.__table__.insert().values(
                id=1, court_id=1, case_no="（2026）内0425执1号", case_type="执", filed_on=date(2026, 11, 1)
            )
        )
        moments = [
            datetime(2026, 11, 20, 23, 30, tzinfo=TZ),
            datetime(2026, 11, 20, 0, 0, tzinfo=TZ),
            datetime(2026, 11, 20, 7, 59, tzinfo=TZ),
            datetime(2026, 12, 31, 23, 59, 59, tzinfo=TZ),
            end_of_day(date(2026, 8, 20)),
            datetime(2026, 8, 20, 15, 59, 59, 999600, tzinfo=TZ),
        ]
        nodes = m.NodeInstance.__table__
        for i, moment in enumerate(moments):
            conn.execute(nodes.insert().values(case_id=1, node_code="N08", subject_id=str(i), started_at=moment))
        rows = conn.execute(
            select(
                nodes.c.started_at, local_date(nodes.c.started_at), end_of_local_day(local_date(nodes.c.started_at))
            ).order_by(nodes.c.id)
        ).all()
    for started, day, end in rows:
        assert day == started.astimezone(TZ).date(), "SQLite must not round …59.999999 into the next day"
        assert end == end_of_day(day)


def test_add_hours_in_sql_keeps_microseconds(cal_db):
    from command_center.data.sqlcal import add_hours

    with cal_db.engine.begin() as conn:
        conn.execute(m.Court.__table__.insert().values(id=1, code="内0425", name="示范"))
        conn.execute(
            m.Case.__table__.insert().values(
                id=1, court_id=1, case_no="（2026）内0425执1号", case_type="执", filed_on=date(2026, 11, 1)
            )
        )
        nodes = m.NodeInstance.__table__
        starts = [
            datetime(2026, 11, 19, 9, 30, tzinfo=TZ),
            end_of_day(date(2026, 9, 30)),
            datetime(2026, 12, 31, 12, 0, 0, 123456, tzinfo=TZ),
        ]
        for i, moment in enumerate(starts):
            conn.execute(nodes.insert().values(case_id=1, node_code="N08", subject_id=str(i), started_at=moment))
        rows = conn.execute(select(nodes.c.started_at, add_hours(nodes.c.started_at, 24)).order_by(nodes.c.id)).all()
    assert [(start, later) for start, later in rows] == [(s, s + timedelta(hours=24)) for s in starts]
