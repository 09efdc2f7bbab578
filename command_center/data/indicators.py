"""The wall's figures, from one function: the wall, ``command-center indicators`` and the tests.

Every figure is computed from the facts (cases, funds, node instances) as of ``now`` with
the rules of :mod:`command_center.data.rules`, so it is right even between two recomputes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, select

from command_center.data import models as m
from command_center.data.catalogue import Catalogue, TriggerKind
from command_center.data.engine import Database
from command_center.data.rules import Rules, open_node
from command_center.data.workcal import WorkCalendar

CASES = m.Case.__table__
NODES = m.NodeInstance.__table__
FUNDS = m.Fund.__table__

#: 法发〔2017〕6号: case funds are paid out within 30 days of arrival (登封's 双零).
FUNDS_LIMIT_DAYS = 30


def count_of(table, *where):
    """``SELECT count(*) FROM table WHERE …`` as a scalar subquery, to select several counts at once."""
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


@dataclass(frozen=True)
class Lights:
    red: int
    yellow: int
    blue: int


@dataclass(frozen=True)
class Indicators:
    now: datetime
    cases: int
    open_cases: int
    new_cases_today: int
    undisbursed_amount: Decimal
    undisbursed_count: int
    open_nodes: int
    due_soon_nodes: int
    overdue_nodes: int
    lights: Lights
    funds_3_7_overdue: int
    funds_over_30_days: int
    freezes_expiring: int

    def as_json(self) -> dict:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        data["undisbursed_amount"] = f"{self.undisbursed_amount:.2f}"
        return data


def indicators(db: Database, catalogue: Catalogue, calendar: WorkCalendar, now: datetime) -> Indicators:
    """Every figure of the wall in a few set-based statements."""
    rules = Rules.at(now, catalogue, calendar)
    fund_codes = [n.code for n in catalogue if n.trigger.kind is TriggerKind.FUND]
    renewal_codes = [n.code for n in catalogue if n.trigger.kind is TriggerKind.ACCOUNT]
    n = NODES
    is_open = open_node(n)
    overdue = rules.overdue(n)
    with db.engine.connect() as conn:
        # each count on its own, so the open and today's ones use their index
        total, open_cases, new_today = conn.execute(
            select(count_of(CASES), count_of(CASES, CASES.c.closed_on.is_(None)), count_of(CASES, CASES.c.filed_on == rules.today))
        ).one()
        arrived = FUNDS.c.arrived_at <= now
        amount, count, over_30 = conn.execute(
            select(
                func.coalesce(func.sum(FUNDS.c.amount), Decimal("0.00")),
                func.count(),
                func.count(case((FUNDS.c.arrived_at < now - timedelta(days=FUNDS_LIMIT_DAYS), literal(1)))),
            ).where(FUNDS.c.disbursed_at.is_(None), arrived)
        ).one()
        open_nodes, overdue_nodes, due_soon, expiring = conn.execute(
            select(
                func.count(),
                func.count(case((overdue, literal(1)))),
                func.count(case((rules.due_soon(n), literal(1)))),
                func.count(case((and_(rules.due_soon(n), n.c.node_code.in_(renewal_codes)), literal(1)))),
            ).where(is_open, n.c.due_at.is_not(None))
        ).one()
        late_fund = (
            select(n.c.case_id, n.c.subject_id)
            .where(is_open, overdue, n.c.node_code.in_(fund_codes))
            .group_by(n.c.case_id, n.c.subject_id)
            .subquery()
        )
        funds_3_7 = conn.execute(select(func.count()).select_from(late_fund)).scalar_one()
        # a case's light is the tier of its worst (earliest-due) open overdue node
        # (grouped from the open-node index first, then joined with the cases by key)
        worst = select(n.c.case_id, func.min(n.c.due_date).label("due")).where(is_open, overdue).group_by(n.c.case_id).subquery()
        tier = rules.tier(worst.c.due)
        red, yellow, blue = conn.execute(
            select(*[func.count(case((tier == name, literal(1)))) for name in ("red", "yellow", "blue")])
            .select_from(worst.join(CASES, CASES.c.id == worst.c.case_id)).where(CASES.c.closed_on.is_(None))
        ).one()
    return Indicators(
        now=now, cases=total, open_cases=open_cases, new_cases_today=new_today, undisbursed_amount=Decimal(amount),
        undisbursed_count=count, open_nodes=open_nodes, due_soon_nodes=due_soon, overdue_nodes=overdue_nodes,
        lights=Lights(red, yellow, blue), funds_3_7_overdue=funds_3_7, funds_over_30_days=over_30, freezes_expiring=expiring,
    )
