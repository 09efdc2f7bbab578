"""The morning brief's quality indicators (shared/DOMAIN.md §6), for the court and per team.

One function, :func:`figures_at`, computes every indicator over a period as of an instant;
the brief screen, its export, ``command-center brief --json`` and the daily snapshots all
take their figures from it.  The period figures follow the formulas of §6 exactly:

* 首执结案率 = first-enforcement (执) cases closed in the period ÷ (first-enforcement cases open
  at the period's start + those filed in it);
* 执行完毕率 / 终本率 = closed as 执行完毕 / 终结本次执行程序 ÷ closed in the period;
* 实际执行到位率 = Σ amount_recovered ÷ Σ amount over the cases closed in the period;
* 结案平均用时 = mean(closed_on − filed_on) in days over the cases closed in the period;
* 法定期限内结案率 = closed on or before their N42 due date ÷ closed in the period (DOMAIN.md
  §8: an objection, review or supervision case by its own review node N49/N50/N51; a case type
  the catalogue gives no such deadline, 执保 in the reference, cannot be late);
* 案款平均发放周期 = mean(disbursed_at − arrived_at) in days (1 decimal) over the funds
  disbursed in the period (calendar time: a weekend counts);
* 双零 = the funds undisbursed more than 30 days after arrival (count and sum);
* 分流用时 (triage time, 乌海: from 20 to 7 days) = mean(N07 completed − filed_on) in days
  (calendar days, the date N07 was completed) over the cases whose hand-over (N07) was
  completed in the period.

The state figures (lights, overdue and due-soon nodes, undisbursed funds) are those of the
instant: at the present the same as :func:`command_center.data.indicators.indicators`, in
the past reconstructed from the case history (a node was open then if it had started and
was neither completed nor stopped yet).  A ratio whose denominator is zero is ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from sqlalchemy import and_, case, func, literal, or_, select

from command_center.data.catalogue import CASE_TYPES, Catalogue, TriggerKind
from command_center.data.court_catalogues import catalogue_groups, per_court
from command_center.data.courts import (
    EVERY_COURT_SCOPE,
    SCOPE_LENGTH,
    Scope,
    common_code,
    court_choices,
    list_courts,
    of_case_ids,
    of_cases,
)
from command_center.data.deadlines import CLOSED_BY_CLOSING
from command_center.data.engine import Database
from command_center.data.indicators import FUNDS_LIMIT_DAYS, count_of
from command_center.data.lights import TIERS, case_lights
from command_center.data.locks import list_locks
from command_center.data.rules import Rules
from command_center.data.sqlcal import day_diff, seconds_between
from command_center.data.sqlcal import local_date as sql_local_date
from command_center.data.tables import ACTIONS, ALERTS, CASES, COURTS, FUNDS, NODES, OFFICERS, SNAPSHOTS, TEAMS
from command_center.data.workcal import Unit, WorkCalendar, end_of_day, local_date
from command_center.labels import INDICATORS

FIRST_ENFORCEMENT = "执"
DONE, TERMINATED = "执行完毕", "终结本次执行程序"
TERM_NODE = "N42"
COURT = EVERY_COURT_SCOPE


@dataclass(frozen=True)
class Spec:
    key: str
    unit: str  # rate / days / count / yuan
    better: str  # higher / lower
    target: Decimal | None = None

    def label(self, lang: str) -> str:
        return INDICATORS[lang][self.key]

    @property
    def zh(self) -> str:
        return self.label("zh")

    def meets(self, value, target: Decimal | None) -> bool | None:
        """Whether ``value`` meets ``target`` (None: no target or no value)."""
        if value is None or target is None:
            return None
        return value >= target if self.better == "higher" else value <= target


SPECS: tuple[Spec, ...] = (
    Spec("first_closure_rate", "rate", "higher", Decimal("0.80")),
    Spec("completion_rate", "rate", "higher", Decimal("0.45")),
    Spec("terminated_rate", "rate", "lower", Decimal("0.35")),
    Spec("recovery_rate", "rate", "higher", Decimal("0.50")),
    Spec("mean_closing_days", "days", "lower", Decimal("90")),
    Spec("on_time_rate", "rate", "higher", Decimal("0.95")),
    Spec("mean_disbursement_days", "days", "lower", Decimal("10")),
    Spec("mean_triage_days", "days", "lower", Decimal("7")),
    Spec("double_zero_count", "count", "lower", Decimal("0")),
    Spec("double_zero_amount", "yuan", "lower", Decimal("0")),
    Spec("red", "count", "lower", Decimal("0")),
    Spec("yellow", "count", "lower"),
    Spec("blue", "count", "lower"),
    Spec("overdue_nodes", "count", "lower"),
    Spec("due_soon_nodes", "count", "lower"),
    Spec("freezes_expiring", "count", "lower"),
    Spec("seals_expiring", "count", "lower"),
    Spec("undisbursed_amount", "yuan", "lower"),
)
SPEC = {s.key: s for s in SPECS}
#: the figures the teams are compared by (the screen's team table, the printable brief)
TEAM_KEYS = (
    "first_closure_rate",
    "completion_rate",
    "on_time_rate",
    "mean_closing_days",
    "red",
    "overdue_nodes",
    "double_zero_count",
)
RATE = Decimal("0.0001")
DAYS = {
    "mean_closing_days": Decimal("0.01"),
    "mean_disbursement_days": Decimal("0.1"),
    "mean_triage_days": Decimal("0.1"),
}
HANDOVER = "N07"  # 分案移交: triage is done once the file is handed to the team


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def year_to_date(cls, today: date) -> Period:
        return cls(date(today.year, 1, 1), today)

    def __str__(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


@dataclass
class Figures:
    """Every indicator of one scope (the court or a team); values are ``None`` when undefined."""

    scope: str  # "court" or the team's name
    values: dict[str, Decimal | int | None] = field(default_factory=dict)
    team_id: int | None = None

    def __getitem__(self, key: str):
        return self.values[key]


def _ratio(numerator, denominator, quantum: Decimal = RATE) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(quantum, rounding=ROUND_HALF_UP)


def instant_for(day: date, now: datetime) -> datetime:
    """The instant a day's figures are taken at: now for today, else the day's last moment."""
    return now if day >= local_date(now) else end_of_day(day)


def figures_at(
    db: Database,
    catalogue: Catalogue,
    calendar: WorkCalendar,
    period: Period,
    at: datetime,
    *,
    now: datetime | None = None,
    courts: Scope = None,
) -> tuple[Figures, list[Figures]]:
    """The court's figures and each team's (in team order) over ``period``, state as of ``at``.

    ``now`` (default ``at``) tells whether ``at`` is the present: the present state is read
    from the open-node index, a past one reconstructed from the history.  ``courts``: the
    figures of those courts' cases and teams (:mod:`.courts`; default every court)."""
    raw = raw_figures(db, catalogue, calendar, period, at, now=now, courts=courts)
    with db.engine.connect() as conn:
        query = (
            select(TEAMS.c.id, TEAMS.c.name, COURTS.c.code)
            .join(COURTS, COURTS.c.id == TEAMS.c.court_id)
            .order_by(TEAMS.c.id)
        )
        if courts is not None:
            query = query.where(TEAMS.c.court_id.in_(sorted(courts)))
        teams = conn.execute(query).all()
    court = figures_of(COURT, summed(raw.values()))
    # the teams of several courts carry their court's code: two courts may each have a 普执一组
    several = len({t.code for t in teams}) > 1
    return court, [
        figures_of(f"{t.code} {t.name}" if several else t.name, raw.get(t.id, defaultdict(int)), t.id) for t in teams
    ]


def raw_figures(
    db: Database,
    catalogue: Catalogue,
    calendar: WorkCalendar,
    period: Period,
    at: datetime,
    *,
    now: datetime | None = None,
    courts: Scope = None,
    by: str = "team",
    rates: bool = True,
) -> dict[int | None, dict[str, Decimal | int]]:
    """The numerators and denominators of every figure (:func:`figures` makes them figures), per
    team (``by="team"``, key the team id, None for cases without a team) or per court
    (``by="court"``), over the cases of ``courts`` (default every court).  A scope's figures are
    those of its groups' summed numerators and denominators (:func:`summed`), never averages.
    ``rates=False``: the state as of ``at`` only (funds, nodes, lights), without the period's
    closed cases and hand-overs (the rates that need them come out None): the 中院 wall's rows."""
    if by not in ("team", "court"):
        raise ValueError(f"figures go by team or by court, not {by!r}")
    present = at >= (now or at)
    rules = Rules.at(at, catalogue, calendar)
    key = CASES.c.team_id if by == "team" else CASES.c.court_id
    raw: dict[int | None, dict[str, Decimal | int]] = defaultdict(lambda: defaultdict(int))
    with db.engine.connect() as conn:
        queries = (
            [
                _case_query(period, catalogue, key, courts),
                _fund_query(period, at, key, courts),
                _triage_query(period, at, key, courts),
                _node_query(rules, at, present, key, courts),
            ]
            if rates
            else _state_queries(rules, at, present, key, courts)
        )
        for query in (*queries, _light_query(rules, at, present, f"{by}_id", courts)):
            for row in conn.execute(query).mappings():
                bucket = raw[row["key"]]
                for name, value in row.items():
                    if name != "key" and value is not None:
                        bucket[name] += Decimal(str(value)) if isinstance(value, float) else value  # SQLite's seconds
    return raw


def summed(buckets) -> dict[str, Decimal | int]:
    """Numerators and denominators of several groups added up: the figures of them together."""
    total: dict[str, Decimal | int] = defaultdict(int)
    for bucket in buckets:
        for key, value in bucket.items():
            total[key] += value
    return total


def figures_of(scope: str, raw, team_id: int | None = None) -> Figures:
    """The figures of numerators and denominators (:func:`raw_figures`): ratios recomputed."""
    closed = raw["closed"]
    values: dict[str, Decimal | int | None] = {
        "first_closure_rate": _ratio(raw["first_closed"], raw["first_base"]),
        "completion_rate": _ratio(raw["closed_done"], closed),
        "terminated_rate": _ratio(raw["closed_terminated"], closed),
        "recovery_rate": _ratio(raw["closed_recovered"], raw["closed_amount"]),
        "mean_closing_days": _ratio(raw["closed_days"], closed, DAYS["mean_closing_days"]),
        "on_time_rate": _ratio(raw["on_time"], closed),
        "mean_disbursement_days": _ratio(
            Decimal(raw["disbursed_seconds"]) / 86400, raw["disbursed"], DAYS["mean_disbursement_days"]
        ),
        "mean_triage_days": _ratio(raw["triage_days"], raw["triaged"], DAYS["mean_triage_days"]),
        "double_zero_count": int(raw["double_zero_count"]),
        "double_zero_amount": Decimal(raw["double_zero_amount"]).quantize(Decimal("0.01")),
        "red": int(raw["red"]),
        "yellow": int(raw["yellow"]),
        "blue": int(raw["blue"]),
        "overdue_nodes": int(raw["overdue_nodes"]),
        "due_soon_nodes": int(raw["due_soon_nodes"]),
        "freezes_expiring": int(raw["freezes_expiring"]),
        "seals_expiring": int(raw["seals_expiring"]),
        "undisbursed_amount": Decimal(raw["undisbursed_amount"]).quantize(Decimal("0.01")),
    }
    return Figures(scope, values, team_id)


def _count(condition):
    return func.count(case((condition, literal(1))))


def _sum(value, condition):
    return func.coalesce(func.sum(case((condition, value))), 0)


def _case_query(period: Period, catalogue: Catalogue, key, courts: Scope):
    c = CASES
    n42 = NODES.alias("n42")
    review = NODES.alias("review")
    reviews = sorted(CLOSED_BY_CLOSING - {TERM_NODE})

    # the case types with no deadline of their own that closing completes (执保), in the case's
    # court's catalogue: never late
    def free(catalogue: Catalogue) -> tuple[str, ...]:
        closing = [n for n in catalogue if n.code in CLOSED_BY_CLOSING]
        return tuple(t for t in CASE_TYPES if not any(n.applies_to(t) for n in closing))

    never_late = per_court(
        catalogue_groups(catalogue), lambda own: c.c.case_type.in_(free(own)), key=free, court_id=c.c.court_id
    )
    deadline = func.coalesce(n42.c.due_date, review.c.due_date)
    on_time = or_(c.c.closed_on <= deadline, and_(deadline.is_(None), never_late))
    closed = and_(c.c.closed_on >= period.start, c.c.closed_on <= period.end)
    first = c.c.case_type == FIRST_ENFORCEMENT
    # open at the period's start (filed before it, not closed before it) or filed in it
    in_base = and_(
        first,
        c.c.filed_on <= period.end,
        or_(c.c.filed_on >= period.start, c.c.closed_on.is_(None), c.c.closed_on >= period.start),
    )
    return (
        select(
            key.label("key"),
            _count(and_(first, closed)).label("first_closed"),
            _count(in_base).label("first_base"),
            _count(closed).label("closed"),
            _count(and_(closed, c.c.closing_mode == DONE)).label("closed_done"),
            _count(and_(closed, c.c.closing_mode == TERMINATED)).label("closed_terminated"),
            _sum(c.c.amount, closed).label("closed_amount"),
            _sum(c.c.amount_recovered, closed).label("closed_recovered"),
            _sum(day_diff(c.c.closed_on, c.c.filed_on), closed).label("closed_days"),
            _count(and_(closed, on_time)).label("on_time"),
        )
        .select_from(
            c.outerjoin(
                n42, and_(n42.c.case_id == c.c.id, n42.c.node_code == TERM_NODE, n42.c.subject_id == "")
            ).outerjoin(
                review, and_(review.c.case_id == c.c.id, review.c.node_code.in_(reviews), review.c.subject_id == "")
            )
        )
        .where(c.c.filed_on <= period.end, *of_cases(courts))
        .group_by(key)
    )


def _fund_query(period: Period, at: datetime, key, courts: Scope):
    f = FUNDS
    paid_day = sql_local_date(f.c.disbursed_at)
    disbursed = and_(
        f.c.disbursed_at.is_not(None), paid_day >= period.start, paid_day <= period.end, f.c.disbursed_at <= at
    )
    waiting = and_(f.c.arrived_at <= at, or_(f.c.disbursed_at.is_(None), f.c.disbursed_at > at))
    double_zero = and_(waiting, f.c.arrived_at < at - timedelta(days=FUNDS_LIMIT_DAYS))
    return (
        select(
            key.label("key"),
            _count(disbursed).label("disbursed"),
            _sum(seconds_between(f.c.disbursed_at, f.c.arrived_at), disbursed).label("disbursed_seconds"),
            _count(double_zero).label("double_zero_count"),
            _sum(f.c.amount, double_zero).label("double_zero_amount"),
            _sum(f.c.amount, waiting).label("undisbursed_amount"),
        )
        .select_from(f.join(CASES, CASES.c.id == f.c.case_id))
        .where(*of_cases(courts))
        .group_by(key)
    )


def _state_queries(rules: Rules, at: datetime, present: bool, key, courts: Scope) -> list:
    """The overdue nodes and the 双零 funds (waiting over 30 days) only, each counted from its own
    index range: what a row of the 中院 wall shows besides the lights (``rates=False``)."""
    n, f = NODES, FUNDS
    waiting = and_(f.c.arrived_at <= at, or_(f.c.disbursed_at.is_(None), f.c.disbursed_at > at))
    double_zero = and_(waiting, f.c.arrived_at < at - timedelta(days=FUNDS_LIMIT_DAYS))
    return [
        select(key.label("key"), func.count().label("overdue_nodes"))
        .select_from(n.join(CASES, CASES.c.id == n.c.case_id))
        .where(_open_at(n, at, present), rules.overdue(n), CASES.c.filed_on <= rules.today, *of_cases(courts))
        .group_by(key),
        select(
            key.label("key"),
            func.count().label("double_zero_count"),
            func.sum(f.c.amount).label("double_zero_amount"),
        )
        .select_from(f.join(CASES, CASES.c.id == f.c.case_id))
        .where(double_zero, *of_cases(courts))
        .group_by(key),
    ]


def _triage_query(period: Period, at: datetime, key, courts: Scope):
    """分流用时: the cases handed over (N07 completed) in the period, and their days since filing."""
    n = NODES
    handed_on = sql_local_date(n.c.completed_at)
    return (
        select(
            key.label("key"),
            func.count().label("triaged"),
            func.coalesce(func.sum(day_diff(handed_on, CASES.c.filed_on)), 0).label("triage_days"),
        )
        .select_from(n.join(CASES, CASES.c.id == n.c.case_id))
        .where(
            n.c.node_code == HANDOVER,
            n.c.subject_id == "",
            n.c.completed_at.is_not(None),
            n.c.completed_at <= at,
            handed_on >= period.start,
            handed_on <= period.end,
            *of_cases(courts),
        )
        .group_by(key)
    )


def _open_at(n, at: datetime, present: bool):
    """Open at ``at``: now, neither completed nor stopped; in the past, started by then and
    completed or stopped only after it."""
    if present:
        return and_(n.c.completed_at.is_(None), n.c.stopped_at.is_(None), n.c.due_at.is_not(None))
    return and_(
        n.c.due_at.is_not(None),
        or_(n.c.started_at.is_(None), n.c.started_at <= at),
        or_(n.c.completed_at.is_(None), n.c.completed_at > at),
        or_(n.c.stopped_at.is_(None), n.c.stopped_at > at),
    )


def _node_query(rules: Rules, at: datetime, present: bool, key, courts: Scope):
    n = NODES
    expiring = {  # in each case's court's catalogue
        kind: rules.codes(n, lambda d, kind=kind: d.trigger.kind is kind and d.unit is Unit.EXPIRY)
        for kind in (TriggerKind.ACCOUNT, TriggerKind.ASSET)
    }
    per_case = (
        select(
            n.c.case_id,
            _count(rules.overdue(n)).label("overdue_nodes"),
            _count(rules.due_soon(n)).label("due_soon_nodes"),
            _count(and_(rules.due_soon(n), expiring[TriggerKind.ACCOUNT])).label("freezes_expiring"),
            _count(and_(rules.due_soon(n), expiring[TriggerKind.ASSET])).label("seals_expiring"),
        )
        .where(_open_at(n, at, present), *of_case_ids(n.c.case_id, courts))
        .group_by(n.c.case_id)
        .subquery()
    )
    return (
        select(
            key.label("key"),
            func.sum(per_case.c.overdue_nodes).label("overdue_nodes"),
            func.sum(per_case.c.due_soon_nodes).label("due_soon_nodes"),
            func.sum(per_case.c.freezes_expiring).label("freezes_expiring"),
            func.sum(per_case.c.seals_expiring).label("seals_expiring"),
        )
        .select_from(per_case.join(CASES, CASES.c.id == per_case.c.case_id))
        .where(CASES.c.filed_on <= rules.today)
        .group_by(key)
    )


def _case_tiers(rules: Rules, at: datetime, present: bool, courts: Scope = None):
    """The light of each case open at ``at`` with a node overdue then: :func:`case_lights`
    with the nodes and cases open at that instant."""
    open_then = and_(or_(CASES.c.closed_on.is_(None), CASES.c.closed_on > rules.today), CASES.c.filed_on <= rules.today)
    return case_lights(
        rules, nodes_open=_open_at(NODES, at, present), case_open=open_then, open_only=True, courts=courts
    )


def _light_query(rules: Rules, at: datetime, present: bool, key: str, courts: Scope):
    tiers = _case_tiers(rules, at, present, courts)
    return select(tiers.c[key].label("key"), *[_count(tiers.c.tier == t).label(t) for t in TIERS]).group_by(
        tiers.c[key]
    )


# -- per officer (承办人) ------------------------------------------------------------------------

#: the figures per officer, in the screen's, the export's and ``--json``'s order
OFFICER_KEYS = (
    "closed",
    "closure_rate",
    "overdue_nodes",
    "red",
    "late_responses",
    "median_ack_hours",
    "median_response_hours",
)
#: each officer figure's unit (the screen's and the export's format)
OFFICER_UNITS = {
    "closed": "count",
    "closure_rate": "rate",
    "overdue_nodes": "count",
    "red": "count",
    "late_responses": "count",
    "median_ack_hours": "hours",
    "median_response_hours": "hours",
}
HOURS = Decimal("0.1")
#: what starts the clock of an acknowledgement or a response: the alert opening, opening
#: again, or changing tier (a new tier demands a new response)
CLOCK_STARTS = ("opened", "reopened", "tier_changed")


@dataclass
class OfficerFigures:
    """One officer's figures (``None``: a ratio or median over nothing)."""

    login: str
    name: str
    team: str
    values: dict[str, Decimal | int | None] = field(default_factory=dict)

    def __getitem__(self, key: str):
        return self.values[key]


def officer_figures(
    db: Database, rules: Rules, period: Period, at: datetime, *, present: bool, courts: Scope = None
) -> list[OfficerFigures]:
    """Per officer (role ``officer``, by team then login), over ``period`` and as of ``at``
    (``courts``: the officers of those courts' teams, over those courts' cases):

    * ``closed``: their cases (``cases.officer_id``) closed in the period;
    * ``closure_rate``: closed ÷ (their cases open at the period's start + filed in it), every
      case type;
    * ``overdue_nodes`` / ``red``: their cases' open overdue nodes and red cases at ``at`` (the
      same rules as the court's figures);
    * ``late_responses``: alerts of their cases whose tier response is missing or rejected past
      its due date (as the alerts stand now);
    * ``median_ack_hours`` / ``median_response_hours``: the median time, in hours, from an alert
      opening (or changing tier) to their acknowledgement / their response submitted
      (``alert_actions``, acted in the period), whoever's case it was."""
    c, today = CASES, local_date(at)
    closed = and_(c.c.closed_on >= period.start, c.c.closed_on <= period.end)
    in_base = and_(
        c.c.filed_on <= period.end,
        or_(c.c.filed_on >= period.start, c.c.closed_on.is_(None), c.c.closed_on >= period.start),
    )
    raw: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    tiers = _case_tiers(rules, at, present, courts)
    n = NODES
    mine = of_cases(courts)
    queries = (
        select(c.c.officer_id, _count(closed).label("closed"), _count(in_base).label("base"))
        .where(*mine)
        .group_by(c.c.officer_id),
        select(c.c.officer_id, func.count().label("overdue_nodes"))
        .select_from(n.join(c, c.c.id == n.c.case_id))
        .where(_open_at(n, at, present), rules.overdue(n), c.c.filed_on <= rules.today, *mine)
        .group_by(c.c.officer_id),
        select(c.c.officer_id, _count(tiers.c.tier == "red").label("red"))
        .select_from(tiers.join(c, c.c.id == tiers.c.case_id))
        .group_by(c.c.officer_id),
        select(c.c.officer_id, func.count().label("late_responses"))
        .select_from(ALERTS.join(c, c.c.id == ALERTS.c.case_id))
        .where(
            ALERTS.c.status.in_(("open", "acknowledged")),
            ALERTS.c.response_status.in_(("missing", "rejected")),
            ALERTS.c.response_due_date < today,
            *mine,
        )
        .group_by(c.c.officer_id),
    )
    acted = ACTIONS.alias("acted")
    start = ACTIONS.alias("start")
    started = (
        select(func.max(start.c.at))
        .where(start.c.alert_id == acted.c.alert_id, start.c.kind.in_(CLOCK_STARTS), start.c.at <= acted.c.at)
        .scalar_subquery()
    )
    acted_day = sql_local_date(acted.c.at)
    times = (
        select(acted.c.actor_id, acted.c.kind, acted.c.at, started.label("started"))
        .where(
            acted.c.kind.in_(("acknowledged", "response_submitted")),
            acted.c.actor_id.is_not(None),
            acted.c.at <= at,
            acted_day >= period.start,
            acted_day <= period.end,
        )
        .order_by(acted.c.id)
    )
    waits: dict[tuple[int, str], list[float]] = defaultdict(list)
    with db.engine.connect() as conn:
        officers = conn.execute(
            select(OFFICERS.c.id, OFFICERS.c.login, OFFICERS.c.name, TEAMS.c.name.label("team"))
            .select_from(OFFICERS.outerjoin(TEAMS, TEAMS.c.id == OFFICERS.c.team_id))
            .where(OFFICERS.c.role == "officer", *([] if courts is None else [TEAMS.c.court_id.in_(sorted(courts))]))
            .order_by(TEAMS.c.id, OFFICERS.c.login)
        ).all()
        for query in queries:
            for row in conn.execute(query).mappings():
                if row["officer_id"] is not None:
                    for key, value in row.items():
                        if key != "officer_id":
                            raw[row["officer_id"]][key] += value or 0
        for row in conn.execute(times):
            if row.started is not None:
                waits[(row.actor_id, row.kind)].append((row.at - row.started).total_seconds() / 3600)
    result = []
    for o in officers:
        r = raw.get(o.id, defaultdict(int))
        values = {
            "closed": int(r["closed"]),
            "closure_rate": _ratio(r["closed"], r["base"]),
            "overdue_nodes": int(r["overdue_nodes"]),
            "red": int(r["red"]),
            "late_responses": int(r["late_responses"]),
            "median_ack_hours": _median(waits.get((o.id, "acknowledged"))),
            "median_response_hours": _median(waits.get((o.id, "response_submitted"))),
        }
        result.append(OfficerFigures(o.login, o.name, o.team or "", values))
    return result


def _median(hours: list[float] | None) -> Decimal | None:
    if not hours:
        return None
    return Decimal(str(median(hours))).quantize(HOURS, rounding=ROUND_HALF_UP)


# -- the brief: figures beside their targets and their values a day and a week earlier -----------


@dataclass(frozen=True)
class Row:
    spec: Spec
    value: Decimal | int | None
    target: Decimal | None
    day_before: Decimal | int | None
    week_before: Decimal | int | None

    @property
    def meets(self) -> bool | None:
        return self.spec.meets(self.value, self.target)


@dataclass(frozen=True)
class Brief:
    period: Period
    at: datetime
    rows: list[Row]
    teams: list[Figures]
    changes: dict[str, int]  # since the same time yesterday
    decisions: list[dict]  # red cases waiting for the chief (a response submitted, or late)
    unlock_requests: list[dict] = field(default_factory=list)  # 程序锁死: pending requests to unlock
    #: 即将转红: open cases whose light turns red (or yellow) within 7 days unless someone acts
    turning: list[dict] = field(default_factory=list)
    #: 评查: the latest review lists' progress (kind, period, total, marked, failed)
    reviews: list[dict] = field(default_factory=list)
    #: the figures per officer (承办人), beside the teams'
    officers: list[OfficerFigures] = field(default_factory=list)
    #: a scope of several courts: each court's figures beside the targets, ranked (:func:`court_ranking`)
    courts: list[CourtRank] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "period": {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()},
            "at": self.at.isoformat(),
            "indicators": [
                {
                    "key": r.spec.key,
                    "label": r.spec.zh,
                    "unit": r.spec.unit,
                    "value": _json(r.value),
                    "target": _json(r.target),
                    "meets": r.meets,
                    "day_before": _json(r.day_before),
                    "week_before": _json(r.week_before),
                }
                for r in self.rows
            ],
            "teams": [{"team": t.scope, **{k: _json(v) for k, v in t.values.items()}} for t in self.teams],
            "officers": [
                {"login": o.login, "name": o.name, "team": o.team, **{k: _json(o.values[k]) for k in OFFICER_KEYS}}
                for o in self.officers
            ],
            "changes": self.changes,
            "decisions": self.decisions,
            "unlock_requests": self.unlock_requests,
            "turning": self.turning,
            "reviews": self.reviews,
            **({"courts": [c.as_json() for c in self.courts]} if self.courts else {}),
        }


def _json(value):
    return str(value) if isinstance(value, Decimal) else value


#: the courts' order in the ranking: worst first, as on the 中院 wall
WORST_FIRST = ("red", "yellow", "blue", "overdue_nodes", "double_zero_count")


@dataclass(frozen=True)
class CourtRank:
    """One court of the brief's ranking: its figures (recomputed from its own numerators and
    denominators), each with its target and its place among the courts (1: the best)."""

    code: str
    name: str
    figures: Figures
    ranks: dict[str, int | None]  # None: no value to rank
    targets: dict[str, Decimal | None]

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "indicators": [
                {
                    "key": key,
                    "value": _json(self.figures[key]),
                    "target": _json(target),
                    "meets": SPEC[key].meets(self.figures[key], target),
                    "rank": self.ranks[key],
                }
                for key, target in ((s.key, self.targets.get(s.key)) for s in SPECS)
            ],
        }


def court_ranking(
    db: Database,
    catalogue: Catalogue,
    calendar: WorkCalendar,
    period: Period,
    at: datetime,
    *,
    now: datetime,
    courts: Scope,
    targets: dict[str, Decimal | None],
    targets_of: Callable[[str], Mapping[str, Decimal]] | None = None,
) -> list[CourtRank]:
    """Each court of a scope of several (none for one court) with its figures over ``period``
    as of ``at``, ranked on each indicator (1: the best; equal values share a place), the worst
    court first.  A court's figures come from its own numerators and denominators, grouped by
    court in the brief's statements, so they are exactly the court's brief alone; each is judged
    by its own targets (``targets_of(code)``, the court's ``[courts]`` settings), else ``targets``."""
    listed = list_courts(db, courts)
    if len(listed) < 2:
        return []
    raw = raw_figures(db, catalogue, calendar, period, at, now=now, courts=courts, by="court")
    figures = {c.id: figures_of(c.code, defaultdict(int, raw.get(c.id, {}))) for c in listed}
    ranks: dict[int, dict[str, int | None]] = {c.id: {} for c in listed}
    for spec in SPECS:
        valued = [(cid, f[spec.key]) for cid, f in figures.items() if f[spec.key] is not None]
        for cid, value in valued:
            better = sum(1 for _, v in valued if (v > value if spec.better == "higher" else v < value))
            ranks[cid][spec.key] = better + 1
        for cid in figures:
            ranks[cid].setdefault(spec.key, None)
    rows = [
        CourtRank(
            c.code,
            c.name,
            figures[c.id],
            ranks[c.id],
            _with_defaults(targets_of(c.code)) if targets_of else dict(targets),
        )
        for c in listed
    ]
    rows.sort(key=lambda r: (*[-r.figures[k] for k in WORST_FIRST], r.code))
    return rows


CHANGES = ("new_cases", "closed", "newly_overdue", "resolved", "new_red")


def _with_defaults(targets: Mapping[str, Decimal]) -> dict[str, Decimal | None]:
    """The targets given over the indicators' own defaults."""
    return {s.key: s.target for s in SPECS} | dict(targets)


def brief(
    db: Database,
    rules: Rules,
    *,
    period: Period | None = None,
    targets: Mapping[str, Decimal] | None = None,
    courts: Scope = None,
    targets_of: Callable[[str], Mapping[str, Decimal]] | None = None,
) -> Brief:
    """Everything the morning brief shows, as of ``rules.now`` (the period's last day at its end);
    ``courts``: of those courts' cases, teams and officers only (default every court).
    ``targets``: the scope's, over the defaults; ``targets_of``: each court's in the ranking of
    several courts (default: the scope's)."""
    now, catalogue, calendar = rules.now, rules.catalogue, rules.calendar
    period = period or Period.year_to_date(local_date(now))
    at = instant_for(period.end, now)
    court, teams = figures_at(db, catalogue, calendar, period, at, now=now, courts=courts)
    earlier = {}
    for days in (1, 7):
        end = period.end - timedelta(days=days)
        earlier[days] = (
            figures_at(
                db, catalogue, calendar, Period(period.start, end), at - timedelta(days=days), now=now, courts=courts
            )[0]
            if end >= period.start
            else None
        )
    chosen = _with_defaults(targets or {})
    rows = [
        Row(
            s,
            court[s.key],
            chosen.get(s.key),
            earlier[1][s.key] if earlier[1] else None,
            earlier[7][s.key] if earlier[7] else None,
        )
        for s in SPECS
    ]
    with db.engine.connect() as conn:
        changes = _changes(conn, catalogue, calendar, at, at >= now, courts)
        decisions = _decisions(conn, local_date(at), courts=courts)
    officers = officer_figures(db, Rules.at(at, catalogue, calendar), period, at, present=at >= now, courts=courts)
    ranking = court_ranking(
        db, catalogue, calendar, period, at, now=now, courts=courts, targets=chosen, targets_of=targets_of
    )
    return Brief(
        period,
        at,
        rows,
        teams,
        changes,
        decisions,
        _unlock_requests(db, courts=courts),
        turning(db, rules, courts=courts),
        _reviews(db, courts),
        officers,
        ranking,
    )


def _reviews(db: Database, courts: Scope = None) -> list[dict]:
    """The latest review lists' progress; with ``courts``, over the items of their cases."""
    from command_center.data.caseno import court_of
    from command_center.data.reviews import latest_lists

    codes = None if courts is None else {c.code for c in list_courts(db, courts)}
    found = []
    for r in latest_lists(db):
        items = [i for i in r.items if codes is None or court_of(i.case_no) in codes]
        marked = sum(1 for i in items if i.result)
        failed = sum(1 for i in items if i.result == "fail")
        found.append({"kind": r.kind, "period": r.period, "total": len(items), "marked": marked, "failed": failed})
    return found


def turning(db: Database, rules: Rules, limit: int = 50, *, courts: Scope = None) -> list[dict]:
    """即将转红 as of ``rules.now``: each case, its worst node, the light it turns to and the day,
    the earliest to turn first (the case list's ``turning`` scope, the overview's box)."""
    from command_center.data.cases import CaseFilter, list_cases

    found = []
    flt = CaseFilter(scope="turning", courts=None if courts is None else frozenset(courts))
    for row in list_cases(db, rules, flt, limit=limit).rows:
        light, day = rules.turns(row.due_date, row.tier) or (None, None)
        found.append(
            {
                "case_no": row.case_no,
                "node_code": row.node_code,
                "officer": row.officer,
                "tier": row.tier,
                "turns_to": light,
                "on": day.isoformat() if day else None,
            }
        )
    return sorted(found, key=lambda t: (t["on"] or "", t["case_no"]))


def _changes(
    conn, catalogue: Catalogue, calendar: WorkCalendar, at: datetime, present: bool, courts: Scope = None
) -> dict[str, int]:
    """What changed in the day before ``at``: cases filed and closed that day, nodes whose due
    time passed in those 24 hours and are still open, alerts resolved, and the cases red at
    ``at`` that were not red 24 hours earlier (both states as the lights count them)."""
    since, today = at - timedelta(days=1), local_date(at)
    n, a = NODES, ALERTS
    red_now = _case_tiers(Rules.at(at, catalogue, calendar), at, present, courts)
    red_before = _case_tiers(Rules.at(since, catalogue, calendar), since, False, courts)
    new_red = (
        select(red_now.c.case_id)
        .where(red_now.c.tier == "red")
        .except_(select(red_before.c.case_id).where(red_before.c.tier == "red"))
        .subquery()
    )
    row = conn.execute(
        select(
            count_of(CASES, CASES.c.filed_on == today, *of_cases(courts)),
            count_of(CASES, CASES.c.closed_on == today, *of_cases(courts)),
            count_of(
                n, _open_at(n, at, present), n.c.due_at >= since, n.c.due_at < at, *of_case_ids(n.c.case_id, courts)
            ),
            count_of(a, a.c.resolved_at > since, a.c.resolved_at <= at, *of_case_ids(a.c.case_id, courts)),
            select(func.count()).select_from(new_red).scalar_subquery(),
        )
    ).one()
    return dict(zip(CHANGES, row, strict=True))


def _decisions(conn, today: date, limit: int = 50, *, courts: Scope = None) -> list[dict]:
    a = ALERTS
    rows = conn.execute(
        select(
            CASES.c.case_no, a.c.node_code, a.c.response_status, a.c.response_due_date, OFFICERS.c.name.label("officer")
        )
        .select_from(a.join(CASES, CASES.c.id == a.c.case_id).outerjoin(OFFICERS, OFFICERS.c.id == CASES.c.officer_id))
        .where(
            a.c.tier == "red",
            a.c.status != "resolved",
            or_(
                a.c.response_status == "submitted",
                and_(a.c.response_status == "missing", a.c.response_due_date < today),
            ),
            *of_cases(courts),
        )
        .order_by(a.c.response_due_date, CASES.c.case_no)
        .limit(limit)
    ).all()
    return [
        {
            "case_no": r.case_no,
            "node_code": r.node_code,
            "officer": r.officer or "",
            "response": "submitted" if r.response_status == "submitted" else "late",
            "response_due_date": r.response_due_date.isoformat() if r.response_due_date else None,
        }
        for r in rows
    ]


def _unlock_requests(db: Database, limit: int = 50, *, courts: Scope = None) -> list[dict]:
    """Locked cases whose officer asked for the unlock, oldest request first."""
    return [
        {
            "case_no": lock.case_no,
            "officer": lock.officer or "",
            "requested_by": lock.requested_by or "",
            "requested_at": lock.requested_at.isoformat(),
            "reason": lock.request_reason or "",
        }
        for lock in list_locks(db, pending_only=True, limit=limit, courts=courts)
    ]


# -- daily snapshots: the trends ---------------------------------------------------------------------


def write_snapshots(
    db: Database,
    catalogue: Catalogue,
    calendar: WorkCalendar,
    day: date,
    now: datetime,
    fence=None,
    *,
    extra: dict[str, Decimal | int] | None = None,
) -> int:
    """``day``'s figures (year to date, state at the day's end or now) for the court and each
    team, with ``extra`` figures of the court (the nightly job adds the wall's); in a database
    of several courts, also for each court and each level the court picker offers
    (:func:`snapshot_scope`)."""
    from command_center.data.bulk import insert_for

    period, at = Period.year_to_date(day), instant_for(day, now)
    court, teams = figures_at(db, catalogue, calendar, period, at, now=now)
    pulse = _pulse(db, day)  # a back-filled day has its new and open cases too, as of that day
    whole = {key: sum(counts[key] for counts in pulse.values()) for key in PULSE_KEYS}
    scopes = [(COURT, court.values | whole | dict(extra or {}))] + [(f"team:{f.team_id}", f.values) for f in teams]
    scopes += _court_scopes(db, catalogue, calendar, period, at, now, pulse)
    rows = [
        {"day": day, "scope": scope, "indicator": key, "value": Decimal(value), "taken_at": now}
        for scope, values in scopes
        for key, value in values.items()
        if value is not None
    ]
    with db.engine.begin() as conn:
        stmt = insert_for(conn, SNAPSHOTS)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["day", "scope", "indicator"],
                set_={"value": stmt.excluded.value, "taken_at": stmt.excluded.taken_at},
            ),
            rows,
        )
        if fence:
            fence(conn)  # last: written only while the scheduler's lease is still ours
    return len(rows)


#: the overview's pulse figures a snapshot of a past day can have from the cases alone
PULSE_KEYS = ("new_cases_today", "open_cases")


def _pulse(db: Database, day: date) -> dict[int, dict[str, int]]:
    """Each court's cases filed on ``day`` and open at its end (filed by then, not closed by
    then): the overview's pulse, for today and for a day back-filled."""
    with db.engine.connect() as conn:
        counted = conn.execute(
            select(
                CASES.c.court_id,
                func.count(case((CASES.c.filed_on == day, literal(1)))).label("new_cases_today"),
                func.count(
                    case(
                        (
                            and_(CASES.c.filed_on <= day, or_(CASES.c.closed_on.is_(None), CASES.c.closed_on > day)),
                            literal(1),
                        )
                    )
                ).label("open_cases"),
            ).group_by(CASES.c.court_id)
        )
        return {r.court_id: {"new_cases_today": r.new_cases_today, "open_cases": r.open_cases} for r in counted}


def _court_scopes(
    db: Database,
    catalogue: Catalogue,
    calendar: WorkCalendar,
    period: Period,
    at: datetime,
    now: datetime,
    counts: dict[int, dict[str, int]],
) -> list[tuple[str, dict]]:
    """Each court's figures and each picker level's (内04: a 中院 and its courts), from one pass
    grouped by court: a level's are its courts' summed numerators and denominators, exact like
    the roll-ups.  With its new and open cases (the overview's pulse: ``counts``, by court, from
    :func:`_pulse`).  None for one court."""
    listed = list_courts(db)
    if len(listed) < 2:
        return []
    raw = raw_figures(db, catalogue, calendar, period, at, now=now, by="court")
    groups = {frozenset([c.id]) for c in listed}
    groups |= {frozenset(c.id for c in listed if c.code.startswith(choice.code)) for choice in court_choices(db)}
    groups.discard(frozenset(c.id for c in listed))  # every court: the ``court`` scope
    scopes = []
    for ids in groups:
        code = common_code(c.code for c in listed if c.id in ids)
        if len(COURT) + 1 + len(code) > SCOPE_LENGTH:  # no court's code is so long (内0425: 6)
            continue
        values = figures_of(code, summed(raw.get(i, {}) for i in ids)).values
        values |= {key: sum(counts.get(i, {}).get(key, 0) for i in ids) for key in PULSE_KEYS}
        scopes.append((f"{COURT}:{code}", values))
    return scopes


#: the trend charts (the screen's and the export's): chart → the figures drawn together
TREND_CHARTS = {
    "overdue": ("overdue_nodes", "red", "yellow", "blue"),
    "funds": ("undisbursed_amount",),
    "disbursement": ("mean_disbursement_days",),
}
TREND_DAYS = 90  # the export's trends: the last 90 days


def trends(
    db: Database, last: date, days: int = TREND_DAYS, scope: str = COURT
) -> dict[str, list[tuple[date, Decimal]]]:
    """Every charted figure's snapshots over the ``days`` days up to ``last`` (of ``scope``:
    :func:`snapshot_scope`)."""
    first = last - timedelta(days=days - 1)
    return {key: trend(db, key, first, last, scope) for keys in TREND_CHARTS.values() for key in keys}


def trend(db: Database, key: str, first: date, last: date, scope: str = COURT) -> list[tuple[date, Decimal]]:
    """The snapshots of one figure from ``first`` to ``last``, by day."""
    s = SNAPSHOTS
    with db.engine.connect() as conn:
        return [
            (r.day, r.value)
            for r in conn.execute(
                select(s.c.day, s.c.value)
                .where(s.c.indicator == key, s.c.scope == scope, s.c.day >= first, s.c.day <= last)
                .order_by(s.c.day)
            )
        ]
