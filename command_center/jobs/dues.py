"""Due dates of node instances in SQL, one ``UPDATE … FROM`` per kind of deadline.

The same arithmetic as :mod:`command_center.data.deadlines` (``tests/test_recompute.py``
compares the two): ``days`` and ``months`` roll off rest days through ``calendar_days``,
``workdays`` count working days by their running number, ``hours`` add hours to the start
instant, the renewal node is due on the account's current expiry, the case term moves with
suspensions and an approved extension, and an imported ``due_at`` wins over all of them.
Only rows whose values differ are written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Connection, and_, case, false, func, literal, or_, select, true, update
from sqlalchemy.sql.expression import ColumnElement

from command_center.data import models as m
from command_center.data.bulk import changed_rows
from command_center.data.catalogue import Catalogue, TriggerKind
from command_center.data.deadlines import TERM_NODE
from command_center.data.sqlcal import add_days, add_hours, add_months, day_diff, end_of_local_day, local_date, provisional_between
from command_center.data.workcal import Unit

NODES = m.NodeInstance.__table__
CASES = m.Case.__table__
ACCOUNTS = m.FrozenAccount.__table__
SUSPENSIONS = m.Suspension.__table__
CALENDAR = m.CalendarDay.__table__


def _apply(conn: Connection, computed) -> int:
    """Write ``computed`` (id, due_date, due_at, provisional) where it differs."""
    stmt = (
        update(NODES)
        .where(
            NODES.c.id == computed.c.id,
            or_(
                NODES.c.due_date.is_distinct_from(computed.c.due_date),
                NODES.c.due_at.is_distinct_from(computed.c.due_at),
                NODES.c.provisional.is_distinct_from(computed.c.provisional),
            ),
        )
        .values(due_date=computed.c.due_date, due_at=computed.c.due_at, provisional=computed.c.provisional)
    )
    return changed_rows(conn, stmt)


def _limit(codes: dict[str, int], code_column) -> ColumnElement:
    return case(codes, value=code_column)


def recompute_dues(conn: Connection, catalogue: Catalogue, today: date, rows: Callable[[object], ColumnElement[bool]]) -> int:
    """Recompute the due dates of the node rows ``rows(nodes)`` selects; returns rows changed."""
    n = NODES.alias("n")
    computed_here = and_(rows(n), n.c.due_override.is_(None), n.c.started_at.is_not(None))
    start_day = local_date(n.c.started_at)
    units: dict[Unit, dict[str, int]] = {}
    for node in catalogue:
        if node.code != TERM_NODE:
            units.setdefault(node.unit, {})[node.code] = node.limit
    changed = 0

    # days and months: the raw end rolled to the next working day
    days, months = units.get(Unit.DAYS, {}), units.get(Unit.MONTHS, {})
    if days or months:
        codes = {**days, **months}
        limit = _limit(codes, n.c.node_code)
        target = case((n.c.node_code.in_(list(months)), add_months(start_day, limit)), else_=add_days(start_day, limit)) if months else add_days(start_day, limit)
        c = CALENDAR.alias("c")
        changed += _apply(conn, select(n.c.id, c.c.roll_to.label("due_date"), end_of_local_day(c.c.roll_to).label("due_at"),
                                       c.c.roll_provisional.label("provisional"))
                          .select_from(n.join(c, c.c.day == target))
                          .where(computed_here, n.c.node_code.in_(list(codes))).subquery("computed"))

    # working days: the n-th working day after the start day
    if workdays := units.get(Unit.WORKDAYS):
        first, last = CALENDAR.alias("first"), CALENDAR.alias("last")
        changed += _apply(conn, select(n.c.id, last.c.day.label("due_date"), end_of_local_day(last.c.day).label("due_at"),
                                       provisional_between(first, last).label("provisional"))
                          .select_from(n.join(first, first.c.day == start_day)
                                       .join(last, and_(last.c.workday_seq == first.c.workday_seq + _limit(workdays, n.c.node_code),
                                                        last.c.is_workday == true())))
                          .where(computed_here, n.c.node_code.in_(list(workdays))).subquery("computed"))

    # hours: an instant, never rolled
    if hours := units.get(Unit.HOURS):
        due_at = add_hours(n.c.started_at, _limit(hours, n.c.node_code))
        changed += _apply(conn, select(n.c.id, local_date(due_at).label("due_date"), due_at.label("due_at"), false().label("provisional"))
                          .where(computed_here, n.c.node_code.in_(list(hours))).subquery("computed"))

    # expiry (续冻): due on the frozen account's current expiry, whatever the start
    expiry_codes = [node.code for node in catalogue if node.unit is Unit.EXPIRY and node.trigger.kind is TriggerKind.ACCOUNT]
    if expiry_codes:
        expiry = func.coalesce(ACCOUNTS.c.renewed_until, ACCOUNTS.c.expires_on)
        changed += _apply(conn, select(n.c.id, expiry.label("due_date"), end_of_local_day(expiry).label("due_at"), false().label("provisional"))
                          .select_from(n.join(ACCOUNTS, and_(ACCOUNTS.c.case_id == n.c.case_id, ACCOUNTS.c.account_id == n.c.subject_id)))
                          .where(rows(n), n.c.due_override.is_(None), n.c.node_code.in_(expiry_codes)).subquery("computed"))

    # the case term: filing + limit (or the approved extension), pushed by suspended days, rolled
    if TERM_NODE in catalogue:
        term = catalogue[TERM_NODE]
        last_day = func.coalesce(SUSPENSIONS.c.to_date, literal(today))
        paused = (select(SUSPENSIONS.c.case_id,
                         func.sum(case((last_day >= SUSPENSIONS.c.from_date, day_diff(last_day, SUSPENSIONS.c.from_date) + 1), else_=0)).label("days"))
                  .group_by(SUSPENSIONS.c.case_id).subquery("paused"))
        base = func.coalesce(CASES.c.term_extended_to, add_months(start_day, term.limit) if term.unit is Unit.MONTHS else add_days(start_day, term.limit))
        c = CALENDAR.alias("c")
        target = add_days(base, func.coalesce(paused.c.days, 0))
        changed += _apply(conn, select(n.c.id, c.c.roll_to.label("due_date"), end_of_local_day(c.c.roll_to).label("due_at"),
                                       c.c.roll_provisional.label("provisional"))
                          .select_from(n.join(CASES, CASES.c.id == n.c.case_id).outerjoin(paused, paused.c.case_id == n.c.case_id)
                                       .join(c, c.c.day == target))
                          .where(computed_here, n.c.node_code == TERM_NODE).subquery("computed"))

    # an imported deadline wins
    changed += _apply(conn, select(n.c.id, local_date(n.c.due_override).label("due_date"), n.c.due_override.label("due_at"),
                                   false().label("provisional"))
                      .where(rows(n), n.c.due_override.is_not(None)).subquery("computed"))
    return changed
