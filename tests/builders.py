"""A tiny hand-built court for rule tests: every row written explicitly, nothing random."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import insert, select, text

from command_center.data import models as m
from command_center.data.catalogue import load_catalogue
from command_center.data.engine import Database
from command_center.data.workcal import TZ, WorkCalendar

CATALOGUE = load_catalogue()
CALENDAR = WorkCalendar()


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


class Court:
    """One court, one team, an officer ``zhang`` and a chief ``chief``."""

    def __init__(self, db: Database):
        self.db = db
        self._numbers = 0
        with db.engine.begin() as conn:
            conn.execute(insert(m.Court.__table__).values(id=1, code="内0425", name="测试法院"))
            conn.execute(insert(m.Team.__table__).values(id=1, court_id=1, name="普执一组", track="普执"))
            conn.execute(
                insert(m.Officer.__table__),
                [
                    {"id": 1, "login": "zhang", "name": "张承办", "role": "officer", "team_id": 1, "active": True},
                    {"id": 2, "login": "chief", "name": "李局长", "role": "chief", "team_id": None, "active": True},
                    {"id": 3, "login": "wall", "name": "大屏", "role": "wall", "team_id": None, "active": True},
                ],
            )
            if db.dialect == "postgresql":  # the ids above were explicit: later inserts take the next ones
                for table in ("courts", "teams", "officers"):
                    conn.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
                    )

    def case(
        self,
        filed_on: date,
        *,
        closed_on: date | None = None,
        closing_mode: str | None = None,
        term_extended_to: date | None = None,
        applicant_phone: str | None = "13800000000",
        case_type: str = "执",
    ) -> int:
        self._numbers += 1
        with self.db.engine.begin() as conn:
            case_id = conn.execute(
                insert(m.Case.__table__)
                .values(
                    court_id=1,
                    case_no=f"（{filed_on.year}）内0425{case_type}{self._numbers}号",
                    case_type=case_type,
                    filed_on=filed_on,
                    amount=Decimal("10000.00"),
                    team_id=1,
                    officer_id=1,
                    closed_on=closed_on,
                    closing_mode=closing_mode,
                    term_extended_to=term_extended_to,
                )
                .returning(m.Case.__table__.c.id)
            ).scalar_one()
            conn.execute(
                insert(m.Party.__table__).values(
                    case_id=case_id, role="applicant", position=0, name="王申请", kind="person", phone=applicant_phone
                )
            )
        return case_id

    def red_case(self, *, fund_due_soon: bool = False) -> int:
        """A case filed 2026-08-03 whose N09 was due 2026-08-07: red (and locked) as of 2026-11-20;
        with ``fund_due_soon`` a fund arrived on 2026-11-19 (its N34 due soon)."""
        case_id = self.case(date(2026, 8, 3))
        self.add(
            m.NodeInstance,
            case_id=case_id,
            node_code="N09",
            subject_id="",
            started_at=at(date(2026, 8, 3), 9),
            due_override=datetime.combine(date(2026, 8, 7), time(23, 59, 59), tzinfo=TZ),
            source="imported",
        )
        if fund_due_soon:
            self.add(
                m.Fund, fund_id="AK1", case_id=case_id, amount=Decimal("1.00"), arrived_at=at(date(2026, 11, 19), 10)
            )
        return case_id

    def add(self, model, **values) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(insert(model.__table__).values(**values))

    def update(self, model, where, **values) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(model.__table__.update().where(where).values(**values))

    def node(self, case_id: int, code: str, subject: str = ""):
        nodes = m.NodeInstance.__table__
        with self.db.engine.connect() as conn:
            return conn.execute(
                select(nodes).where(
                    nodes.c.case_id == case_id, nodes.c.node_code == code, nodes.c.subject_id == subject
                )
            ).one_or_none()

    def nodes(self, case_id: int) -> dict[tuple[str, str], object]:
        nodes = m.NodeInstance.__table__
        with self.db.engine.connect() as conn:
            return {
                (r.node_code, r.subject_id): r for r in conn.execute(select(nodes).where(nodes.c.case_id == case_id))
            }

    def alerts(self, case_id: int | None = None) -> dict[tuple[str, str], object]:
        alerts = m.Alert.__table__
        query = select(alerts)
        if case_id is not None:
            query = query.where(alerts.c.case_id == case_id)
        with self.db.engine.connect() as conn:
            return {(r.node_code, r.subject_id): r for r in conn.execute(query)}

    def rows(self, model, *where):
        with self.db.engine.connect() as conn:
            return conn.execute(select(model.__table__).where(*where)).all()
