"""What the wall display (大屏) shows besides the indicators: the light panels, the due-soon
panel, the funds panel and the team board, each from one set-based query as of ``now``.

A case's light is the tier of its worst (earliest-due) open overdue node, exactly as
:func:`command_center.data.indicators.indicators` counts it, so a panel's count and its list
agree with ``command-center indicators``.  Party names are masked here (the wall is public).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from command_center.data.alerts import response_state
from command_center.data.courts import Scope, every_court, list_courts, of_cases, snapshot_scope
from command_center.data.duty import Duty, on_duty_in
from command_center.data.engine import Database, quick_reads
from command_center.data.indicators import FUNDS_LIMIT_DAYS, Indicators, TeamLights, count_of, read_figures
from command_center.data.lights import TIERS, case_lights, worst_node_of
from command_center.data.parties import first_debtor, mask_name
from command_center.data.replica import ReplicaState
from command_center.data.rollup import CourtRow, wall_court_rows
from command_center.data.rules import Rules, open_node
from command_center.data.tables import ALERTS, CASES, FUNDS, NODES, OFFICERS, SNAPSHOTS, TEAMS
from command_center.data.wall_counts import NO_TEAM, LitCase, Marked, in_scope, lit_window, one_snapshot, read_marked
from command_center.data.workcal import local_date

#: rows fetched per list and refresh (a window): enough to page through on the largest screen,
#: cheap at 1,000,000 cases; the wall moves the window along as its pages turn, so every row of
#: a list comes up in turn (reading every red case each refresh cost 4 times as much at 100,000)
LIST_LIMIT = 60
#: the lists that page through windows: the lights, the due-soon nodes, the late funds
LISTS = (*TIERS, "soon", "funds")


@dataclass(frozen=True)
class LightCase:
    case_no: str
    debtor: str  # masked
    team: str
    officer: str
    overdue_days: int
    node_code: str
    due_date: date
    response: str | None  # done / submitted / missing / late (None: no alert yet)


@dataclass(frozen=True)
class DueSoon:
    case_no: str
    team: str
    officer: str
    node_code: str
    due_at: datetime
    provisional: bool


@dataclass(frozen=True)
class LateFund:
    case_no: str
    amount: Decimal
    arrived_at: datetime
    days: int


@dataclass(frozen=True)
class TeamRow:
    team: str | None  # None: the cases without a team (the board's last row, when it has any)
    open_cases: int
    overdue_nodes: int
    red: int
    yellow: int
    blue: int


@dataclass(frozen=True)
class WallData:
    indicators: Indicators
    lights: dict[str, list[LightCase]]
    due_soon: list[DueSoon]
    late_funds: list[LateFund]
    teams: list[TeamRow]
    seconds: float = 0.0  # the whole read: the statements and Python's work around them
    database_seconds: float = 0.0  # the statements alone (inside the driver), when measured
    #: list → the place of its first row in the whole list (0: the list's beginning)
    offsets: dict[str, int] = field(default_factory=dict)
    #: figure → its daily snapshots over the last PULSE_DAYS days, oldest first (the pulses)
    pulses: dict[str, list[Decimal]] = field(default_factory=dict)
    #: 值班: who is on duty today (the header shows the login and the masked name)
    duty: Duty | None = None
    #: read from a standby (``read_db``): how far behind its primary it was (the header shows the data's age)
    replica: ReplicaState | None = None
    #: the 中院 wall: one row per court of a scope of several courts, the worst first (else empty)
    courts: list[CourtRow] = field(default_factory=list)
    #: the court's name when the scope holds one court (the title names it), else None
    court_name: str | None = None


def wall_data(
    db: Database,
    rules: Rules,
    *,
    limit: int = LIST_LIMIT,
    windows: Mapping[str, tuple[int, int]] | None = None,
    courts: Scope = None,
) -> WallData:
    """Everything the wall shows, read on one connection (the figures are those of
    :func:`~command_center.data.indicators.indicators`, the team board sums the same rows).

    ``windows``: list (:data:`LISTS`) → (offset, limit), the part of each list to read; a list
    not named, or an offset past the list's end (it shrank), reads from its beginning.
    ``courts``: the cases of those courts only (:mod:`.courts`; None: every court); when the
    scope holds several courts, :attr:`WallData.courts` has a row per court (the 中院 wall)."""
    started = time.perf_counter()
    with db.engine.connect() as connection:
        conn = one_snapshot(connection)
        quick_reads(conn)
        mine = None if every_court(db, courts) else courts
        marked = read_marked(conn, mine)
        figures, by_team, counts = read_figures(conn, rules, mine, marked)
        totals = {
            **{tier: getattr(figures.lights, tier) for tier in TIERS},
            "soon": figures.due_soon_nodes,
            "funds": figures.funds_over_30_days,
        }
        asked = dict(windows or {})
        window = {}
        for name in LISTS:
            offset, size = asked.get(name, (0, limit))
            window[name] = (offset if 0 <= offset < totals[name] else 0, max(1, size))
        lights = _lights(conn, rules, window, mine, marked)
        due_soon = _due_soon(conn, rules, *window["soon"], in_scope(NODES.c.case_id, mine, marked))
        late_funds = _late_funds(conn, rules.now, *window["funds"], in_scope(FUNDS.c.case_id, mine, marked))
        teams = _teams(conn, by_team, counts, courts)
        pulses = _pulses(conn, rules.today, snapshot_scope(db, courts))
        duty = on_duty_in(conn, rules.calendar, rules.today)
        listed = list_courts(db, courts)
        by_court = wall_court_rows(conn, rules, listed, counts) if len(listed) > 1 else []
    offsets = {name: offset for name, (offset, _) in window.items()}
    return WallData(
        figures,
        lights,
        due_soon,
        late_funds,
        teams,
        time.perf_counter() - started,
        offsets=offsets,
        pulses=pulses,
        duty=duty,
        courts=by_court,
        court_name=listed[0].name if len(listed) == 1 else None,
    )


#: the figures the wall shows a pulse of, and over how many days
PULSES = ("new_cases_today", "overdue_nodes", "red")
PULSE_DAYS = 14


def _pulses(conn, today: date, scope: str) -> dict[str, list[Decimal]]:
    """The daily snapshots of :data:`PULSES` of ``scope`` (:func:`~.courts.snapshot_scope`) over
    the last :data:`PULSE_DAYS` days (one range of the snapshots' key)."""
    s = SNAPSHOTS
    rows = conn.execute(
        select(s.c.indicator, s.c.value)
        .where(
            s.c.scope == scope,
            s.c.indicator.in_(PULSES),
            s.c.day > today - timedelta(days=PULSE_DAYS),
            s.c.day <= today,
        )
        .order_by(s.c.indicator, s.c.day)
    ).all()
    pulses: dict[str, list[Decimal]] = {key: [] for key in PULSES}
    for indicator, value in rows:
        pulses[indicator].append(value)
    return pulses


def _lights(
    conn, rules: Rules, windows: Mapping[str, tuple[int, int]], courts: Scope = None, marked: Marked | None = None
) -> dict[str, list[LightCase]]:
    """A window (offset, limit) of the cases of each light, by their worst node's due date, then
    case id: a range of the kept lit cases read as far as the window
    (:func:`.wall_counts.lit_window`), then the listed cases' details by key."""
    marked = marked if marked is not None else read_marked(conn, courts)
    listed = [c for tier in TIERS for c in lit_window(conn, rules, tier, *windows[tier], courts, marked)]
    return _light_cases(conn, rules, listed)


def _light_cases(conn, rules: Rules, listed: list[LitCase]) -> dict[str, list[LightCase]]:
    """The listed cases with their 案号, team, officer, debtor and their worst node's alert."""
    lights: dict[str, list[LightCase]] = {tier: [] for tier in TIERS}
    if not listed:
        return lights
    ids = sorted({c.case_id for c in listed})
    officer = OFFICERS.alias("officer")
    cases = {
        r.id: r
        for r in conn.execute(
            select(
                CASES.c.id,
                CASES.c.case_no,
                TEAMS.c.name.label("team"),
                officer.c.name.label("officer"),
                first_debtor(CASES.c.id).label("debtor"),
            )
            .select_from(
                CASES.outerjoin(TEAMS, TEAMS.c.id == CASES.c.team_id).outerjoin(
                    officer, officer.c.id == CASES.c.officer_id
                )
            )
            .where(CASES.c.id.in_(ids))
        )
    }
    alerts = {
        (r.case_id, r.node_code, r.subject_id): r
        for r in conn.execute(
            select(
                ALERTS.c.case_id,
                ALERTS.c.node_code,
                ALERTS.c.subject_id,
                ALERTS.c.response_kind,
                ALERTS.c.response_status,
                ALERTS.c.response_due_date,
            ).where(ALERTS.c.case_id.in_(ids))
        )
    }
    for c in listed:
        r = cases.get(c.case_id)
        if r is None:  # removed meanwhile
            continue
        alert = alerts.get((c.case_id, c.node_code, c.subject_id))
        response = None if alert is None else (alert.response_kind, alert.response_status, alert.response_due_date)
        lights[c.tier].append(_light_case(rules, r, c.node_code, c.due_date, response))
    return lights


def _light_case(rules: Rules, case, node_code: str, due_date: date, response: tuple | None) -> LightCase:
    """A listed case as the wall shows it (``case``: its 案号, team, officer and first debtor;
    ``response``: its worst node's alert's kind, status and due date), names masked."""
    return LightCase(
        case_no=case.case_no,
        debtor=mask_name(case.debtor),
        team=case.team or "",
        officer=mask_name(case.officer),
        overdue_days=(rules.today - due_date).days,
        node_code=node_code,
        due_date=due_date,
        response=None if response is None else response_state(*response, rules.today),
    )


def lights_from_facts(
    conn, rules: Rules, windows: Mapping[str, tuple[int, int]], courts: Scope = None
) -> dict[str, list[LightCase]]:
    """:func:`_lights` from the facts alone (what the tests hold it to).

    The cases are ranked from their earliest lit due date (a group per case over the lit
    range of the open-due index), and only the listed ones look up which node that is: on
    SQLite, ranking every lit node per case with a window took twice as long (25 ms at
    100,000 cases)."""
    lights = case_lights(rules, lit_only=True, open_only=True, courts=courts)
    ranked = select(
        lights.c.case_id,
        lights.c.worst,
        lights.c.tier,
        func.row_number().over(partition_by=lights.c.tier, order_by=(lights.c.worst, lights.c.case_id)).label("place"),
    ).subquery()
    listed = (
        select(ranked)
        .where(
            or_(
                *[
                    and_(ranked.c.tier == tier, ranked.c.place > offset, ranked.c.place <= offset + size)
                    for tier, (offset, size) in ((t, windows[t]) for t in TIERS)
                ]
            )
        )
        .subquery()
    )
    worst = worst_node_of(listed, rules, lit_only=True, columns=("place",))
    officer = OFFICERS.alias("officer")
    rows = conn.execute(
        select(
            worst.c.tier,
            worst.c.node_code,
            worst.c.due_date,
            CASES.c.case_no,
            TEAMS.c.name.label("team"),
            officer.c.name.label("officer"),
            first_debtor(worst.c.case_id).label("debtor"),
            ALERTS.c.response_kind,
            ALERTS.c.response_status,
            ALERTS.c.response_due_date,
        )
        .select_from(
            worst.join(CASES, CASES.c.id == worst.c.case_id)
            .outerjoin(TEAMS, TEAMS.c.id == CASES.c.team_id)
            .outerjoin(officer, officer.c.id == CASES.c.officer_id)
            .outerjoin(
                ALERTS,
                and_(
                    ALERTS.c.case_id == worst.c.case_id,
                    ALERTS.c.node_code == worst.c.node_code,
                    ALERTS.c.subject_id == worst.c.subject_id,
                ),
            )
        )
        .order_by(worst.c.tier, worst.c.place)
    ).all()
    lights: dict[str, list[LightCase]] = {tier: [] for tier in TIERS}
    for r in rows:
        response = (r.response_kind, r.response_status, r.response_due_date)
        lights[r.tier].append(_light_case(rules, r, r.node_code, r.due_date, response))
    return lights


def _due_soon(conn, rules: Rules, offset: int, limit: int, mine=()) -> list[DueSoon]:
    """A window of the due-soon nodes (``mine``: the conditions that keep the scope's)."""
    n = NODES
    officer = OFFICERS.alias("officer")
    rows = conn.execute(
        select(
            CASES.c.case_no,
            TEAMS.c.name.label("team"),
            officer.c.name.label("officer"),
            n.c.node_code,
            n.c.due_at,
            n.c.provisional,
        )
        .select_from(
            n.join(CASES, CASES.c.id == n.c.case_id)
            .outerjoin(TEAMS, TEAMS.c.id == CASES.c.team_id)
            .outerjoin(officer, officer.c.id == CASES.c.officer_id)
        )
        .where(open_node(n), rules.due_soon(n), *mine)
        # the open-due index's order: the window is read from it and only its rows are joined
        .order_by(n.c.due_at, n.c.case_id, n.c.node_code, n.c.subject_id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        DueSoon(r.case_no, r.team or "", mask_name(r.officer), r.node_code, r.due_at, bool(r.provisional)) for r in rows
    ]


def _late_funds(conn, now: datetime, offset: int, limit: int, mine=()) -> list[LateFund]:
    """双零: funds still undisbursed more than 30 days after arrival, longest waiting first
    (``mine``: the conditions that keep the scope's)."""
    rows = conn.execute(
        select(CASES.c.case_no, FUNDS.c.amount, FUNDS.c.arrived_at)
        .select_from(FUNDS.join(CASES, CASES.c.id == FUNDS.c.case_id))
        .where(
            FUNDS.c.disbursed_at.is_(None),
            FUNDS.c.arrived_at < now - timedelta(days=FUNDS_LIMIT_DAYS),
            *mine,
        )
        .order_by(FUNDS.c.arrived_at, CASES.c.case_no, FUNDS.c.fund_id)
        .offset(offset)
        .limit(limit)
    ).all()
    today = local_date(now)
    return [LateFund(r.case_no, r.amount, r.arrived_at, (today - local_date(r.arrived_at)).days) for r in rows]


def _teams(conn, by_team: list[TeamLights], counts, courts: Scope = None) -> list[TeamRow]:
    """Per team: open cases (from the kept counts, :mod:`.wall_counts`), and the overdue
    figures the indicators summed."""
    lights = {t.team_id: t for t in by_team}
    open_cases: dict[int, int] = {}
    for (_court, key), figures in counts.items():
        open_cases[key] = open_cases.get(key, 0) + figures["open_cases"]
    rows = []
    mine = [] if courts is None else [TEAMS.c.court_id.in_(sorted(courts))]
    for team_id, name in conn.execute(select(TEAMS.c.id, TEAMS.c.name).where(*mine).order_by(TEAMS.c.id)):
        t = lights.get(team_id, TeamLights(team_id, 0, 0, 0, 0))
        rows.append(TeamRow(name, open_cases.get(team_id, 0), t.overdue_nodes, t.red, t.yellow, t.blue))
    return rows + _no_team(open_cases.get(NO_TEAM, 0), lights.get(None))


def _no_team(open_cases: int, t: TeamLights | None) -> list[TeamRow]:
    """The board's row of the cases without a team, if it has any: the board sums to the figures."""
    t = t or TeamLights(None, 0, 0, 0, 0)
    row = TeamRow(None, open_cases, t.overdue_nodes, t.red, t.yellow, t.blue)
    return [row] if any((open_cases, t.overdue_nodes, t.red, t.yellow, t.blue)) else []


def teams_from_facts(conn, by_team: list[TeamLights], courts: Scope = None) -> list[TeamRow]:
    """:func:`_teams` from the facts (the tests hold it to this): per team a range of the
    team-open index."""
    open_cases = count_of(CASES, CASES.c.team_id == TEAMS.c.id, CASES.c.closed_on.is_(None))
    lights = {t.team_id: t for t in by_team}
    rows = []
    mine = [] if courts is None else [TEAMS.c.court_id.in_(sorted(courts))]
    query = select(TEAMS.c.id, TEAMS.c.name, open_cases).where(*mine).order_by(TEAMS.c.id)
    for team_id, name, count in conn.execute(query):
        t = lights.get(team_id, TeamLights(team_id, 0, 0, 0, 0))
        rows.append(TeamRow(name, count, t.overdue_nodes, t.red, t.yellow, t.blue))
    no_team = count_of(CASES, CASES.c.team_id.is_(None), CASES.c.closed_on.is_(None), *of_cases(courts))
    return rows + _no_team(conn.execute(select(no_team)).scalar_one(), lights.get(None))
