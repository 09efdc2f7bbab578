"""Related cases (关联案件, DOMAIN.md §7, 孟州): bundles of open cases to hand to one team, and
the offset of mutual money debts.

Two open cases are related when they share a debtor, or when a party is applicant in one and
debtor in the other against the same counterpart (mutual debts).  Parties are the same when
both carry an ID number and the numbers are equal, else when their names match after
:func:`~command_center.data.names.name_key` (one without an ID number matches every party of
its name, so a name group with such a party is tied as a whole).  A bundle is a connected set
of such ties.

The ties are found in set-based SQL (:func:`_tie_statement`): the open cases' parties are
read, and hash aggregates over that read find the shared debtors and the applicant-debtor pairs
met the other way round; only the ties come back, each with its cases' ids and 案号, and Python
joins them into bundles (union-find).  For the whole court the shared debtors and the pairs are
two statements, run at once on two connections that share one snapshot (:func:`beside`); the
same statement, both parts, restricted to the keys of the cases found so far, gives one case's
bundle (:func:`bundle_of`).

A bundle is listed case by case (team, applicants, debtors, what is owed) up to ``list_limit``
cases; a larger one, a chain of repeat debtors that no team takes as one, is listed by its ties,
which name every case of it by 案号 (:attr:`Bundle.listed`).

The offset (抵销) of a bundle with mutual debts: per pair of parties of which one is a party of
a mutual tie, what each still owes the other (``amount - amount_recovered`` of the bundle's
open cases with one applicant and one debtor: a joint debt cannot be split here, so those
cases are listed as not offset), the balance, and ``net_total``, the sum of what still has to
be paid after offsetting.  Exact decimals throughout.
"""

from __future__ import annotations

import gc
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    text,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import NullType

from command_center.data import audit
from command_center.data.access import ActionRefused, Actor, StaleVersion, require, require_case
from command_center.data.bulk import pg_settings
from command_center.data.engine import Database
from command_center.data.tables import CASES, OFFICERS, PARTIES, TEAMS
from command_center.data.types import Money

CHUNK = 900
ZERO = Decimal("0.00")
#: ``related``'s default: a bundle of more cases than this is listed by its ties
LIST_LIMIT = 1000


@dataclass(frozen=True)
class BundleCase:
    case_id: int
    case_no: str
    team_id: int | None
    team: str
    officer_id: int | None
    amount: Decimal
    owed: Decimal  # amount - amount_recovered
    applicants: tuple[str, ...]
    debtors: tuple[str, ...]


@dataclass(frozen=True)
class Tie:
    """What ties cases: ``debtor`` (one shared debtor) or ``mutual`` (two parties each
    applicant against the other); ``parties`` their names, ``case_ids`` the cases it ties."""

    kind: str
    parties: tuple[str, ...]
    case_ids: tuple[int, ...]


@dataclass(frozen=True)
class Offset:
    """One pair of parties: ``payer`` owes ``payee`` ``payer_owes`` over the bundle's cases and
    is owed ``payee_owes`` back; ``balance`` (≥ 0) is what the payer still pays after offsetting."""

    payer: str
    payee: str
    payer_owes: Decimal
    payee_owes: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Bundle:
    """``numbers``: the 案号 of every case of the bundle, by case id.  ``cases``: each of them
    with its team, parties and what it owes, by 案号; empty when the bundle was too large to list
    (``listed`` is then False, and the ties name its cases)."""

    numbers: Mapping[int, str]
    cases: tuple[BundleCase, ...]
    ties: tuple[Tie, ...]
    offsets: tuple[Offset, ...] = ()
    gross_total: Decimal | None = None  # what the offset cases owe, before offsetting
    net_total: Decimal | None = None  # what still has to be paid after offsetting
    not_offset: tuple[int, ...] = field(default=())  # case ids of joint debts left out of the offset

    @property
    def size(self) -> int:
        return len(self.numbers)

    @property
    def listed(self) -> bool:
        return len(self.cases) == len(self.numbers)

    @property
    def case_ids(self) -> tuple[int, ...]:
        """Every case of the bundle, by 案号."""
        return tuple(sorted(self.numbers, key=self.numbers.__getitem__))

    def as_json(self) -> dict:
        number = self.numbers
        return {
            "cases": [
                {
                    "case_no": c.case_no,
                    "team": c.team or None,
                    "amount": str(c.amount),
                    "owed": str(c.owed),
                    "applicants": list(c.applicants),
                    "debtors": list(c.debtors),
                }
                for c in self.cases
            ]
            if self.listed
            else None,
            "ties": [
                {"kind": t.kind, "parties": list(t.parties), "cases": [number[i] for i in t.case_ids]}
                for t in self.ties
            ],
            "offsets": [
                {
                    "payer": o.payer,
                    "payee": o.payee,
                    "payer_owes": str(o.payer_owes),
                    "payee_owes": str(o.payee_owes),
                    "balance": str(o.balance),
                }
                for o in self.offsets
            ],
            "gross_total": None if self.gross_total is None else str(self.gross_total),
            "net_total": None if self.net_total is None else str(self.net_total),
            "not_offset": [number[i] for i in self.not_offset],
            "size": self.size,
            "listed": self.listed,
        }


# -- the ties, in SQL ---------------------------------------------------------------------------
#
# One statement for each part (the whole court: the shared debtors, and the pairs beside them on
# another connection; a case's bundle: both in one).  The open cases' parties (for the shared
# debtors alone, their debtors) are read once, into a CTE the rest refers to; a hash
# aggregate per key finds the keys shared by two open cases (min(case) <> max(case), no
# count(DISTINCT)) and the unordered pairs of names, and of ID numbers, met both ways round; a
# hash join gives them back their rows.  On PostgreSQL the aggregates work on each key's 64-bit
# hash, which hashes and compares faster than its text, and what they find is checked on the
# text (so two keys of one hash cost a row, never a wrong tie); SQLite works on the text.  Text
# is compared byte by byte (PostgreSQL's "C", the order Python's min() and sorted() use;
# SQLite's own), not by the database's collation, which costs a strcoll() a comparison.
# ``restrict`` (a case's bundle, step by step) reads only the parties of the scope's keys,
# through the keys' indexes.

Handle = tuple[str, str | None]  # (name_key, id_number): a party as the matching rule sees it


@dataclass(frozen=True)
class _Pair:
    """An (applicant, debtor) pair of an open case, as the mutual ties read it."""

    a_id: int
    d_id: int
    case_id: int
    case_no: str
    an: str
    ai: str | None
    aname: str
    dn: str
    di: str | None
    dname: str


@dataclass
class _Found:
    """The ties found so far: (kind, key) → (case ids, names shown); each tied case's 案号; the
    parties (handles) of each mutual tie."""

    ties: dict[tuple[str, str], tuple[set[int], set[str]]] = field(default_factory=dict)
    numbers: dict[int, str] = field(default_factory=dict)
    handles: dict[str, set[Handle]] = field(default_factory=dict)

    def add(self, kind: str, key: str, case_ids: Iterable[int], names: Iterable[str]) -> None:
        cases_, shown = self.ties.setdefault((kind, key), (set(), set()))
        cases_.update(case_ids)
        shown.update(names)


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _bytewise(conn: Connection, column):
    return column.collate("C") if _pg(conn) else column  # SQLite's BINARY already


def _hashed(conn: Connection, column):
    return func.hashtextextended(column, 0, type_=BigInteger) if _pg(conn) else column


def _gathered(conn: Connection, column):
    return func.array_agg(column, type_=NullType()) if _pg(conn) else func.json_group_array(column)


def _ungathered(conn: Connection, value) -> list:
    return value if _pg(conn) else json.loads(value)


def _scope_keys(column: str, scope: list[int], roles: tuple[str, ...]):
    f = PARTIES.alias("f")
    return select(f.c[column]).where(f.c.case_id.in_(scope), f.c.role.in_(roles), f.c[column].is_not(None))


def _tie_statement(conn: Connection, kinds: tuple[str, ...], restrict: Callable | None = None, debtor_keys=None):
    """The ties among the open cases' parties (``restrict(p)``: only those parties), one row
    each: a debtor shared by ID number (``id``) or by name where the name's group holds a
    party without one (``name``), of ``kinds``, and of ``debtor_keys`` if given: its key, the
    least of its names, its cases' ids and 案号; and, if ``kinds`` holds ``pair``, every
    (applicant, debtor) pair of an open case whose two parties' keys meet the other way round
    in another pair, by name or by ID number (the parties' ids and keys as hashed, a candidate
    for mutual debts that :func:`_mirrored` checks on the text).  Without ``pair`` only the
    debtors are read; without the others, only the parties' ids and hashed keys."""
    p, c = PARTIES.alias("p"), CASES.alias("c")
    shared_keys = [kind for kind in kinds if kind != "pair"]
    columns = [p.c.id, p.c.case_id, (p.c.role == "debtor").label("debtor")]
    if shared_keys:  # what a shared debtor is shown with and checked on
        columns += [
            c.c.case_no,
            _bytewise(conn, p.c.name_key).label("nk"),
            _bytewise(conn, p.c.id_number).label("idn"),
            p.c.name,
        ]
    columns += [_hashed(conn, p.c.name_key).label("nh"), _hashed(conn, p.c.id_number).label("ih")]
    read = select(*columns).select_from(p.join(c, and_(c.c.id == p.c.case_id, c.c.closed_on.is_(None))))
    if "pair" not in kinds:  # the shared debtors alone: only the debtors are read
        read = read.where(p.c.role == "debtor")
    o = (read if restrict is None else read.where(restrict(p))).cte("o")
    a, d = o.alias("a"), o.alias("d")
    pairs = (
        select(
            a.c.id.label("a_id"),
            d.c.id.label("d_id"),
            a.c.case_id,
            a.c.nh.label("an"),
            a.c.ih.label("ai"),
            d.c.nh.label("dn"),
            d.c.ih.label("di"),
        )
        .select_from(a.join(d, and_(d.c.case_id == a.c.case_id, d.c.debtor)))
        .where(not_(a.c.debtor))
        .cte("pairs")
    )
    parts = []
    for kind in shared_keys:
        key, hashed = (o.c.idn, o.c.ih) if kind == "id" else (o.c.nk, o.c.nh)
        shared = [func.min(o.c.case_id) != func.max(o.c.case_id)]
        if kind == "name":  # a name ties its group only if a party of it has no ID number
            shared.append(func.max(case((o.c.idn.is_(None), 1), else_=0)) == 1)
        keys = select(hashed.label("h")).where(o.c.debtor, hashed.is_not(None)).group_by(hashed).having(and_(*shared))
        if debtor_keys is not None:
            keys = keys.where(key.in_(debtor_keys))
        keys = keys.subquery()
        parts.append(
            select(
                literal_column(f"'{kind}'").label("kind"),
                key.label("key"),
                func.min(_bytewise(conn, o.c.name)).label("shown"),
                _gathered(conn, o.c.case_id).label("ids"),
                _gathered(conn, o.c.case_no).label("numbers"),
                *(cast(null(), column.type).label(column.name) for column in pairs.c),
            )
            .select_from(o.join(keys, keys.c.h == hashed))
            .where(o.c.debtor)
            .group_by(key)
            .having(and_(*shared))  # on the text: a key that only shares its hash is no tie
        )
    if "pair" not in kinds:
        return union_all(*parts) if len(parts) > 1 else parts[0]
    joined, met = pairs, []
    for one, other in ((pairs.c.an, pairs.c.dn), (pairs.c.ai, pairs.c.di)):
        forward = one < other
        low, high = case((forward, one), else_=other), case((forward, other), else_=one)
        way = case((forward, 1), else_=0)
        both_ways = (  # an unordered pair of two different keys, seen both ways round
            select(low.label("low"), high.label("high"))
            .where(one != other)
            .group_by(low, high)
            .having(func.min(way) != func.max(way))
            .subquery()
        )
        joined = joined.outerjoin(both_ways, and_(both_ways.c.low == low, both_ways.c.high == high))
        # a pair whose two keys share a hash has no way round: the text will tell
        met += [both_ways.c.low.is_not(None), one == other]
    parts.append(
        select(
            literal_column("'pair'").label("kind"),
            null().label("key"),
            null().label("shown"),
            null().label("ids"),
            null().label("numbers"),
            *pairs.c,
        )
        .select_from(joined)
        .where(or_(*met))
    )
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _read_ties(conn: Connection, statement, found: _Found) -> list[tuple[int, int, int]]:
    """The shared debtors of ``statement`` into ``found``; its candidate pairs returned, for
    :func:`_mirrored`."""
    candidates = []
    for r in conn.execute(statement).all():
        if r.kind == "pair":
            candidates.append((r.a_id, r.d_id, r.case_id))
            continue
        ids, numbers = _ungathered(conn, r.ids), _ungathered(conn, r.numbers)
        found.numbers.update(zip(ids, numbers, strict=True))
        found.add("debtor", f"{r.kind}:{r.key}", ids, (r.shown,))
    return candidates


def _mirrored(conn: Connection, candidates: list[tuple[int, int, int]]) -> list[_Pair]:
    """The (applicant id, debtor id, case id) ``candidates`` with their parties' keys and names,
    those whose names, or ID numbers, some other candidate has the other way round (the
    statement's test on the hashes, on the text)."""
    ids = sorted({i for a_id, d_id, _ in candidates for i in (a_id, d_id)})
    query = select(PARTIES.c.id, PARTIES.c.name_key, PARTIES.c.id_number, PARTIES.c.name)
    party = {r.id: r for r in _select_by_ids(conn, ids, PARTIES.c.id, query)} if ids else {}
    cases = sorted({case_id for *_, case_id in candidates})
    number = dict(_select_by_ids(conn, cases, CASES.c.id, select(CASES.c.id, CASES.c.case_no))) if cases else {}
    pairs = [
        _Pair(a, d, i, number[i], *(v for p in (party[a], party[d]) for v in (p.name_key, p.id_number, p.name)))
        for a, d, i in candidates
    ]
    names = {(r.an, r.dn) for r in pairs if r.an != r.dn}
    numbers = {(r.ai, r.di) for r in pairs if r.ai is not None and r.di is not None and r.ai != r.di}
    return [r for r in pairs if (r.dn, r.an) in names or (r.di, r.ai) in numbers]


def _identities(handles: set[Handle]) -> dict[Handle, Handle]:
    """Who is who among ``handles`` (the rule of the ties): each → the one that stands for its
    person, the least by ``repr`` of those it is one with: equal ID numbers; every party of a
    name whose group holds a party without an ID number."""
    listed = list(handles)
    by_id: dict[str, set[int]] = defaultdict(set)
    by_name: dict[str, set[int]] = defaultdict(set)
    unnumbered: set[str] = set()  # names with a party without an ID number
    for i, (name, number) in enumerate(listed):
        if number:
            by_id[number].add(i)
        elif number is None:
            unnumbered.add(name)
        by_name[name].add(i)
    groups = [g for g in (*by_id.values(), *(by_name[name] for name in unnumbered)) if len(g) > 1]
    roots = _components(groups)
    members: dict[int, list[Handle]] = defaultdict(list)
    for i, root in roots.items():
        members[root].append(listed[i])
    chosen = {root: min(people, key=repr) for root, people in members.items()}
    return {handle: chosen[roots[i]] if i in roots else handle for i, handle in enumerate(listed)}


def _mutual_ties(found: _Found, pairs: Iterable[_Pair]) -> None:
    """Into ``found``: the mutual ties among ``pairs`` (two parties applicant and debtor of each
    other, by the matching rule) and the parties of each."""
    pairs = list(pairs)
    same = _identities({h for r in pairs for h in ((r.an, r.ai), (r.dn, r.di))})
    directions: dict[tuple, dict[bool, list]] = defaultdict(lambda: {True: [], False: []})
    for r in pairs:
        creditor, debtor = same[(r.an, r.ai)], same[(r.dn, r.di)]
        if creditor != debtor:
            directions[tuple(sorted((creditor, debtor), key=repr))][repr(creditor) < repr(debtor)].append(r)
    for pair, sides in directions.items():
        if not (sides[True] and sides[False]):
            continue
        key = "mutual:" + "|".join(f"{h[0]}#{h[1] or ''}" for h in pair)
        rows = sides[True] + sides[False]
        found.handles.setdefault(key, set()).update(h for r in rows for h in ((r.an, r.ai), (r.dn, r.di)))
        found.add("mutual", key, (r.case_id for r in rows), (n for r in rows for n in (r.aname, r.dname)))
        found.numbers.update((r.case_id, r.case_no) for r in rows)


#: the aggregates and the bundled cases' parties read back in order work on a few hundred
#: thousand rows: in memory; and no JIT, whose compiling costs more than it saves in one run
SORTS = {"work_mem": "256MB", "jit": "off"}


#: every join of the whole court's ties is over the whole read: hashed, never a nested loop over
#: a CTE whose size the planner does not know
WHOLE = SORTS | {"enable_nestloop": "off"}

T = TypeVar("T")
Beside = Callable[[Callable[[Connection], T]], "Future[T] | _Later"]


class _Later:
    """``work(conn)`` run when its result is asked for (once): :func:`beside` where there is no
    second connection, in the order the results are taken."""

    def __init__(self, work: Callable[[Connection], T], conn: Connection) -> None:
        self._work, self._conn = work, conn

    def result(self) -> T:
        return self._work(self._conn)


@contextmanager
def beside(conn: Connection) -> Iterator[Beside]:
    """``run(work)``: ``work(other)`` started at once in a thread, on a second connection that
    sees what ``conn`` sees (PostgreSQL: ``conn``'s snapshot, exported; ``conn`` must be in a
    REPEATABLE READ transaction), so that two statements of one whole-court read run on the two
    backends at once and Python takes the first's rows while the second runs.  On SQLite the
    work runs on ``conn`` itself when its result is asked for."""
    if not _pg(conn):
        yield lambda work: _Later(work, conn)
        return
    snapshot = conn.execute(select(func.pg_export_snapshot())).scalar_one()
    if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    with ExitStack() as stack, ThreadPoolExecutor(1, thread_name_prefix="related") as pool:  # the pool ends first

        def opened() -> Connection:
            other = stack.enter_context(conn.engine.connect().execution_options(isolation_level="REPEATABLE READ"))
            other.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))  # no parameter here; the server's own id
            return other

        other = pool.submit(opened)  # connecting is work done beside too
        yield lambda work: pool.submit(lambda: work(other.result()))


def _candidates(conn: Connection) -> list[_Pair]:
    """Every pair of the open cases' (applicant, debtor) pairs met the other way round."""
    with pg_settings(conn, **WHOLE):
        candidates = _read_ties(conn, _tie_statement(conn, ("pair",)), _Found())
    with pg_settings(conn, **SORTS):  # a few thousand rows by id: through the index
        return _mirrored(conn, candidates)


def _ties(conn: Connection, scope: list[int] | None, found: _Found, run: Beside | None = None) -> None:
    """Into ``found``: every tie among the open cases (``scope`` None; the shared debtors on
    ``conn`` while ``run`` finds the mutual ties beside), or every tie of a key of the ``scope``
    cases' parties (one statement per key column, each through its index)."""
    if scope is None:
        pairs = (run or (lambda work: _Later(work, conn)))(_candidates)
        with pg_settings(conn, **WHOLE):
            _read_ties(conn, _tie_statement(conn, ("id", "name")), found)
        _mutual_ties(found, pairs.result())
        return
    pairs: dict[_Pair, None] = {}  # each statement's, once
    with pg_settings(conn, **SORTS):
        for column, kind in (("name_key", "name"), ("id_number", "id")):
            keys = _scope_keys(column, scope, ("applicant", "debtor"))
            statement = _tie_statement(
                conn,
                (kind, "pair"),
                lambda p, column=column, keys=keys: p.c[column].in_(keys),
                _scope_keys(column, scope, ("debtor",)),
            )
            pairs.update(dict.fromkeys(_mirrored(conn, _read_ties(conn, statement, found))))
    _mutual_ties(found, pairs)


# -- bundles ------------------------------------------------------------------------------------


def _select_by_ids(conn: Connection, ids: list[int], column, query):
    """The rows of ``query`` whose ``column`` is one of ``ids``: on PostgreSQL in one statement
    (an array, sent as one text: the driver dumps a list of a hundred thousand numbers one by
    one in Python), on SQLite in chunks of its variable limit."""
    if _pg(conn):
        sent = bindparam("ids", ",".join(map(str, ids)), type_=Text)
        array = cast(func.string_to_array(sent, ",", type_=ARRAY(Text)), ARRAY(Integer))
        listed = func.unnest(array).table_valued("id").render_derived()
        yield from conn.execute(query.where(column.in_(select(listed.c.id)))).all()  # .all(): one fetch, not one a row
        return
    for start in range(0, len(ids), CHUNK):
        yield from conn.execute(query.where(column.in_(ids[start : start + CHUNK]))).all()


def _components(sets: Iterable[set[int]]) -> dict[int, int]:
    """Each number of ``sets`` → the least number it is joined to through them (union-find,
    each root the least of its set): case ids tied into bundles, parties one person."""
    parent: dict[int, int] = {}
    get = parent.get

    def root(number: int) -> int:
        while (up := get(number, number)) != number:
            parent[number] = get(up, up)  # halve the path
            number = up
        return number

    for numbers in sets:
        roots = {root(i) for i in numbers}
        low = min(roots)
        for r in roots:
            parent[r] = low
    return {i: root(i) for i in parent}


def _bundles_from(
    conn: Connection, found: _Found, list_limit: int | None, only: int | None = None, run: Beside | None = None
) -> list[Bundle]:
    """The bundles of ``found``'s ties (``only``: the one of that case), the largest first;
    those of at most ``list_limit`` cases (None: all) listed case by case.  The offsets are
    computed by ``run`` (beside, where there is a second connection) while the listed cases are
    read here."""
    roots = _components(cases_ for cases_, _ in found.ties.values())
    members: dict[int, list[int]] = defaultdict(list)
    for case_id, root in roots.items():
        if only is None or root == roots.get(only):
            members[root].append(case_id)
    groups = [ids for ids in members.values() if len(ids) > 1]
    if not groups:
        return []
    by_root: dict[int, list[tuple[Tie, str]]] = defaultdict(list)
    for (kind, key), (cases_, shown) in sorted(found.ties.items()):
        if len(cases_) > 1:
            names = (min(shown),) if kind == "debtor" else tuple(sorted(shown))
            by_root[roots[min(cases_)]].append((Tie(kind, names, tuple(sorted(cases_))), key))
    ties, mutual = [], {}
    for number, ids in enumerate(groups):
        mine = sorted(by_root[roots[ids[0]]], key=lambda t: (t[0].kind, t[0].parties))
        ties.append(tuple(t for t, _ in mine))
        handles = set().union(*(found.handles.get(key, set()) for t, key in mine if t.kind == "mutual"))
        if handles:
            mutual[number] = handles

    def offsets(other: Connection) -> dict[int, dict]:
        with pg_settings(other, **SORTS):
            return {number: _offset(other, set(groups[number]), handles) for number, handles in mutual.items()}

    offset = (run or (lambda work: _Later(work, conn)))(offsets)
    listed = [i for ids in groups if list_limit is None or len(ids) <= list_limit for i in ids]
    info = _cases(conn, listed) if listed else {}
    offset = offset.result()
    bundles = []
    for number, ids in enumerate(groups):
        numbers = {i: found.numbers[i] for i in ids}
        cases_ = () if list_limit is not None and len(ids) > list_limit else (info[i] for i in ids)
        bundles.append(
            Bundle(numbers, tuple(sorted(cases_, key=lambda c: c.case_no)), ties[number], **offset.get(number, {}))
        )
    bundles.sort(key=lambda b: (-b.size, min(b.numbers.values())))
    return bundles


def _cases(conn: Connection, ids: list[int]) -> dict[int, BundleCase]:
    heads, parties = {}, defaultdict(lambda: ([], []))
    head_query = select(
        CASES.c.id,
        CASES.c.case_no,
        CASES.c.team_id,
        CASES.c.officer_id,
        CASES.c.amount,
        CASES.c.amount_recovered,
        TEAMS.c.name,
    ).select_from(CASES.outerjoin(TEAMS, TEAMS.c.id == CASES.c.team_id))
    for r in _select_by_ids(conn, ids, CASES.c.id, head_query):
        heads[r.id] = r
    # in the database's order (a case's rows all come from one chunk): no sort of every row here
    party_query = select(PARTIES.c.case_id, PARTIES.c.role, PARTIES.c.name).order_by(
        PARTIES.c.case_id, PARTIES.c.role, PARTIES.c.position
    )
    for case_id, role, name in _select_by_ids(conn, ids, PARTIES.c.case_id, party_query):
        parties[case_id][role != "applicant"].append(name)
    return {
        i: BundleCase(
            i,
            h.case_no,
            h.team_id,
            h.name or "",
            h.officer_id,
            h.amount,
            _owed(h),
            tuple(parties[i][0]),
            tuple(parties[i][1]),
        )
        for i, h in heads.items()
    }


def _owed(row) -> Decimal:
    return max(row.amount - row.amount_recovered, ZERO)


def _offset(conn: Connection, members: set[int], mutual: set[Handle]) -> dict:
    """The offset among the parties with mutual debts (``mutual``: their handles) and whoever
    they owe or are owed by in the bundle: per pair, what each owes the other over the bundle's
    one-applicant-one-debtor cases, the balance, and the totals.  Reads only the cases of those
    parties, listed or not."""
    names = sorted({h[0] for h in mutual})
    numbers = sorted({h[1] for h in mutual if h[1]})
    near = or_(PARTIES.c.name_key.in_(names), PARTIES.c.id_number.in_(numbers or [""]))
    theirs = select(PARTIES.c.case_id).join(CASES, and_(CASES.c.id == PARTIES.c.case_id, CASES.c.closed_on.is_(None)))
    party_query = (
        select(
            PARTIES.c.case_id,
            PARTIES.c.role,
            PARTIES.c.position,
            PARTIES.c.name,
            PARTIES.c.name_key,
            PARTIES.c.id_number,
        )
        .where(PARTIES.c.case_id.in_(theirs.where(near)))
        # the server sorts (on the other backend, beside): each party's first spelling is its first row
        .order_by(PARTIES.c.case_id, _bytewise(conn, PARTIES.c.role), PARTIES.c.position)
    )
    rows = [r for r in conn.execute(party_query).all() if r[0] in members]
    same = _identities({(r[4], r[5]) for r in rows})
    roles: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for case_id, role, _, _, name_key, id_number in rows:
        roles[case_id][role != "applicant"].append(same[(name_key, id_number)])
    single = sorted(i for i, (applicants, debtors) in roles.items() if len(applicants) == 1 and len(debtors) == 1)
    unpaid = type_coerce(CASES.c.amount - CASES.c.amount_recovered, Money())  # exact on both (fen on SQLite)
    owed = {i: max(v, ZERO) for i, v in _select_by_ids(conn, single, CASES.c.id, select(CASES.c.id, unpaid))}
    owes: dict[tuple, Decimal] = defaultdict(lambda: ZERO)  # (debtor, creditor) → amount
    joint = []
    for case_id, (applicants, debtors) in roles.items():
        if case_id in owed:
            owes[(debtors[0], applicants[0])] += owed[case_id]
        else:
            joint.append((case_id, {*applicants, *debtors}))
    offsetting = {same[h] for h in mutual if h in same}  # the parties of the mutual ties
    offsets = []
    gross = ZERO
    pairs = {tuple(sorted(k, key=repr)) for k in owes if offsetting & set(k)}
    shown = _first_names(rows, same, {who for pair in pairs for who in pair})
    for one, other in sorted(pairs, key=lambda p: (shown[p[0]], shown[p[1]], repr(p))):  # namesakes: still one order
        a_owes, b_owes = owes.get((one, other), ZERO), owes.get((other, one), ZERO)
        payer, payee = (one, other) if a_owes >= b_owes else (other, one)
        payer_owes, payee_owes = max(a_owes, b_owes), min(a_owes, b_owes)
        gross += payer_owes + payee_owes
        offsets.append(Offset(shown[payer], shown[payee], payer_owes, payee_owes, payer_owes - payee_owes))
    net = sum((o.balance for o in offsets), ZERO)
    not_offset = tuple(sorted(case_id for case_id, who in joint if offsetting & who))
    return {"offsets": tuple(offsets), "gross_total": gross, "net_total": net, "not_offset": not_offset}


def _first_names(rows, same: dict[Handle, Handle], wanted: set[Handle]) -> dict[Handle, str]:
    """Each of the ``wanted`` parties by its name in the first of its ``rows`` (which come by
    case id, role, position), however else it is spelt in the others."""
    first: dict[Handle, str] = {}
    for _, _, _, name, name_key, id_number in rows:
        who = same[(name_key, id_number)]
        if who in wanted and who not in first:
            first[who] = name
    return first


@contextmanager
def uncollected() -> Iterator[None]:
    """The cyclic garbage collector paused while a whole court's ties and bundles are built (and
    written out): it would walk the hundreds of thousands of rows, sets and tuples made here
    again and again (0.6 to 0.9 s at a million cases), and nothing here makes a cycle."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def related_bundles(db: Database, list_limit: int | None = None) -> list[Bundle]:
    """Every bundle of related open cases, the largest first; each listed case by case, or
    only those of at most ``list_limit`` cases (the others by their ties)."""
    with uncollected(), _connected(db) as conn, beside(conn) as run:
        found = _Found()
        _ties(conn, None, found, run)
        with pg_settings(conn, **SORTS):
            return _bundles_from(conn, found, list_limit, run=run)


def _connected(db: Database) -> Connection:
    """A connection whose reads all see one snapshot (PostgreSQL: REPEATABLE READ), which
    :func:`beside` shares with a second."""
    conn = db.engine.connect()
    return conn.execution_options(isolation_level="REPEATABLE READ") if _pg(conn) else conn


def bundle_of(db: Database, case_id: int) -> Bundle | None:
    """The bundle of one case (None if it has no related open case), listed case by case: the
    same ties, followed from the case outwards until no new case turns up; past ``LIST_LIMIT``
    cases (a chain of repeat debtors, which step by step takes minutes) the whole court's ties
    at once, in seconds."""
    with _connected(db) as conn:
        found, seen, frontier = _Found(), {case_id}, [case_id]
        while frontier and len(seen) <= LIST_LIMIT:
            for start in range(0, len(frontier), CHUNK):
                _ties(conn, frontier[start : start + CHUNK], found)
            new = found.numbers.keys() - seen
            seen |= new
            frontier = sorted(new)
        # a second connection only for the whole court's ties: a bundle of a few cases reads in order
        with uncollected(), beside(conn) if frontier else nullcontext(None) as run:
            if frontier:
                found = _Found()
                _ties(conn, None, found, run)
            with pg_settings(conn, **SORTS):
                bundles = _bundles_from(conn, found, None, only=case_id, run=run)
    return bundles[0] if bundles else None


def hand_bundle(
    db: Database,
    bundle: Bundle,
    team_id: int,
    who: Actor,
    now: datetime,
    *,
    reason: str,
) -> int:
    """A chief hands every case of ``bundle`` (as they saw it) to one team in one transaction:
    an officer stays on a case if they are in that team.  Refused, changing nothing, if any case
    was reassigned or closed since; audited once per case (``case.bundle_reassigned``, with the
    bundle's 案号).  Returns how many cases moved."""
    if not reason or not reason.strip():
        raise ActionRefused("handing a bundle to a team needs a reason")
    if not bundle.listed:  # its cases' teams and officers were not read: nothing to check them against
        raise ActionRefused("a bundle too large to list cannot be handed to a team in one step")
    numbers = [c.case_no for c in bundle.cases]
    moved = 0
    with db.engine.begin() as conn:
        require(conn, who, "reassign_bundle")
        for c in bundle.cases:  # a chief: courts theirs covers
            require_case(conn, who, "reassign_bundle", c.case_id)
        if conn.execute(select(TEAMS.c.id).where(TEAMS.c.id == team_id)).first() is None:
            raise ActionRefused(f"no team with id {team_id}")
        members = set(conn.execute(select(OFFICERS.c.id).where(OFFICERS.c.team_id == team_id)).scalars())
        entries = []
        for c in bundle.cases:
            officer_id = c.officer_id if c.officer_id in members else None
            if (c.team_id, c.officer_id) == (team_id, officer_id):
                continue
            done = conn.execute(
                update(CASES)
                .where(
                    CASES.c.id == c.case_id,
                    CASES.c.closed_on.is_(None),
                    CASES.c.officer_id.is_not_distinct_from(c.officer_id),
                    CASES.c.team_id.is_not_distinct_from(c.team_id),
                )
                .values(team_id=team_id, officer_id=officer_id, updated_at=now)
                .execution_options(preserve_rowcount=True)
            ).rowcount
            if done != 1:
                raise StaleVersion(f"{c.case_no} was reassigned or closed meanwhile; reload the bundle and try again")
            moved += 1
            entries.append(
                {
                    "at": now,
                    "actor": who.login,
                    "action": "case.bundle_reassigned",
                    "entity": "case",
                    "entity_id": str(c.case_id),
                    "case_id": c.case_id,
                    "detail": {
                        "from": {"officer_id": c.officer_id, "team_id": c.team_id},
                        "to": {"officer_id": officer_id, "team_id": team_id},
                        "bundle": numbers,
                        "reason": reason.strip(),
                    },
                }
            )
        if not entries:
            raise ActionRefused("every case of the bundle is already with that team")
        audit.record_many(conn, entries)
    return moved
