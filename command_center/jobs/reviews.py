"""Supervision lists the scheduler draws up (克旗), and the daily indicator snapshot.

* ``fund_sample``: every week, a random 10% (at least one) of the fund files disbursed in
  the previous ISO week, to be reviewed online.  The draw is seeded by the week, so
  re-running it gives the same sample.
* ``asset_inventory``: every 10 days (the 1st, 11th and 21st), the seized items still in
  custody, to be checked against the register.
* ``closed_review``: every month, all cases closed in the previous month (结案即评查).

Each list is stored once per period (``review_lists``); a second run of the same period
keeps the first list.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, select

from command_center.data.brief import write_snapshots
from command_center.data.bulk import insert_for
from command_center.data.catalogue import Catalogue
from command_center.data.deadlines import SEAL_ENDED
from command_center.data.engine import Database
from command_center.data.indicators import indicators
from command_center.data.rules import Rules
from command_center.data.tables import ASSETS, CASES, FUNDS, REVIEWS
from command_center.data.workcal import TZ, WorkCalendar, local_date

#: disposal states after which an item is no longer in the court's custody (those that end its seal)
RELEASED = SEAL_ENDED
SAMPLE_SHARE = Decimal("0.10")


def _store(conn: Connection, kind: str, period: str, now: datetime, items: list, fence=None) -> bool:
    """Store the list of a period (not again); ``fence`` (the scheduler's lease) last, before the commit."""
    stmt = insert_for(conn, REVIEWS).values(
        kind=kind, period=period, created_at=now, items={"items": items, "count": len(items)}
    )
    stored = (
        conn.execute(
            stmt.on_conflict_do_nothing(index_elements=["kind", "period"]).execution_options(preserve_rowcount=True)
        ).rowcount
        == 1
    )
    if fence:
        fence(conn)
    return stored


def _start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=TZ)


def fund_sample(db: Database, now: datetime, fence=None) -> bool:
    """10% of last week's disbursed fund files."""
    today = local_date(now)
    monday = today - timedelta(days=today.weekday())
    first, last = monday - timedelta(days=7), monday
    year, week, _ = first.isocalendar()
    period = f"{year}-W{week:02d}"
    with db.engine.begin() as conn:
        funds = conn.execute(
            select(FUNDS.c.fund_id, CASES.c.case_no)
            .join(CASES, CASES.c.id == FUNDS.c.case_id)
            .where(FUNDS.c.disbursed_at >= _start(first), FUNDS.c.disbursed_at < _start(last))
            .order_by(FUNDS.c.fund_id)
        ).all()
        size = math.ceil(len(funds) * SAMPLE_SHARE) if funds else 0
        chosen = sorted(random.Random(period).sample(range(len(funds)), size))
        return _store(
            conn,
            "fund_sample",
            period,
            now,
            [{"fund_id": funds[i].fund_id, "case_no": funds[i].case_no} for i in chosen],
            fence,
        )


def asset_inventory(db: Database, now: datetime, fence=None) -> bool:
    """The seized items still in custody."""
    today = local_date(now)
    with db.engine.begin() as conn:
        rows = conn.execute(
            select(ASSETS.c.asset_id, ASSETS.c.kind, ASSETS.c.location, CASES.c.case_no)
            .join(CASES, CASES.c.id == ASSETS.c.case_id)
            .where((ASSETS.c.disposal_status.is_(None)) | ASSETS.c.disposal_status.not_in(RELEASED))
            .order_by(ASSETS.c.asset_id)
        ).all()
        items = [{"asset_id": r.asset_id, "kind": r.kind, "location": r.location, "case_no": r.case_no} for r in rows]
        return _store(conn, "asset_inventory", today.isoformat(), now, items, fence)


def closed_review(db: Database, now: datetime, fence=None) -> bool:
    """Every case closed in the previous month."""
    today = local_date(now)
    first_this = today.replace(day=1)
    first_last = (first_this - timedelta(days=1)).replace(day=1)
    with db.engine.begin() as conn:
        rows = conn.execute(
            select(CASES.c.case_no, CASES.c.closed_on, CASES.c.closing_mode)
            .where(CASES.c.closed_on >= first_last, CASES.c.closed_on < first_this)
            .order_by(CASES.c.closed_on, CASES.c.case_no)
        ).all()
        items = [
            {"case_no": r.case_no, "closed_on": r.closed_on.isoformat(), "closing_mode": r.closing_mode} for r in rows
        ]
        return _store(conn, "closed_review", f"{first_last:%Y-%m}", now, items, fence)


def snapshot(db: Database, catalogue: Catalogue, calendar: WorkCalendar, now: datetime, fence=None) -> int:
    """Today's wall figures into ``indicator_snapshots`` (the morning brief's trends).

    Once a day, so it also refreshes the planner's statistics (see ``refresh_statistics``)."""
    db.refresh_statistics()
    figures = indicators(db, Rules.at(now, catalogue, calendar))
    values = {
        "new_cases_today": figures.new_cases_today,
        "open_cases": figures.open_cases,
        "undisbursed_amount": figures.undisbursed_amount,
        "undisbursed_count": figures.undisbursed_count,
        "due_soon_nodes": figures.due_soon_nodes,
        "overdue_nodes": figures.overdue_nodes,
        "red": figures.lights.red,
        "yellow": figures.lights.yellow,
        "blue": figures.lights.blue,
        "funds_3_7_overdue": figures.funds_3_7_overdue,
        "funds_over_30_days": figures.funds_over_30_days,
        "freezes_expiring": figures.freezes_expiring,
        "seals_expiring": figures.seals_expiring,
    }
    return write_snapshots(
        db, catalogue, calendar, local_date(now), now, fence, extra=values
    )  # and the brief's, court and teams
