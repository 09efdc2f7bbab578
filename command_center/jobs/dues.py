"""Due dates of node instances in SQL: one pass over the node table, then only what differs.

The same arithmetic as :mod:`command_center.data.deadlines` (``tests/test_recompute.py``
compares the two): ``days`` and ``months`` roll off rest days through ``calendar_days``,
``workdays`` count working days by their running number, ``hours`` add hours to the start
instant, the renewal node is due on the account's current expiry and the seal's renewal on
the asset's (renewed, recorded or by default its kind's maximum), the case term moves with
suspensions and an approved extension, the 执复 review (N50) with an approved extension of at
most 30 days, and an imported ``due_at`` wins over all of them.

A due date by ``days``, ``months`` or ``workdays`` depends only on the node's code and the
day it started: it is worked out once per (code, start day) into a lookup table (tens of
thousands of rows for a whole court, whatever its size), and so is the term of every case
that has neither a suspension nor an extension.  The node table is then read once, joined
with that lookup by hash, and only the nodes whose due date differs are collected and
written back by id.  The renewal nodes are collected as they are and compared with their
accounts in that small table (a join of the accounts in the read would cost every node).
On PostgreSQL that read is a ``CREATE TABLE … AS``, which may use
parallel workers (an ``UPDATE`` or ``INSERT … SELECT`` never does), and the lookup tables are
ordinary tables, created and dropped inside the recompute's transaction, because parallel
workers cannot read a temporary one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    and_,
    case,
    delete,
    false,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.sql.expression import ColumnElement, Select

from command_center.data.bulk import bulk_insert, changed_rows, create_as, pg_settings
from command_center.data.catalogue import Catalogue, TriggerKind
from command_center.data.court_catalogues import court_groups
from command_center.data.deadlines import DEFAULT_SEAL_YEARS, REVIEW_EXTENSION_DAYS, REVIEW_NODE, SEAL_YEARS, TERM_NODE
from command_center.data.sqlcal import (
    add_days,
    add_hours,
    add_months,
    day_diff,
    end_of_local_day,
    local_date,
    provisional_between,
)
from command_center.data.tables import ACCOUNTS, ASSETS, CALENDAR, CASES, NODES, SUSPENSIONS
from command_center.data.types import AwareDateTime
from command_center.data.workcal import Unit

#: units whose due date is a function of the code and the start day alone
BY_DAY = (Unit.DAYS, Unit.MONTHS, Unit.WORKDAYS)
#: a whole-court pass looks start days up from the earliest filing to this far past today
#: (a node that started outside that range is looked up on its own afterwards)
AHEAD = timedelta(days=400)

_work = MetaData()
#: the catalogue's by-day limits (the term's included), one row a code
LIMITS = Table(
    "cc_limits",
    _work,
    Column("code", String(8), primary_key=True),
    Column("unit", String(10)),
    Column("limit", Integer),
)
#: the due date of a by-day node, by code and start day
LOOKUP = Table(
    "cc_due_lookup",
    _work,
    Column("code", String(8)),
    Column("start_day", Date),
    Column("due_date", Date),
    Column("due_at", AwareDateTime()),
    Column("provisional", Boolean),
    PrimaryKeyConstraint("code", "start_day"),
)
#: the term (or 执复 review) of each case in scope with a suspension or an approved extension
TERMS = Table(
    "cc_due_terms",
    _work,
    Column("case_id", Integer),
    Column("code", String(8)),
    Column("due_date", Date),
    Column("due_at", AwareDateTime()),
    Column("provisional", Boolean),
    PrimaryKeyConstraint("case_id", "code"),
)
#: what the read of the node table found: a node whose due date differs, with the right one
#: (``fix``; ``term`` for a case term, right unless the case is in ``cc_due_terms``), a node
#: whose start day was not looked up (``stray``), and every renewal node with its current
#: due date and its account (``renewal``), compared with the account afterwards
FIXES = Table(
    "cc_due_fixes",
    _work,
    Column("id", Integer),
    Column("due_date", Date),
    Column("due_at", AwareDateTime()),
    Column("provisional", Boolean),
    Column("kind", String(8)),
    Column("case_id", Integer),
    Column("subject_id", String(64)),
    Column("code", String(8)),
)


def recompute_dues(
    conn: Connection,
    catalogue: Catalogue,
    today: date,
    rows: Callable[[object], ColumnElement[bool]] | None = None,
    *,
    within: Callable[[ColumnElement], list[ColumnElement[bool]]] | None = None,
    touched: Callable[[Select], object] | None = None,
) -> int:
    """Recompute the due dates of the node rows ``rows(node_instances)`` selects (every node of
    the court without ``rows``: the start days are then taken from the calendar, not gathered
    from the nodes); returns rows changed.  ``within``: the conditions on a case id that keep
    the cases of the courts following ``catalogue`` (a group of courts, :mod:`~command_center.
    data.court_catalogues`; none, every court, by default).  ``touched`` is given a SELECT of
    the ids of the cases whose nodes' due dates may have been written (a few more at most)."""
    n = NODES
    whole_court = rows is None
    given = rows

    def rows(nodes) -> ColumnElement[bool]:
        parts = [*([given(nodes)] if given is not None else []), *(within(nodes.c.case_id) if within else [])]
        return parts[0] if len(parts) == 1 else and_(*parts) if parts else true()

    by_day = _by_day(catalogue)
    hours = {node.code: node.limit for node in catalogue if node.unit is Unit.HOURS and node.code != TERM_NODE}
    expiry = [node.code for node in catalogue if node.unit is Unit.EXPIRY and node.trigger.kind is TriggerKind.ACCOUNT]
    seals = [node.code for node in catalogue if node.unit is Unit.EXPIRY and node.trigger.kind is TriggerKind.ASSET]
    terms = [code for code in (TERM_NODE, REVIEW_NODE) if code in catalogue]
    for table in (LIMITS, LOOKUP, TERMS):
        table.drop(conn, checkfirst=True)
        table.create(conn)
    if by_day:
        conn.execute(LIMITS.insert(), by_day)
    start_day = local_date(n.c.started_at)
    if whole_court:
        first = conn.execute(select(func.min(CASES.c.filed_on))).scalar_one() or today
        _look_up(
            conn,
            select(LIMITS.c.code, CALENDAR.c.day)
            .select_from(LIMITS.join(CALENDAR, true()))
            .where(CALENDAR.c.day.between(first, today + AHEAD)),
        )
    else:
        _look_up(conn, select(n.c.node_code, start_day).where(rows(n), n.c.started_at.is_not(None)).distinct())
    if TERM_NODE in catalogue:
        _special_terms(conn, catalogue, today, rows)
    if REVIEW_NODE in catalogue and catalogue[REVIEW_NODE].unit in (Unit.DAYS, Unit.MONTHS):
        _extended_reviews(conn, catalogue, rows)

    # one pass: every node in scope against what it should be (a term of a case in
    # ``cc_due_terms`` is compared with the plain term here, and set apart when written).
    # A renewal node is only collected: joining the accounts here would cost every node a
    # second join (a third of the pass), for the renewal nodes (one node in a hundred).
    e = LOOKUP
    override = n.c.due_override.is_not(None)
    hourly = n.c.node_code.in_(list(hours)) if hours else false()
    renewal = n.c.node_code.in_(expiry + seals) if expiry or seals else false()
    hours_due = (
        add_hours(n.c.started_at, case(*[(n.c.node_code == code, limit) for code, limit in hours.items()]))
        if hours
        else null()
    )
    kinds = [  # (which nodes, due date, due instant, provisional)
        (override, local_date(n.c.due_override), n.c.due_override, false()),
        (hourly, local_date(hours_due), hours_due, false()),
        (renewal, n.c.due_date, n.c.due_at, n.c.provisional),  # as they are, for now
        (true(), e.c.due_date, e.c.due_at, e.c.provisional),
    ]
    # hours need a start; a by-day node not looked up is a stray
    found = case(
        (override, _differs(*kinds[0][1:])),
        (hourly, and_(n.c.started_at.is_not(None), _differs(*kinds[1][1:]))),
        (renewal, true()),
        (e.c.code.is_not(None), _differs(*kinds[3][1:])),
        else_=and_(n.c.started_at.is_not(None), n.c.node_code.in_([row["code"] for row in by_day])),
    )
    expected = [case(*[(kind[0], kind[i]) for kind in kinds[:-1]], else_=kinds[-1][i]) for i in (1, 2, 3)]
    kind = case(
        (override | hourly, literal("fix")),
        (n.c.node_code.in_(seals), literal("seal")),
        (renewal, literal("renewal")),
        (e.c.code.is_(None), literal("stray")),
        (n.c.node_code.in_(terms), literal("term")),
        else_=literal("fix"),
    )
    f = FIXES
    conn.execute(text(f"DROP TABLE IF EXISTS {f.name}"))
    read = (
        select(n.c.id, *expected, kind, n.c.case_id, n.c.subject_id, n.c.node_code)
        .select_from(n.outerjoin(e, and_(e.c.code == n.c.node_code, e.c.start_day == start_day)))
        .where(rows(n), found)
    )
    # few rows come out (those that differ, the renewals): let workers share the reading; the
    # expressions evaluated for every node of the court are worth compiling (JIT: 15% faster)
    with pg_settings(conn, parallel_tuple_cost="0", jit="on"):
        create_as(conn, f, read)
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {f.name}"))  # the renewals are joined by hash, not probed one by one

    # the renewal nodes against their accounts' expiry (a node without its account is left as it is)
    a = ACCOUNTS
    expiry_day = func.coalesce(a.c.renewed_until, a.c.expires_on)
    renewed = {"due_date": expiry_day, "due_at": end_of_local_day(expiry_day), "provisional": false()}
    conn.execute(
        update(f)
        .where(
            f.c.kind == "renewal",
            a.c.case_id == f.c.case_id,
            a.c.account_id == f.c.subject_id,
            _differs(*renewed.values(), nodes=f),
        )
        .values(kind="fix", **renewed)
    )

    # the seals' renewals against their assets' current expiry (DOMAIN.md §9)
    s = ASSETS
    months = case(
        *[(s.c.kind == kind, 12 * years) for kind, years in SEAL_YEARS.items()], else_=12 * DEFAULT_SEAL_YEARS
    )
    seal_day = func.coalesce(s.c.renewed_until, s.c.seal_expires_on, add_months(s.c.seized_on, months))
    resealed = {"due_date": seal_day, "due_at": end_of_local_day(seal_day), "provisional": false()}
    conn.execute(
        update(f)
        .where(
            f.c.kind == "seal",
            s.c.case_id == f.c.case_id,
            s.c.asset_id == f.c.subject_id,
            _differs(*resealed.values(), nodes=f),
        )
        .values(kind="fix", **resealed)
    )

    t = TERMS

    def own(nodes) -> ColumnElement[bool]:
        return select(t.c.case_id).where(t.c.case_id == nodes.c.case_id, t.c.code == nodes.c.node_code).exists()

    own_term = and_(n.c.node_code.in_(terms), own(n))
    values = {"due_date": f.c.due_date, "due_at": f.c.due_at, "provisional": f.c.provisional}
    plain_term = and_(
        f.c.kind == "term", ~select(t.c.case_id).where(t.c.case_id == f.c.case_id, t.c.code == f.c.code).exists()
    )
    if touched is not None:  # the cases whose nodes the writes below change (before they are made)
        moved_term = (
            select(t.c.case_id)
            .select_from(t.join(n, and_(n.c.case_id == t.c.case_id, n.c.node_code == t.c.code)))
            .where(
                ~override,
                n.c.subject_id == "",
                t.c.due_date.is_not(None),
                _differs(t.c.due_date, t.c.due_at, t.c.provisional),
            )
        )
        touched(union_all(select(f.c.case_id).where(or_(f.c.kind.in_(("fix", "stray")), plain_term)), moved_term))
    changed = changed_rows(conn, update(n).where(n.c.id == f.c.id, or_(f.c.kind == "fix", plain_term)).values(**values))

    # nodes that started outside the range looked up (whole court): their days, then them
    stray = select(f.c.id).where(f.c.kind == "stray")
    if conn.execute(stray.limit(1)).first() is not None:
        _look_up(conn, select(n.c.node_code, start_day).where(n.c.id.in_(stray)).distinct())
        changed += _apply(
            conn,
            and_(n.c.id.in_(stray), ~own_term, e.c.code == n.c.node_code, e.c.start_day == start_day),
            e.c.due_date,
            e.c.due_at,
            e.c.provisional,
        )

    # the terms moved by a suspension or an extension (a term beyond the calendar is left as it is)
    changed += _apply(
        conn,
        and_(
            ~override,
            n.c.case_id == t.c.case_id,
            n.c.node_code == t.c.code,
            n.c.subject_id == "",
            t.c.due_date.is_not(None),
        ),
        t.c.due_date,
        t.c.due_at,
        t.c.provisional,
    )
    conn.execute(text(f"DROP TABLE {f.name}"))
    for table in (TERMS, LOOKUP, LIMITS):
        table.drop(conn)
    return changed


def _by_day(catalogue: Catalogue) -> list[dict]:
    """The rows of the limits table: the by-day limits of ``catalogue`` (the term's included)."""
    return [
        {"code": node.code, "unit": node.unit.value, "limit": node.limit} for node in catalogue if node.unit in BY_DAY
    ]


def _differs(due_date, due_at, provisional, nodes=NODES) -> ColumnElement[bool]:
    """Whether the due date of the rows of ``nodes`` (the node table or the fixes) is not this one."""
    return or_(
        nodes.c.due_date.is_distinct_from(due_date),
        nodes.c.due_at.is_distinct_from(due_at),
        nodes.c.provisional.is_distinct_from(provisional),
    )


def _apply(conn: Connection, where: ColumnElement[bool], due_date, due_at, provisional) -> int:
    """Set the due date of the nodes ``where`` selects where it differs (``UPDATE … FROM``)."""
    return changed_rows(
        conn,
        update(NODES)
        .where(where, _differs(due_date, due_at, provisional))
        .values(due_date=due_date, due_at=due_at, provisional=provisional),
    )


def _look_up(
    conn: Connection, pairs: Select, lim: Table = LIMITS, e: Table = LOOKUP, calendar: Table = CALENDAR
) -> None:
    """Add the due date of each (code, start day) of ``pairs`` not yet in the lookup ``e``."""
    p = pairs.cte("pairs")  # read by both halves below: gathered once
    code, day = p.c[0], p.c[1]
    new = and_(
        lim.c.code == code, day.is_not(None), ~select(e.c.code).where(e.c.code == code, e.c.start_day == day).exists()
    )
    # days and months: the raw end rolled to the next working day
    target = case((lim.c.unit == Unit.MONTHS.value, add_months(day, lim.c.limit)), else_=add_days(day, lim.c.limit))
    c = calendar.alias("c")
    rolled = select(code, day, c.c.roll_to, end_of_local_day(c.c.roll_to), c.c.roll_provisional).where(
        new, lim.c.unit.in_((Unit.DAYS.value, Unit.MONTHS.value)), c.c.day == target
    )
    # working days: the n-th working day after the start day
    first, last = calendar.alias("first"), calendar.alias("last")
    counted = select(code, day, last.c.day, end_of_local_day(last.c.day), provisional_between(first, last)).where(
        new,
        lim.c.unit == Unit.WORKDAYS.value,
        first.c.day == day,
        last.c.workday_seq == first.c.workday_seq + lim.c.limit,
        last.c.is_workday,
    )
    conn.execute(e.insert().from_select([c.name for c in e.c], union_all(rolled, counted)))


def _special_terms(conn: Connection, catalogue: Catalogue, today: date, rows) -> None:
    """The term of each case with a suspension or an extension: filing + limit (or the
    extension), pushed by the suspended days, rolled.  Every other term is in the lookup."""
    term = catalogue[TERM_NODE]
    n = NODES
    # the days of the union of a case's periods (a day in two that overlap counts once): each
    # period counts from the day after the latest end of the periods that begin before it
    last_day = func.coalesce(SUSPENSIONS.c.to_date, literal(today))
    valid = (
        select(SUSPENSIONS.c.case_id, SUSPENSIONS.c.from_date.label("first"), last_day.label("last"))
        .where(last_day >= SUSPENSIONS.c.from_date)
        .subquery("valid")
    )
    ranked = select(
        valid,
        func.max(valid.c.last)
        .over(partition_by=valid.c.case_id, order_by=(valid.c.first, valid.c.last), rows=(None, -1))
        .label("before"),
    ).subquery("ranked")
    first = case((ranked.c.before >= ranked.c.first, add_days(ranked.c.before, 1)), else_=ranked.c.first)
    paused = (
        select(
            ranked.c.case_id,
            func.sum(case((ranked.c.last >= first, day_diff(ranked.c.last, first) + 1), else_=0)).label("days"),
        )
        .group_by(ranked.c.case_id)
        .subquery("paused")
    )
    special = or_(CASES.c.term_extended_to.is_not(None), CASES.c.id.in_(select(SUSPENSIONS.c.case_id)))
    terms = (
        select(CASES.c.id, CASES.c.term_extended_to, func.coalesce(paused.c.days, 0).label("pushed"))
        .select_from(CASES.outerjoin(paused, paused.c.case_id == CASES.c.id))
        .where(special)
        .subquery("terms")
    )
    start_day = local_date(n.c.started_at)
    base = func.coalesce(
        terms.c.term_extended_to,
        add_months(start_day, term.limit) if term.unit is Unit.MONTHS else add_days(start_day, term.limit),
    )
    c = CALENDAR.alias("c")
    conn.execute(
        TERMS.insert().from_select(
            [col.name for col in TERMS.c],
            select(
                terms.c.id,
                literal(TERM_NODE, String(8)),
                c.c.roll_to,
                end_of_local_day(c.c.roll_to),
                c.c.roll_provisional,
            )
            .select_from(
                terms.join(
                    n, and_(n.c.case_id == terms.c.id, n.c.node_code == TERM_NODE, n.c.subject_id == "")
                ).outerjoin(c, c.c.day == add_days(base, terms.c.pushed))
            )
            .where(rows(n), n.c.started_at.is_not(None)),
        )
    )


def _extended_reviews(conn: Connection, catalogue: Catalogue, rows) -> None:
    """The 执复 review (N50) of each case with an approved extension (``term_extended_to``):
    the extended day, but no later than :data:`REVIEW_EXTENSION_DAYS` after the original due
    date (the law allows no more), rolled off rest days (:func:`~command_center.data.deadlines.review_due`)."""
    review = catalogue[REVIEW_NODE]
    n = NODES
    start_day = local_date(n.c.started_at)
    raw = add_months(start_day, review.limit) if review.unit is Unit.MONTHS else add_days(start_day, review.limit)
    first, last = CALENDAR.alias("first"), CALENDAR.alias("last")
    cap = add_days(first.c.roll_to, REVIEW_EXTENSION_DAYS)
    extended = case((CASES.c.term_extended_to <= cap, CASES.c.term_extended_to), else_=cap)
    conn.execute(
        TERMS.insert().from_select(
            [col.name for col in TERMS.c],
            select(
                CASES.c.id,
                literal(REVIEW_NODE, String(8)),
                last.c.roll_to,
                end_of_local_day(last.c.roll_to),
                last.c.roll_provisional,
            )
            .select_from(
                CASES.join(n, and_(n.c.case_id == CASES.c.id, n.c.node_code == REVIEW_NODE, n.c.subject_id == ""))
                .join(first, first.c.day == raw)
                .outerjoin(last, last.c.day == extended)
            )
            .where(rows(n), CASES.c.term_extended_to.is_not(None), n.c.started_at.is_not(None)),
        )
    )


# -- new nodes written with their due dates (imports) ----------------------------------------

_staging = MetaData()
#: the new nodes of one chunk of an import, on their way into the node table
STAGED = Table(
    "cc_import_nodes",
    _staging,
    *[Column(col.name, col.type) for col in NODES.c if col.name != "id"],
    prefixes=["TEMPORARY"],
)
STAGED_LIMITS = Table(
    "cc_import_limits",
    _staging,
    *[Column(col.name, col.type, primary_key=col.primary_key) for col in LIMITS.c],
    prefixes=["TEMPORARY"],
)
#: the working-day calendar, when ``calendar_days`` does not follow it yet (the recompute writes it)
STAGED_CALENDAR = Table(
    "cc_import_calendar",
    _staging,
    *[Column(col.name, col.type, primary_key=col.primary_key) for col in CALENDAR.c],
    prefixes=["TEMPORARY"],
)
STAGED_LOOKUP = Table(
    "cc_import_due_lookup",
    _staging,
    *[Column(col.name, col.type) for col in LOOKUP.c],
    PrimaryKeyConstraint("code", "start_day"),
    prefixes=["TEMPORARY"],
)
#: the columns an inserted node's due date sets
DUE_COLUMNS = ("due_date", "due_at", "provisional")


class NodesWithDues:
    """Writes an import's new nodes with their due dates, so that the recompute after it finds
    them right and rewrites none (after a whole-court import it rewrote every node: 26 of 36 s
    at 100,000 cases, issue 22).

    Each chunk is copied into a temporary table; at the end they are all moved into the node
    table by one ``INSERT … SELECT`` that works the due date out as :func:`recompute_dues` does:
    an imported ``due_at`` wins, ``hours`` add to the start, and ``days``, ``months`` and
    ``workdays`` come from a lookup by (code, start day) of the pairs the nodes have.  What needs
    more than the node (a renewal, a seal's renewal, a term moved by a suspension or an
    extension, a start day past the calendar) is written as the import gives it, and the
    recompute works it out as before.  The recompute still checks every node of the cases it
    re-derives: this only spares it the writing.

    The days come from ``calendar_days`` when it follows ``calendar``, and otherwise (a new
    database, a new calendar not yet written by the recompute) from a temporary copy of
    ``calendar``'s days: the import never writes ``calendar_days``, so a recompute still sees a
    calendar that changed and works out every due date of the court again.
    """

    def __init__(self, catalogue: Catalogue, calendar) -> None:
        self.catalogue, self.calendar = catalogue, calendar
        self._prepared = False
        self._days: Table = CALENDAR
        self._tables: list[Table] = []
        self._columns: set[str] = set()

    def _prepare(self, conn: Connection) -> None:
        from command_center.data import state
        from command_center.data.sqlcal import INPUTS_KEY, calendar_rows, inputs_fingerprint

        self._tables = [STAGED, STAGED_LIMITS, STAGED_LOOKUP]
        self._days = CALENDAR
        if state.read(conn, INPUTS_KEY) != inputs_fingerprint(self.calendar):
            self._days = STAGED_CALENDAR
            self._tables.append(STAGED_CALENDAR)
        by_day = _by_day(self.catalogue)
        for table in self._tables:
            table.drop(conn, checkfirst=True)
            table.create(conn)
        if by_day:
            conn.execute(STAGED_LIMITS.insert(), by_day)
        if self._days is STAGED_CALENDAR:
            bulk_insert(conn, STAGED_CALENDAR, calendar_rows(self.calendar))
        self._prepared = True

    def insert(self, conn: Connection, rows: Sequence[dict]) -> None:
        """Stage ``rows`` (new nodes, the same keys each) for the node table (see :meth:`finish`)."""
        if not rows:
            return
        if any(name in DUE_COLUMNS[:2] for name in rows[0]):
            bulk_insert(conn, NODES, rows)  # rows that give a due date themselves: as they are
            return
        if not self._prepared:
            self._prepare(conn)
        self._columns.update(name for name in rows[0] if name not in DUE_COLUMNS)
        bulk_insert(conn, STAGED, rows)

    def finish(self, conn: Connection) -> None:
        """Move the staged nodes into the node table, with their due dates, in one statement
        (one per catalogue where courts have their own: each case's nodes by its court's)."""
        if not self._prepared:
            return
        limits_of = self.catalogue.path  # the catalogue whose limits the table holds (_prepare's)
        for group in court_groups(conn, self.catalogue):
            if group.catalogue.path != limits_of:  # this group's limits, and the days looked up with them
                conn.execute(delete(STAGED_LIMITS))
                conn.execute(delete(STAGED_LOOKUP))
                if by_day := _by_day(group.catalogue):
                    conn.execute(STAGED_LIMITS.insert(), by_day)
                limits_of = group.catalogue.path
            self._move(conn, group.catalogue, group.cases(STAGED.c.case_id))
        for table in reversed(self._tables):
            table.drop(conn)
        self._prepared = False
        self._columns = set()

    def _move(self, conn: Connection, catalogue: Catalogue, where: list[ColumnElement[bool]]) -> None:
        """The staged nodes ``where`` keeps into the node table, with ``catalogue``'s due dates."""
        s, e = STAGED, STAGED_LOOKUP
        start_day = local_date(s.c.started_at)
        _look_up(
            conn,
            select(s.c.node_code, start_day).where(s.c.started_at.is_not(None), *where).distinct(),
            STAGED_LIMITS,
            STAGED_LOOKUP,
            self._days,
        )
        hours = {node.code: node.limit for node in catalogue if node.unit is Unit.HOURS and node.code != TERM_NODE}
        renewals = [node.code for node in catalogue if node.unit is Unit.EXPIRY]
        hours_due = (
            add_hours(s.c.started_at, case(*[(s.c.node_code == code, limit) for code, limit in hours.items()]))
            if hours
            else null()
        )
        given = (s.c.due_date, s.c.due_at, s.c.provisional)
        kinds = [  # as recompute_dues: (which nodes, due date, due instant, provisional)
            (s.c.due_override.is_not(None), local_date(s.c.due_override), s.c.due_override, false()),
            (
                and_(s.c.node_code.in_(list(hours)) if hours else false(), s.c.started_at.is_not(None)),
                local_date(hours_due),
                hours_due,
                false(),
            ),
            (s.c.node_code.in_(renewals) if renewals else false(), *given),  # the recompute's to work out
            (e.c.code.is_not(None), e.c.due_date, e.c.due_at, e.c.provisional),
        ]
        due = [case(*[(kind[0], kind[i]) for kind in kinds], else_=given[i - 1]) for i in (1, 2, 3)]
        # a column no row gave is left out, as a bulk insert leaves it (none has a server default)
        columns = [col.name for col in s.c if col.name in self._columns]
        conn.execute(
            NODES.insert().from_select(
                [*columns, *DUE_COLUMNS],
                select(*[s.c[name] for name in columns], *due)
                .select_from(s.outerjoin(e, and_(e.c.code == s.c.node_code, e.c.start_day == start_day)))
                .where(*where),
            )
        )
