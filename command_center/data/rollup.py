"""One row per court under a scope, the worst first: how a 中院 compares its courts.

``command-center indicators --by-court`` prints it; the 中院 wall's row per court and the
brief's ranking of courts are to be built on it.  Every figure is grouped by court in the same
few set-based statements whatever the number of courts (no query per court), and the scope's
total row is worked out from the courts' summed numerators and denominators, so each count and
amount of the total is exactly the sum of the rows and each rate is recomputed, never averaged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, literal, select

from command_center.data.brief import Period, figures_of, raw_figures, summed
from command_center.data.courts import CourtInfo, Scope, list_courts, of_cases
from command_center.data.engine import Database
from command_center.data.indicators import FUNDS_LIMIT_DAYS, fund_node_codes, late_fund_of
from command_center.data.rules import Rules, open_node
from command_center.data.tables import CASES, FUNDS, NODES
from command_center.data.workcal import local_date

#: a court row's figures, in the order the command line and ``--json`` show them
COURT_KEYS = (
    "cases",
    "open_cases",
    "overdue_nodes",
    "red",
    "yellow",
    "blue",
    "funds_3_7_overdue",
    "double_zero_count",
    "first_closure_rate",
    "completion_rate",
    "on_time_rate",
    "recovery_rate",
)
#: the rates among them (shown as percentages)
RATES = frozenset(k for k in COURT_KEYS if k.endswith("_rate"))
#: worst first: more red cases, then yellow, blue, overdue nodes, late funds
WORST = ("red", "yellow", "blue", "overdue_nodes", "funds_3_7_overdue", "double_zero_count")


@dataclass(frozen=True)
class CourtRow:
    code: str
    name: str
    values: dict[str, Decimal | int | None]

    def __getitem__(self, key: str):
        return self.values[key]

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            **{k: str(v) if isinstance(v, Decimal) else v for k, v in self.values.items()},
        }


@dataclass(frozen=True)
class CourtTable:
    at: datetime
    period: Period
    rows: list[CourtRow]  # worst first
    total: CourtRow  # the scope: the sums, and the rates of the summed numerators and denominators

    def as_json(self) -> dict:
        return {
            "at": self.at.isoformat(),
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "courts": [r.as_json() for r in self.rows],
            "total": self.total.as_json(),
        }


def court_table(
    db: Database,
    rules: Rules,
    courts: Scope = None,
    *,
    period: Period | None = None,
    code: str = "",
    rates: bool = True,
) -> CourtTable:
    """Each court of ``courts`` (default every court) with its figures as of ``rules.now`` (the
    rates over ``period``, default the year to date), worst first, and their total (named
    ``code``, the scope's code).  ``rates=False``: without the year's rates (None), which need
    every case closed in the period read: the 中院 wall, refreshed every few seconds, shows none."""
    now = rules.now
    period = period or Period.year_to_date(local_date(now))
    raw = raw_figures(db, rules.catalogue, rules.calendar, period, now, now=now, courts=courts, by="court", rates=rates)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with db.engine.connect() as conn:
        for row in conn.execute(
            select(
                CASES.c.court_id.label("key"),
                func.count().label("cases"),
                func.count(case((CASES.c.closed_on.is_(None), literal(1)))).label("open_cases"),
            )
            .where(*of_cases(courts))
            .group_by(CASES.c.court_id)
        ).mappings():
            counts[row["key"]].update(cases=row["cases"], open_cases=row["open_cases"])
        for court_id, late in late_funds_by_court(conn, rules, of_cases(courts)):
            counts[court_id]["funds_3_7_overdue"] = late
    rows = worst_first([_row(c.code, c.name, raw.get(c.id, {}), counts.get(c.id, {})) for c in list_courts(db, courts)])
    total = _row(code, "", summed(raw.values()), summed(counts.values()))
    return CourtTable(now, period, rows, total)


def worst_first(rows: list[CourtRow]) -> list[CourtRow]:
    """More red cases first, then yellow, blue, overdue nodes, late funds (:data:`WORST`), then by code."""
    return sorted(rows, key=lambda r: (*[-r[k] for k in WORST], r.code))


def late_funds_by_court(conn, rules: Rules, scope: list) -> list[tuple[int, int]]:
    """(court id, its funds 3+7 overdue as of ``rules.now``) of the cases ``scope`` keeps: the
    late funds' nodes by code first, a range per code of the open code-due index."""
    n = NODES
    late_fund = late_fund_of(n, rules.catalogue)
    return conn.execute(
        select(CASES.c.court_id, func.count(late_fund.distinct()))
        .select_from(n.join(CASES, CASES.c.id == n.c.case_id))
        .where(
            open_node(n),
            n.c.node_code.in_(fund_node_codes(rules.catalogue)),
            rules.overdue(n),
            late_fund.is_not(None),
            *scope,
        )
        .group_by(CASES.c.court_id)
    ).all()


def wall_court_rows(
    conn, rules: Rules, listed: list[CourtInfo], counts: dict[tuple[int, int], dict[str, int]]
) -> list[CourtRow]:
    """The 中院 wall's row per court of ``listed``, on the wall's own connection and snapshot:
    the cases, open cases, overdue nodes and lights summed from the kept ``counts`` per (court,
    team) the wall's figures come from (:func:`~.wall_counts.read_counts`), the funds 3+7
    overdue and the 双零 funds in one grouped statement each; the rates None.  The same rows
    as :func:`court_table` with ``rates=False``, whose reading of every fact grew with the
    province (tests/test_wall_counts.py holds them equal)."""
    ids = [c.id for c in listed]
    per: dict[int, dict[str, int]] = {i: defaultdict(int) for i in ids}
    for (court_id, _team), figures in counts.items():
        if court_id in per:
            row = per[court_id]
            for key, name in (("cases", "cases"), ("open_cases", "open_cases"), ("overdue_nodes", "overdue")):
                row[key] += figures[name]
            for tier in ("red", "yellow", "blue"):
                row[tier] += figures[tier]
    f = FUNDS
    for court_id, late in late_funds_by_court(conn, rules, [CASES.c.court_id.in_(ids)]):
        per[court_id]["funds_3_7_overdue"] = late
    for court_id, waiting in conn.execute(
        select(CASES.c.court_id, func.count())
        .select_from(f.join(CASES, CASES.c.id == f.c.case_id))
        .where(
            f.c.disbursed_at.is_(None),
            f.c.arrived_at < rules.now - timedelta(days=FUNDS_LIMIT_DAYS),
            CASES.c.court_id.in_(ids),
        )
        .group_by(CASES.c.court_id)
    ):
        per[court_id]["double_zero_count"] = waiting
    return worst_first(
        [
            CourtRow(c.code, c.name, {key: None if key in RATES else int(per[c.id][key]) for key in COURT_KEYS})
            for c in listed
        ]
    )


def _row(code: str, name: str, raw, counts) -> CourtRow:
    figures = figures_of(code, defaultdict(int, raw))
    values = {
        key: int(counts.get(key, 0)) if key in ("cases", "open_cases", "funds_3_7_overdue") else figures[key]
        for key in COURT_KEYS
    }
    return CourtRow(code, name, values)
