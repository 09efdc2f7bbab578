"""The wall's counts kept per case, team and due date, so that a refresh reads what it shows.

Counting the court's cases, open nodes, overdue nodes and lights from the facts costs the
court's size at every refresh (a second at 1,000,000 cases).  The recompute keeps instead,
in its own transaction, for the cases it re-derives:

* ``wall_cases``: per case its court, team, whether it is open, how many open nodes with a
  due date it has, and the first of them (by due date, code and subject);
* ``wall_case_days``: per case its open nodes with a due date counted per due date;
* ``wall_days`` and ``wall_teams``: those summed per court, team and due date, and per court
  and team (the team key 0 is "no team").

None of these depends on the instant: a case's light at ``now`` is the tier of its first open
due date when that date is lit, and the overdue nodes at ``now`` are the nodes of the days
before today plus today's already past.  Both rest on what every writer of the node table
keeps (the recompute, the importer, the supervision items): a node's ``due_date`` is the local
day of its ``due_at``, and both are set or neither.

A case written since the recompute last saw it is marked in ``dirty_cases`` (database
triggers, whoever writes); its stored rows are taken out of the sums and its facts read
instead, so every count is exact at any instant, between two recomputes too
(``tests/test_wall_counts.py`` holds that against the reading of every fact).  The sums are
only ever changed together with the per-case rows they add up, from one copy of the facts, so
they always equal the sum of the stored rows, whatever a concurrent writer does meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    Table,
    case,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.expression import ColumnElement, ReturnsRows, Select

from command_center.data.bulk import insert_for
from command_center.data.rules import Rules, open_node
from command_center.data.tables import CASES, DIRTY, NODES, WALL_CASE_DAYS, WALL_CASES, WALL_DAYS, WALL_TEAMS
from command_center.data.types import AwareDateTime
from command_center.data.workcal import end_of_day

#: the team key of a case without a team
NO_TEAM = 0

_temp = MetaData()
#: the facts of the cases a refresh re-reads, read once (the sums and the rows come from this copy)
LIVE_CASES = Table(
    "cc_wall_live_cases",
    _temp,
    *[Column(c.name, c.type) for c in WALL_CASES.c],
    prefixes=["TEMPORARY"],
)
LIVE_DAYS = Table(
    "cc_wall_live_days",
    _temp,
    Column("case_id", Integer),
    Column("due_date", Date),
    Column("nodes", Integer),
    prefixes=["TEMPORARY"],
)


def team_key(team_id) -> ColumnElement:
    return func.coalesce(team_id, literal_column(str(NO_TEAM)))  # one text: GROUP BY matches it


def _dated_open(n) -> list[ColumnElement[bool]]:
    return [open_node(n), n.c.due_at.is_not(None)]


def live_cases(where) -> Select:
    """The ``wall_cases`` rows of the cases ``where(case id column)`` keeps, from the facts."""
    n = NODES
    ranked = (
        select(
            n.c.case_id,
            n.c.due_date,
            n.c.node_code,
            n.c.subject_id,
            func.row_number()
            .over(partition_by=n.c.case_id, order_by=(n.c.due_date, n.c.node_code, n.c.subject_id))
            .label("rank"),
            func.count().over(partition_by=n.c.case_id).label("nodes"),
        )
        .where(*_dated_open(n), where(n.c.case_id))
        .subquery()
    )
    first = select(ranked).where(ranked.c.rank <= 1).subquery()
    return (
        select(
            CASES.c.id.label("case_id"),
            CASES.c.court_id,
            CASES.c.team_id,
            CASES.c.closed_on.is_(None).label("is_open"),
            func.coalesce(first.c.nodes, 0).label("open_nodes"),
            first.c.due_date.label("first_due"),
            first.c.node_code.label("first_code"),
            first.c.subject_id.label("first_subject"),
        )
        .select_from(CASES.outerjoin(first, first.c.case_id == CASES.c.id))
        .where(where(CASES.c.id))
    )


def live_days(where) -> Select:
    """The ``wall_case_days`` rows of the cases ``where`` keeps, from the facts."""
    n = NODES
    return (
        select(n.c.case_id, n.c.due_date, func.count().label("nodes"))
        .where(*_dated_open(n), where(n.c.case_id))
        .group_by(n.c.case_id, n.c.due_date)
    )


def refresh(conn: Connection, cases: ReturnsRows | Sequence[int] | None = None) -> None:
    """Bring the wall's counts in line with the facts for ``cases`` (a SELECT of case ids, or
    the ids; None: every case, the tables written again whole)."""
    if cases is None:
        _refresh_all(conn)
        return

    if isinstance(cases, Sequence | set | frozenset):
        cases = sorted(cases)
        if not cases:
            return
    elif conn.execute(select(literal(1)).select_from(cases.subquery()).limit(1)).first() is None:
        return  # the scheduler's run with nothing marked: nothing to do

    def within(column) -> ColumnElement[bool]:
        return column.in_(cases)

    for table in (LIVE_CASES, LIVE_DAYS):
        table.drop(conn, checkfirst=True)
        table.create(conn)
    conn.execute(LIVE_CASES.insert().from_select([c.name for c in LIVE_CASES.c], live_cases(within)))
    # only the days of cases that exist in that copy, so that the sums stay the stored rows' sums
    days = live_days(within).subquery()
    conn.execute(
        LIVE_DAYS.insert().from_select(
            ["case_id", "due_date", "nodes"],
            select(days).where(days.c.case_id.in_(select(LIVE_CASES.c.case_id))),
        )
    )
    old, new = WALL_CASES, LIVE_CASES
    team_delta = union_all(
        select(
            old.c.court_id,
            team_key(old.c.team_id).label("team_key"),
            literal(-1).label("cases"),
            (-case((old.c.is_open, 1), else_=0)).label("open_cases"),
            (-old.c.open_nodes).label("open_nodes"),
        ).where(within(old.c.case_id)),
        select(
            new.c.court_id,
            team_key(new.c.team_id),
            literal(1),
            case((new.c.is_open, 1), else_=0),
            new.c.open_nodes,
        ),
    ).subquery()
    _add(
        conn,
        WALL_TEAMS,
        select(
            team_delta.c.court_id,
            team_delta.c.team_key,
            func.sum(team_delta.c.cases).label("cases"),
            func.sum(team_delta.c.open_cases).label("open_cases"),
            func.sum(team_delta.c.open_nodes).label("open_nodes"),
        ).group_by(team_delta.c.court_id, team_delta.c.team_key),
        ("cases", "open_cases", "open_nodes"),
    )
    od, nd = WALL_CASE_DAYS, LIVE_DAYS
    day_delta = union_all(
        select(old.c.court_id, team_key(old.c.team_id).label("team_key"), od.c.due_date, (-od.c.nodes).label("nodes"))
        .select_from(od.join(old, old.c.case_id == od.c.case_id))
        .where(within(od.c.case_id)),
        select(new.c.court_id, team_key(new.c.team_id), nd.c.due_date, nd.c.nodes).select_from(
            nd.join(new, new.c.case_id == nd.c.case_id)
        ),
    ).subquery()
    _add(
        conn,
        WALL_DAYS,
        select(
            day_delta.c.court_id, day_delta.c.team_key, day_delta.c.due_date, func.sum(day_delta.c.nodes).label("nodes")
        ).group_by(day_delta.c.court_id, day_delta.c.team_key, day_delta.c.due_date),
        ("nodes",),
    )
    conn.execute(delete(WALL_CASE_DAYS).where(within(WALL_CASE_DAYS.c.case_id)))
    conn.execute(delete(WALL_CASES).where(within(WALL_CASES.c.case_id)))
    conn.execute(WALL_CASES.insert().from_select([c.name for c in LIVE_CASES.c], select(LIVE_CASES)))
    conn.execute(WALL_CASE_DAYS.insert().from_select(["case_id", "due_date", "nodes"], select(LIVE_DAYS)))
    conn.execute(delete(WALL_DAYS).where(WALL_DAYS.c.nodes == 0))
    conn.execute(delete(WALL_TEAMS).where(WALL_TEAMS.c.cases == 0))
    for table in (LIVE_CASES, LIVE_DAYS):
        table.drop(conn)


def _add(conn: Connection, table: Table, delta: Select, counts: tuple[str, ...]) -> None:
    """Add each row of ``delta`` (the key columns, then ``counts``) to ``table``'s row of its key."""
    delta = delta.subquery()
    stmt = insert_for(conn, table).from_select(
        [c.name for c in delta.c], select(delta).where(or_(*[delta.c[c] != 0 for c in counts]))
    )
    key = [c.name for c in table.primary_key.columns]
    conn.execute(
        stmt.on_conflict_do_update(index_elements=key, set_={c: table.c[c] + stmt.excluded[c] for c in counts})
    )


def _refresh_all(conn: Connection) -> None:
    for table in (WALL_DAYS, WALL_TEAMS, WALL_CASE_DAYS, WALL_CASES):
        conn.execute(delete(table))

    def every(column) -> ColumnElement[bool]:
        return true()

    conn.execute(WALL_CASES.insert().from_select([c.name for c in WALL_CASES.c], live_cases(every)))
    days = live_days(every).subquery()
    conn.execute(
        WALL_CASE_DAYS.insert().from_select(
            ["case_id", "due_date", "nodes"], select(days).where(days.c.case_id.in_(select(WALL_CASES.c.case_id)))
        )
    )
    w = WALL_CASES
    conn.execute(
        WALL_TEAMS.insert().from_select(
            ["court_id", "team_key", "cases", "open_cases", "open_nodes"],
            select(
                w.c.court_id,
                team_key(w.c.team_id),
                func.count(),
                func.count(case((w.c.is_open, 1))),
                func.sum(w.c.open_nodes),
            ).group_by(w.c.court_id, team_key(w.c.team_id)),
        )
    )
    d = WALL_CASE_DAYS
    conn.execute(
        WALL_DAYS.insert().from_select(
            ["court_id", "team_key", "due_date", "nodes"],
            select(w.c.court_id, team_key(w.c.team_id), d.c.due_date, func.sum(d.c.nodes))
            .select_from(d.join(w, w.c.case_id == d.c.case_id))
            .group_by(w.c.court_id, team_key(w.c.team_id), d.c.due_date),
        )
    )


#: the figures kept per court and team
FIGURES = ("cases", "open_cases", "open_nodes", "overdue", "red", "yellow", "blue")


@dataclass(frozen=True)
class LitCase:
    """A case with a light, and its worst node (the first open one)."""

    case_id: int
    tier: str
    due_date: date
    node_code: str
    subject_id: str


def _tier(rules: Rules, due: date | None) -> str | None:
    """The light of an open case whose first open due date is ``due`` (:meth:`Rules.tier`'s
    arithmetic; None: no light)."""
    if due is None or due > rules.blue_from:
        return None
    return "red" if due <= rules.red_from else "yellow" if due <= rules.yellow_from else "blue"


def _in_courts(column, courts) -> list[ColumnElement[bool]]:
    return [] if courts is None else [column.in_(sorted(courts))]


def one_snapshot(conn: Connection) -> Connection:
    """``conn`` reading every statement of its transaction from one snapshot (PostgreSQL's
    REPEATABLE READ; on SQLite an explicit ``BEGIN``, as pysqlite opens a transaction only
    before a write and runs each SELECT on its own): the kept sums, the marks and the marked
    cases' facts are then of one instant, whatever a recompute commits meanwhile.  Call it
    before the transaction's first statement."""
    if conn.dialect.name == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ")
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN")  # ended by the connection's rollback when it is returned
    return conn


#: up to this many marked cases are named in the statements; more (a whole court just
#: imported) are read through ``dirty_cases`` itself
NAMED_MARKS = 2_000


@dataclass(frozen=True)
class Marked:
    """The cases marked in ``dirty_cases`` (written since the recompute saw them), read once per
    refresh: ``live`` their ``wall_cases`` rows from the facts (of the scope's courts)."""

    ids: tuple[int, ...]
    live: tuple = ()

    def of(self, column) -> ColumnElement[bool]:
        """``column`` is a marked case's id."""
        return column.in_(self.ids if len(self.ids) <= NAMED_MARKS else select(DIRTY.c.case_id))

    def besides(self, column) -> list[ColumnElement[bool]]:
        """The conditions that leave the marked cases out."""
        return [~self.of(column)] if self.ids else []


def in_scope(column, courts, marked: Marked) -> list[ColumnElement[bool]]:
    """The condition that keeps the rows (nodes, funds) of the cases of ``courts`` (none for
    every court): the kept cases of those courts (a range of the court-case index, which holds
    a court's cases wherever the case table has them), the marked ones by their facts."""
    if courts is None:
        return []
    w = WALL_CASES
    kept = column.in_(select(w.c.case_id).where(w.c.court_id.in_(sorted(courts)), *marked.besides(w.c.case_id)))
    live = [r.case_id for r in marked.live]  # the marked cases of those courts, by their facts
    return [or_(kept, column.in_(live)) if live else kept]


def read_marked(conn, courts=None) -> Marked:
    ids = tuple(conn.execute(select(DIRTY.c.case_id).order_by(DIRTY.c.case_id)).scalars())
    if not ids:
        return Marked(ids)
    marked = Marked(ids)
    live = conn.execute(live_cases(marked.of).where(*_in_courts(CASES.c.court_id, courts))).all()
    return Marked(ids, tuple(live))


def read_counts(conn, rules: Rules, courts=None, marked: Marked | None = None) -> dict[tuple[int, int], dict[str, int]]:
    """(court id, team key) → :data:`FIGURES` as of ``rules.now``, of ``courts`` (None: every
    court): the kept sums, the cases marked since the recompute taken out and read from the facts."""
    marked = marked if marked is not None else read_marked(conn, courts)
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))

    def add(rows, sign: int = 1) -> None:
        for row in rows:
            figures = counts[(row.court_id, row.team_key)]
            for name, value in row._mapping.items():
                if name in FIGURES:
                    figures[name] += sign * int(value or 0)

    t, w, d = WALL_TEAMS, WALL_CASES, WALL_CASE_DAYS
    add(
        conn.execute(
            select(t.c.court_id, t.c.team_key, t.c.cases, t.c.open_cases, t.c.open_nodes).where(
                *_in_courts(t.c.court_id, courts)
            )
        )
    )
    today = rules.today
    # the nodes of the days before today (a node due today is overdue once its instant passed)
    h = WALL_DAYS
    add(
        conn.execute(
            select(h.c.court_id, h.c.team_key, func.sum(h.c.nodes).label("overdue"))
            .where(h.c.due_date < today, *_in_courts(h.c.court_id, courts))
            .group_by(h.c.court_id, h.c.team_key)
        )
    )
    n = NODES
    since = literal(end_of_day(today - timedelta(days=1)), AwareDateTime())
    add(
        conn.execute(
            select(w.c.court_id, team_key(w.c.team_id).label("team_key"), func.count().label("overdue"))
            .select_from(n.join(w, w.c.case_id == n.c.case_id))
            .where(
                open_node(n),
                n.c.due_at > since,
                rules.overdue(n),
                *marked.besides(w.c.case_id),
                *_in_courts(w.c.court_id, courts),
            )
            .group_by(w.c.court_id, team_key(w.c.team_id))
        )
    )
    lit = w.c.is_open & w.c.first_due.is_not(None)
    tiers = rules.tier(w.c.first_due)
    add(
        conn.execute(
            select(
                w.c.court_id,
                team_key(w.c.team_id).label("team_key"),
                *[func.count(case((tiers == tier, 1))).label(tier) for tier in ("red", "yellow", "blue")],
            )
            .where(
                lit,
                w.c.first_due <= rules.blue_from,
                *marked.besides(w.c.case_id),
                *_in_courts(w.c.court_id, courts),
            )
            .group_by(w.c.court_id, team_key(w.c.team_id))
        )
    )
    # the cases written since the recompute: their stored rows out, their facts in
    if not marked.ids:
        return dict(counts)
    stored = conn.execute(
        select(
            w.c.court_id,
            team_key(w.c.team_id).label("team_key"),
            func.count().label("cases"),
            func.count(case((w.c.is_open, 1))).label("open_cases"),
            func.sum(w.c.open_nodes).label("open_nodes"),
        )
        .where(marked.of(w.c.case_id), *_in_courts(w.c.court_id, courts))
        .group_by(w.c.court_id, team_key(w.c.team_id))
    ).all()
    add(stored, -1)
    add(
        conn.execute(
            select(w.c.court_id, team_key(w.c.team_id).label("team_key"), func.sum(d.c.nodes).label("overdue"))
            .select_from(d.join(w, w.c.case_id == d.c.case_id))
            .where(marked.of(d.c.case_id), d.c.due_date < today, *_in_courts(w.c.court_id, courts))
            .group_by(w.c.court_id, team_key(w.c.team_id))
        ),
        -1,
    )
    for row in marked.live:
        figures = counts[(row.court_id, row.team_id if row.team_id is not None else NO_TEAM)]
        figures["cases"] += 1
        figures["open_cases"] += 1 if row.is_open else 0
        figures["open_nodes"] += row.open_nodes
        tier = _tier(rules, row.first_due) if row.is_open else None
        if tier is not None:
            figures[tier] += 1
    add(
        conn.execute(
            select(CASES.c.court_id, team_key(CASES.c.team_id).label("team_key"), func.count().label("overdue"))
            .select_from(n.join(CASES, CASES.c.id == n.c.case_id))
            .where(open_node(n), rules.overdue(n), marked.of(n.c.case_id), *_in_courts(CASES.c.court_id, courts))
            .group_by(CASES.c.court_id, team_key(CASES.c.team_id))
        )
    )
    return dict(counts)


def lit_window(
    conn, rules: Rules, tier: str, offset: int, size: int, courts=None, marked: Marked | None = None
) -> list[LitCase]:
    """The cases of one light ranked by their worst node's due date, then case id: rows
    ``offset`` to ``offset + size`` (a range of the lit index read that far, and the cases
    marked since the recompute, from the facts)."""
    marked = marked if marked is not None else read_marked(conn, courts)
    w = WALL_CASES
    low, high = {
        "red": (None, rules.red_from),
        "yellow": (rules.red_from, rules.yellow_from),
        "blue": (rules.yellow_from, rules.blue_from),
    }[tier]
    rows = conn.execute(
        select(w.c.case_id, w.c.first_due, w.c.first_code, w.c.first_subject)
        .where(
            w.c.is_open,
            w.c.first_due.is_not(None),
            *([w.c.first_due > low] if low is not None else []),
            w.c.first_due <= high,
            *marked.besides(w.c.case_id),
            *_in_courts(w.c.court_id, courts),
        )
        .order_by(w.c.first_due, w.c.case_id)
        .limit(offset + size)
    ).all()
    found = [LitCase(r.case_id, tier, r.first_due, r.first_code, r.first_subject) for r in rows]
    found += [
        LitCase(r.case_id, tier, r.first_due, r.first_code, r.first_subject)
        for r in marked.live
        if r.is_open and _tier(rules, r.first_due) == tier
    ]
    found.sort(key=lambda c: (c.due_date, c.case_id))
    return found[offset : offset + size]
