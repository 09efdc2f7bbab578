"""The wall's figures, from one function: the wall, ``command-center indicators`` and the tests.

Every figure is computed from the facts (cases, funds, node instances) as of ``now`` with
the rules of :mod:`command_center.data.rules`, so it is right even between two recomputes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import String, case, cast, func, literal, select
from sqlalchemy.sql.expression import ColumnElement

from command_center.data.catalogue import Catalogue, NodeDef, TriggerKind
from command_center.data.court_catalogues import catalogue_groups, codes_where
from command_center.data.courts import Scope, of_case_ids, of_cases
from command_center.data.engine import Database, quick_reads
from command_center.data.lights import TIERS, case_lights
from command_center.data.rules import Rules, open_node
from command_center.data.tables import CASES, FUNDS, NODES
from command_center.data.wall_counts import FIGURES, NO_TEAM, Marked, in_scope, one_snapshot, read_counts, read_marked
from command_center.data.workcal import Unit

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
    #: 续封临期: seals and seizures whose renewal (N48) is due within its window (DOMAIN.md §9)
    seals_expiring: int = 0

    def as_json(self) -> dict:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        data["undisbursed_amount"] = f"{self.undisbursed_amount:.2f}"
        return data


@dataclass(frozen=True)
class TeamLights:
    """One team's share of the overdue figures (``team_id`` None: cases without a team)."""

    team_id: int | None
    overdue_nodes: int
    red: int
    yellow: int
    blue: int


def indicators(db: Database, rules: Rules, courts: Scope = None) -> Indicators:
    """Every figure of the wall as of ``rules.now``, in a few set-based statements; ``courts``:
    those of these courts' cases (:func:`~command_center.data.courts.courts_under`), default all."""
    with db.engine.connect() as conn:
        return read_indicators(one_snapshot(conn), rules, courts)[0]


def read_indicators(conn, rules: Rules, courts: Scope = None) -> tuple[Indicators, list[TeamLights]]:
    """The wall's figures on ``conn``, with the overdue nodes and lights per team they sum
    (:func:`read_figures`)."""
    figures, teams, _ = read_figures(conn, rules, courts)
    return figures, teams


def read_figures(
    conn, rules: Rules, courts: Scope = None, marked: Marked | None = None
) -> tuple[Indicators, list[TeamLights], dict[tuple[int, int], dict[str, int]]]:
    """The wall's figures on ``conn``, with the overdue nodes and lights per team they sum, and
    the kept counts per court and team they come from (:func:`.wall_counts.read_counts`).

    With ``courts``, every figure is taken over those courts' cases, so the figures of a parent
    code are exactly its courts' summed.  The cases, open cases, open and overdue nodes and the
    lights come from the counts the recompute keeps (:mod:`.wall_counts`, exact at any instant:
    the cases written since are read from the facts); the rest are ranges of an index."""
    quick_reads(conn)
    now = rules.now
    n = NODES
    marked = marked if marked is not None else read_marked(conn, courts)
    counts = read_counts(conn, rules, courts, marked)
    new_today = conn.execute(
        select(func.count()).where(CASES.c.filed_on == rules.today, *of_cases(courts))
    ).scalar_one()
    funds = _funds(conn, now, in_scope(FUNDS.c.case_id, courts, marked))
    mine = in_scope(n.c.case_id, courts, marked)
    late_fund = late_fund_of(n, rules.catalogue)
    funds_3_7 = conn.execute(
        select(func.count(late_fund.distinct())).where(
            open_node(n),
            n.c.node_code.in_(fund_node_codes(rules.catalogue)),  # a range per code of the open code-due index
            rules.overdue(n),
            late_fund.is_not(None),
            *mine,
        )
    ).scalar_one()
    due_soon, expiring, seals_expiring = _soon(conn, rules, mine)
    by_team: dict[int | None, list[int]] = {}
    for (_court, key), figures in counts.items():
        team = by_team.setdefault(None if key == NO_TEAM else key, [0, 0, 0, 0])
        for i, name in enumerate(("overdue", *TIERS)):
            team[i] += figures[name]
    teams = [TeamLights(team_id, *values) for team_id, values in by_team.items() if any(values)]
    total = {name: sum(f[name] for f in counts.values()) for name in FIGURES}
    figures = Indicators(
        now=now,
        cases=total["cases"],
        open_cases=total["open_cases"],
        new_cases_today=new_today,
        undisbursed_amount=funds[0],
        undisbursed_count=funds[1],
        open_nodes=total["open_nodes"],
        due_soon_nodes=due_soon,
        overdue_nodes=total["overdue"],
        lights=Lights(*[total[tier] for tier in TIERS]),
        funds_3_7_overdue=funds_3_7,
        funds_over_30_days=funds[2],
        freezes_expiring=expiring,
        seals_expiring=seals_expiring,
    )
    return figures, teams, counts


def _funds(conn, now: datetime, mine: list) -> tuple[Decimal, int, int]:
    """The undisbursed funds' amount and count, and how many wait over 30 days (``mine``: the
    conditions that keep the scope's funds)."""
    amount, count, over_30 = conn.execute(
        select(
            func.coalesce(func.sum(FUNDS.c.amount), Decimal("0.00")),
            func.count(),
            func.count(case((FUNDS.c.arrived_at < now - timedelta(days=FUNDS_LIMIT_DAYS), literal(1)))),
        ).where(FUNDS.c.disbursed_at.is_(None), FUNDS.c.arrived_at <= now, *mine)
    ).one()
    return Decimal(amount), count, over_30


def _soon(conn, rules: Rules, mine) -> tuple[int, int, int]:
    """The due-soon nodes, the freezes and the seals expiring: a range per window of the open
    code-due index (one per distinct window end, each the codes sharing it), which SQLite walks
    in a few hundred microseconds where the per-row CASE over every node due before the longest
    window's end took 14 ms at 100,000 cases."""
    n = NODES
    windows = rules.soon_windows(n)
    renewals = rules.soon_windows(n, renewal)
    seals = rules.soon_windows(n, seal)
    soon = conn.execute(
        select(*[count_of(n, open_node(n), window, *mine) for window in windows + renewals + seals])
    ).one()
    return (
        sum(soon[: len(windows)]),
        sum(soon[len(windows) : len(windows) + len(renewals)]),
        sum(soon[len(windows) + len(renewals) :]),
    )


def read_indicators_from_facts(conn, rules: Rules, courts: Scope = None) -> tuple[Indicators, list[TeamLights]]:
    """:func:`read_indicators` from the facts alone (cases, funds, every open node ranked per
    case): what the kept counts are held to by the tests, at a cost that follows the court's size.

    With ``courts``, every figure is taken over those courts' cases (a semi-join on the case id
    beside each index range), so the figures of a parent code are exactly its courts' summed."""
    quick_reads(conn)
    now = rules.now
    n = NODES
    # each count on its own, so the open and today's ones use their index
    total, open_cases, new_today = conn.execute(
        select(
            count_of(CASES, *of_cases(courts)),
            count_of(CASES, CASES.c.closed_on.is_(None), *of_cases(courts)),
            count_of(CASES, CASES.c.filed_on == rules.today, *of_cases(courts)),
        )
    ).one()
    amount, count, over_30 = conn.execute(
        select(
            func.coalesce(func.sum(FUNDS.c.amount), Decimal("0.00")),
            func.count(),
            func.count(case((FUNDS.c.arrived_at < now - timedelta(days=FUNDS_LIMIT_DAYS), literal(1)))),
        ).where(FUNDS.c.disbursed_at.is_(None), FUNDS.c.arrived_at <= now, *of_case_ids(FUNDS.c.case_id, courts))
    ).one()
    # the open nodes are counted from the index alone.  The overdue ones are a range of the
    # open-due index (a fund's 3+7 nodes share its subject); the due-soon ones are a range per
    # window of the open code-due index (one per distinct window end, each the codes sharing
    # it), which SQLite walks in a few hundred microseconds where the per-row CASE over every
    # node due before the longest window's end took 14 ms at 100,000 cases
    mine = of_case_ids(n.c.case_id, courts)
    open_nodes = conn.execute(select(func.count()).where(open_node(n), n.c.due_at.is_not(None), *mine)).scalar_one()
    late_fund = late_fund_of(n, rules.catalogue)
    overdue_nodes, funds_3_7 = conn.execute(
        select(func.count(), func.count(late_fund.distinct())).where(open_node(n), rules.overdue(n), *mine)
    ).one()
    due_soon, expiring, seals_expiring = _soon(conn, rules, mine)
    teams = lights_by_team(conn, rules, courts)
    figures = Indicators(
        now=now,
        cases=total,
        open_cases=open_cases,
        new_cases_today=new_today,
        undisbursed_amount=Decimal(amount),
        undisbursed_count=count,
        open_nodes=open_nodes,
        due_soon_nodes=due_soon,
        overdue_nodes=overdue_nodes,
        lights=Lights(*[sum(getattr(t, tier) for t in teams) for tier in TIERS]),
        funds_3_7_overdue=funds_3_7,
        funds_over_30_days=over_30,
        freezes_expiring=expiring,
        seals_expiring=seals_expiring,
    )
    return figures, teams


def renewal(node: NodeDef) -> bool:
    """A freeze's renewal (续冻, N20): the node of a frozen account."""
    return node.trigger.kind is TriggerKind.ACCOUNT


def seal(node: NodeDef) -> bool:
    """A seal's renewal (续封, N48): due on the seized asset's expiry."""
    return node.trigger.kind is TriggerKind.ASSET and node.unit is Unit.EXPIRY


def fund_node_codes(catalogue: Catalogue) -> list[str]:
    """The codes of the funds' nodes (3+7) of every catalogue: a condition on them first lets a
    count of the late funds walk a range per code of the open code-due index."""
    return sorted(
        {d.code for g in catalogue_groups(catalogue) for d in g.catalogue if d.trigger.kind is TriggerKind.FUND}
    )


def late_fund_of(n, catalogue: Catalogue) -> ColumnElement:
    """A fund's key (``case_id:fund_id``) for a node of its 3+7 (claim or disbursement, in its
    court's catalogue), NULL for any other node: its distinct values among the overdue nodes
    are the funds 3+7 overdue."""
    fund = codes_where(
        catalogue_groups(catalogue), n.c.node_code, lambda d: d.trigger.kind is TriggerKind.FUND, case_id=n.c.case_id
    )
    return case((fund, cast(n.c.case_id, String) + ":" + n.c.subject_id))


def lights_by_team(conn, rules: Rules, courts: Scope = None) -> list[TeamLights]:
    """Per team: its open overdue nodes, and its open cases per light (:func:`case_lights`)."""
    lights = case_lights(rules, courts=courts)
    rows = conn.execute(
        select(
            lights.c.team_id,
            func.sum(lights.c.overdue).label("overdue"),
            *[func.count(case((lights.c.tier == t, literal(1)))).label(t) for t in TIERS],
        ).group_by(lights.c.team_id)
    ).all()
    return [TeamLights(r.team_id, int(r.overdue), r.red, r.yellow, r.blue) for r in rows]
