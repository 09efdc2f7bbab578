"""Read-only queries the screens and commands share; each returns plain data, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, select

from command_center.data import models as m
from command_center.data.engine import Database
from command_center.data.workcal import local_date, tier_threshold


@dataclass(frozen=True)
class Overview:
    """The headline counts of the court as of ``now``."""

    now: datetime
    cases: int
    open_cases: int
    new_cases_today: int
    undisbursed_amount: Decimal
    undisbursed_count: int
    open_nodes: int
    overdue_nodes: int
    red: int
    yellow: int
    blue: int


def overview(db: Database, now: datetime) -> Overview:
    """Counts over the whole database in a few set-based statements."""
    today = local_date(now)
    cases, nodes, funds = m.Case.__table__, m.NodeInstance.__table__, m.Fund.__table__
    open_node = and_(nodes.c.completed_at.is_(None), nodes.c.stopped_at.is_(None))
    with db.engine.connect() as conn:
        total, open_cases, new_today = conn.execute(
            select(
                func.count(),
                func.count(case((cases.c.closed_on.is_(None), literal(1)))),
                func.count(case((cases.c.filed_on == today, literal(1)))),
            ).select_from(cases)
        ).one()
        amount, count = conn.execute(
            select(func.coalesce(func.sum(funds.c.amount), Decimal("0.00")), func.count())
            .where(funds.c.disbursed_at.is_(None), funds.c.arrived_at <= now)
        ).one()
        open_nodes, overdue = conn.execute(
            select(func.count(), func.count(case((nodes.c.due_at < now, literal(1))))).where(open_node)
        ).one()
        worst = (
            select(func.min(nodes.c.due_date).label("due"))
            .select_from(nodes.join(cases, cases.c.id == nodes.c.case_id))
            .where(open_node, nodes.c.due_at < now, cases.c.closed_on.is_(None))
            .group_by(nodes.c.case_id)
            .subquery()
        )
        # A case's light is the tier of its earliest-due open overdue node.
        red_from, yellow_from, blue_from = (tier_threshold(today, months) for months in (3, 2, 1))
        red, yellow, blue = conn.execute(
            select(
                func.count(case((worst.c.due <= red_from, literal(1)))),
                func.count(case((and_(worst.c.due > red_from, worst.c.due <= yellow_from), literal(1)))),
                func.count(case((and_(worst.c.due > yellow_from, worst.c.due <= blue_from), literal(1)))),
            )
        ).one()
    return Overview(now, total, open_cases, new_today, Decimal(amount), count, open_nodes, overdue, red, yellow, blue)
