"""Due dates of node instances in SQL, one ``UPDATE`` of the node table per kind of deadline.

The same arithmetic as :mod:`command_center.data.deadlines` (``tests/test_recompute.py``
compares the two): ``days`` and ``months`` roll off rest days through ``calendar_days``,
``workdays`` count working days by their running number, ``hours`` add hours to the start
instant, the renewal node is due on the account's current expiry, the case term moves with
suspensions and an approved extension, and an imported ``due_at`` wins over all of them.
Only rows whose values differ are written.

Each statement updates ``node_instances`` directly, joined (``UPDATE … FROM``) with a small
table of the catalogue's limits by node code and with the calendar by day: no self-join of
the node table and no per-row ``CASE`` over the catalogue, so a rebuild of the whole court
reads the node table once per kind of deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, and_, case, false, func, literal, or_, select, update
from sqlalchemy.sql.expression import ColumnElement

from command_center.data import models as m
from command_center.data.bulk import changed_rows
from command_center.data.catalogue import Catalogue, TriggerKind
from command_center.data.deadlines import TERM_NODE
from command_center.data.sqlcal import (
    add_days,
    add_hours,
    add_months,
    day_diff,
    end_of_local_day,
    local_date,
    provisional_between,
    unindexed,
)
from command_center.data.workcal import Unit

NODES = m.NodeInstance.__table__
CASES = m.Case.__table__
ACCOUNTS = m.FrozenAccount.__table__
SUSPENSIONS = m.Suspension.__table__
CALENDAR = m.CalendarDay.__table__


def _apply(conn: Connection, rows: ColumnElement[bool], due_date, due_at, provisional) -> int:
    """Set the due date of the ``rows`` of ``node_instances`` where it differs (the values may
    name other tables: they become the statement's ``FROM``)."""
    n = NODES
    differs = or_(n.c.due_date.is_distinct_from(due_date), n.c.due_at.is_distinct_from(due_at), n.c.provisional.is_distinct_from(provisional))
    return changed_rows(conn, update(n).where(rows, differs).values(due_date=due_date, due_at=due_at, provisional=provisional))


_temp = MetaData()
#: the catalogue's limits by code, a temporary table for the run (with its key, SQLite reads
#: the node table once and looks each row's code up, instead of scanning it once per code)
LIMITS = Table("cc_limits", _temp, Column("code", String(8), primary_key=True), Column("unit", String(10)), Column("limit", Integer),
               prefixes=["TEMPORARY"])


def recompute_dues(conn: Connection, catalogue: Catalogue, today: date, rows: Callable[[object], ColumnElement[bool]]) -> int:
    """Recompute the due dates of the node rows ``rows(node_instances)`` selects; returns rows changed."""
    n = NODES
    computed_here = and_(rows(n), n.c.due_override.is_(None), n.c.started_at.is_not(None))
    start_day = local_date(n.c.started_at)
    limits = [{"code": node.code, "unit": node.unit.value, "limit": node.limit} for node in catalogue
              if node.code != TERM_NODE and node.unit in (Unit.DAYS, Unit.MONTHS, Unit.WORKDAYS, Unit.HOURS)]
    units = {row["unit"] for row in limits}
    LIMITS.drop(conn, checkfirst=True)
    LIMITS.create(conn)
    if limits:
        conn.execute(LIMITS.insert(), limits)
    lim = LIMITS
    coded = and_(computed_here, unindexed(n.c.node_code) == lim.c.code)
    changed = 0

    # days and months: the raw end rolled to the next working day
    if units & {Unit.DAYS, Unit.MONTHS}:
        target = case((lim.c.unit == Unit.MONTHS.value, add_months(start_day, lim.c.limit)), else_=add_days(start_day, lim.c.limit))
        c = CALENDAR.alias("c")
        changed += _apply(conn, and_(coded, lim.c.unit.in_((Unit.DAYS.value, Unit.MONTHS.value)), c.c.day == target),
                          c.c.roll_to, end_of_local_day(c.c.roll_to), c.c.roll_provisional)

    # working days: the n-th working day after the start day
    if Unit.WORKDAYS in units:
        first, last = CALENDAR.alias("first"), CALENDAR.alias("last")
        changed += _apply(conn, and_(coded, lim.c.unit == Unit.WORKDAYS.value, first.c.day == start_day,
                                     last.c.workday_seq == first.c.workday_seq + lim.c.limit, last.c.is_workday),
                          last.c.day, end_of_local_day(last.c.day), provisional_between(first, last))

    # hours: an instant, never rolled
    if Unit.HOURS in units:
        due_at = add_hours(n.c.started_at, lim.c.limit)
        changed += _apply(conn, and_(coded, lim.c.unit == Unit.HOURS.value), local_date(due_at), due_at, false())
    LIMITS.drop(conn)

    # expiry (续冻): due on the frozen account's current expiry, whatever the start
    expiry_codes = [node.code for node in catalogue if node.unit is Unit.EXPIRY and node.trigger.kind is TriggerKind.ACCOUNT]
    if expiry_codes:
        expiry = func.coalesce(ACCOUNTS.c.renewed_until, ACCOUNTS.c.expires_on)
        changed += _apply(conn, and_(rows(n), n.c.due_override.is_(None), n.c.node_code.in_(expiry_codes),
                                     ACCOUNTS.c.case_id == n.c.case_id, ACCOUNTS.c.account_id == n.c.subject_id),
                          expiry, end_of_local_day(expiry), false())

    # the case term: filing + limit (or the approved extension), pushed by suspended days, rolled
    if TERM_NODE in catalogue:
        term = catalogue[TERM_NODE]
        last_day = func.coalesce(SUSPENSIONS.c.to_date, literal(today))
        paused = (select(SUSPENSIONS.c.case_id,
                         func.sum(case((last_day >= SUSPENSIONS.c.from_date, day_diff(last_day, SUSPENSIONS.c.from_date) + 1), else_=0)).label("days"))
                  .group_by(SUSPENSIONS.c.case_id).subquery("paused"))
        # per case: the approved extension and the suspended days (outer-joined here, as an
        # UPDATE's FROM cannot outer-join the updated table)
        terms = (select(CASES.c.id, CASES.c.term_extended_to, func.coalesce(paused.c.days, 0).label("pushed"))
                 .select_from(CASES.outerjoin(paused, paused.c.case_id == CASES.c.id)).subquery("terms"))
        base = func.coalesce(terms.c.term_extended_to, add_months(start_day, term.limit) if term.unit is Unit.MONTHS else add_days(start_day, term.limit))
        c = CALENDAR.alias("c")
        changed += _apply(conn, and_(computed_here, n.c.node_code == TERM_NODE, terms.c.id == n.c.case_id, c.c.day == add_days(base, terms.c.pushed)),
                          c.c.roll_to, end_of_local_day(c.c.roll_to), c.c.roll_provisional)

    # an imported deadline wins
    changed += _apply(conn, and_(rows(n), n.c.due_override.is_not(None)), local_date(n.c.due_override), n.c.due_override, false())
    return changed
