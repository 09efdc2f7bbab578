"""Related cases (关联案件, DOMAIN.md §7, 孟州): bundles of open cases to hand to one team, and
the offset of mutual money debts.

Two open cases are related when they share a debtor, or when a party is applicant in one and
debtor in the other against the same counterpart (mutual debts).  Parties are the same when
both carry an ID number and the numbers are equal, else when their names match after
:func:`~command_center.data.names.name_key` (one without an ID number matches every party of
its name, so a name group with such a party is tied as a whole).  A bundle is a connected set
of such ties.

The ties are found in set-based SQL over the indexed ``parties.name_key`` / ``id_number``, one
windowed pass each (see below); only the tied rows come back, and Python joins them into
bundles (union-find).  The same queries, restricted to the cases found so far, give one case's
bundle (:func:`bundle_of`).

The offset (抵销) of a bundle with mutual debts: per pair of parties of which one is a party of
a mutual tie, what each still owes the other (``amount - amount_recovered`` of the bundle's
open cases with one applicant and one debtor: a joint debt cannot be split here, so those
cases are listed as not offset), the balance, and ``net_total``, the sum of what still has to
be paid after offsetting.  Exact decimals throughout.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, Integer, and_, bindparam, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from command_center.data import audit
from command_center.data.access import ActionRefused, Actor, StaleVersion, require, require_case
from command_center.data.bulk import pg_settings
from command_center.data.engine import Database
from command_center.data.tables import CASES, OFFICERS, PARTIES, TEAMS

CHUNK = 900
ZERO = Decimal("0.00")


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
    cases: tuple[BundleCase, ...]
    ties: tuple[Tie, ...]
    offsets: tuple[Offset, ...] = ()
    gross_total: Decimal | None = None  # what the offset cases owe, before offsetting
    net_total: Decimal | None = None  # what still has to be paid after offsetting
    not_offset: tuple[int, ...] = field(default=())  # case ids of joint debts left out of the offset

    @property
    def case_ids(self) -> tuple[int, ...]:
        return tuple(c.case_id for c in self.cases)

    def as_json(self) -> dict:
        number = {c.case_id: c.case_no for c in self.cases}
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
            ],
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
        }


# -- the ties, in SQL ---------------------------------------------------------------------------
#
# Each tie is one pass over the open cases' parties with a window per key: a key shared by two
# cases has min(case) <> max(case) over its partition, so no GROUP BY and join back, and no
# count(DISTINCT) (which PostgreSQL cannot hash).  ``scope`` (a case's bundle, step by step)
# keeps the rows whose key is one of the scope's parties', through the keys' indexes.

Handle = tuple[str, str | None]  # (name_key, id_number): a party as the matching rule sees it


@dataclass(frozen=True)
class _Pair:
    """An (applicant, debtor) pair of an open case, as the mutual ties read it."""

    case_id: int
    an: str
    ai: str | None
    aname: str
    dn: str
    di: str | None
    dname: str


def _scope_keys(column: str, scope: list[int], roles: tuple[str, ...]):
    f = PARTIES.alias("f")
    return select(f.c[column]).where(f.c.case_id.in_(scope), f.c.role.in_(roles), f.c[column].is_not(None))


def _shared_debtor_rows(conn: Connection, scope: list[int] | None) -> list:
    """(kind, key, case id, name) of every open case's debtor shared with another open case:
    by ID number, and by name where the name's group holds a party without one (one pass, a
    window per key; for a ``scope``, one statement per key, each through its index)."""
    if scope is None:
        return _debtors_shared(conn, None, ("id_number", "name_key"))
    return _debtors_shared(conn, scope, ("id_number",)) + _debtors_shared(conn, scope, ("name_key",))


def _debtors_shared(conn: Connection, scope: list[int] | None, columns: tuple[str, ...]) -> list:
    p, c = PARTIES.alias("p"), CASES.alias("c")
    by_id, by_name = {"partition_by": p.c.id_number}, {"partition_by": p.c.name_key}
    inner = (
        select(
            p.c.case_id,
            p.c.id_number,
            p.c.name_key,
            p.c.name,
            func.min(p.c.case_id).over(**by_id).label("lo_id"),
            func.max(p.c.case_id).over(**by_id).label("hi_id"),
            func.min(p.c.case_id).over(**by_name).label("lo_name"),
            func.max(p.c.case_id).over(**by_name).label("hi_name"),
            func.max(case((p.c.id_number.is_(None), 1), else_=0)).over(**by_name).label("no_id"),
        )
        .select_from(p.join(c, and_(c.c.id == p.c.case_id, c.c.closed_on.is_(None))))
        .where(p.c.role == "debtor")
    )
    if scope is not None:  # the rows of the scope's keys: their windows are whole
        (column,) = columns
        inner = inner.where(p.c[column].in_(_scope_keys(column, scope, ("debtor",))))
    inner = inner.subquery()
    shared_id = and_(inner.c.id_number.is_not(None), inner.c.lo_id != inner.c.hi_id)
    shared_name = and_(inner.c.lo_name != inner.c.hi_name, inner.c.no_id == 1)
    wanted = or_(*([shared_id] if "id_number" in columns else []), *([shared_name] if "name_key" in columns else []))
    rows = []
    for r in conn.execute(
        select(inner.c.case_id, inner.c.id_number, inner.c.name_key, inner.c.name, shared_id.label("by_id"))
        .add_columns(shared_name.label("by_name"))
        .where(wanted)
    ).all():
        if r.by_id and "id_number" in columns:
            rows.append(("debtor", f"id:{r.id_number}", r.case_id, r.name))
        if r.by_name and "name_key" in columns:
            rows.append(("debtor", f"name:{r.name_key}", r.case_id, r.name))
    return rows


def _pair_rows(conn: Connection, scope: list[int] | None) -> list:
    if scope is None:
        return _pairs_mirrored(conn, None, None)
    # two statements, not an OR of them: each filter then reads its key's index
    found = {tuple(r): r for column in ("name_key", "id_number") for r in _pairs_mirrored(conn, scope, column)}
    return list(found.values())


def _pairs_mirrored(conn: Connection, scope: list[int] | None, column: str | None) -> list:
    """The (applicant, debtor) pairs of open cases whose two parties meet the other way round in
    another pair, by name or by ID number (a candidate for mutual debts): one pass, a window per
    unordered pair of names and of ID numbers; the names of the few found are read after."""
    a, d, c = PARTIES.alias("a"), PARTIES.alias("d"), CASES.alias("c")
    pairs = (
        select(
            a.c.case_id,
            a.c.id.label("a_id"),
            d.c.id.label("d_id"),
            a.c.name_key.label("an"),
            a.c.id_number.label("ai"),
            d.c.name_key.label("dn"),
            d.c.id_number.label("di"),
        )
        .select_from(
            a.join(d, and_(d.c.case_id == a.c.case_id, d.c.role == "debtor")).join(
                c, and_(c.c.id == a.c.case_id, c.c.closed_on.is_(None))
            )
        )
        .where(a.c.role == "applicant")
    )
    if scope is not None and column is not None:  # a pair mirroring one of the scope's is of the scope's parties
        keys = _scope_keys(column, scope, ("applicant", "debtor"))
        pairs = pairs.where(a.c[column].in_(keys), d.c[column].in_(keys))
    pairs = pairs.subquery("pairs")
    windows = []
    for one, other in ((pairs.c.an, pairs.c.dn), (pairs.c.ai, pairs.c.di)):
        window = {"partition_by": (case((one < other, one), else_=other), case((one < other, other), else_=one))}
        forward = case((one < other, 1), else_=0)
        windows += [func.min(forward).over(**window), func.max(forward).over(**window)]
    inner = select(
        pairs,
        windows[0].label("lo_name"),
        windows[1].label("hi_name"),
        windows[2].label("lo_id"),
        windows[3].label("hi_id"),
    ).subquery()
    found = conn.execute(
        select(inner.c.case_id, inner.c.a_id, inner.c.d_id, inner.c.an, inner.c.ai, inner.c.dn, inner.c.di).where(
            or_(
                inner.c.lo_name != inner.c.hi_name,
                and_(inner.c.ai.is_not(None), inner.c.di.is_not(None), inner.c.lo_id != inner.c.hi_id),
            )
        )
    ).all()
    ids = sorted({i for r in found for i in (r.a_id, r.d_id)})
    names = dict(_select_by_ids(conn, ids, PARTIES.c.id, select(PARTIES.c.id, PARTIES.c.name))) if ids else {}
    return [(r.case_id, r.an, r.ai, names[r.a_id], r.dn, r.di, names[r.d_id]) for r in found]


def _identities(handles: set[Handle]) -> _Sets:
    """Who is who among ``handles`` (the rule of the ties): equal ID numbers; every party of a
    name whose group holds a party without an ID number."""
    same = _Sets()
    by_id: dict[str, list[Handle]] = defaultdict(list)
    by_name: dict[str, list[Handle]] = defaultdict(list)
    for handle in handles:
        same.find(handle)
        if handle[1]:
            by_id[handle[1]].append(handle)
        by_name[handle[0]].append(handle)
    for group in (*by_id.values(), *(g for g in by_name.values() if any(h[1] is None for h in g))):
        for other in group[1:]:
            same.union(group[0], other)
    return same


def _mutual_rows(conn: Connection, scope: list[int] | None) -> tuple[list, dict[str, set[Handle]]]:
    """(kind, key, case id, names) of open cases in which two parties are applicant and debtor of
    each other, and the parties of each such tie (its key → their handles)."""
    found = [_Pair(*r) for r in _pair_rows(conn, scope)]
    same = _identities({h for r in found for h in ((r.an, r.ai), (r.dn, r.di))})
    directions: dict[tuple, dict[bool, list]] = defaultdict(lambda: {True: [], False: []})
    for r in found:
        creditor, debtor = same.find((r.an, r.ai)), same.find((r.dn, r.di))
        if creditor != debtor:
            directions[tuple(sorted((creditor, debtor), key=repr))][repr(creditor) < repr(debtor)].append(r)
    rows, handles = [], {}
    for pair, sides in directions.items():
        if not (sides[True] and sides[False]):
            continue
        key = "mutual:" + "|".join(f"{h[0]}#{h[1] or ''}" for h in pair)
        handles[key] = {h for r in sides[True] + sides[False] for h in ((r.an, r.ai), (r.dn, r.di))}
        rows += [("mutual", key, r.case_id, tuple(sorted((r.aname, r.dname)))) for r in sides[True] + sides[False]]
    return rows, handles


#: the windows, and the bundled cases' parties read back in order, sort a few hundred thousand
#: rows: in memory; and no JIT, whose compiling costs more than it saves in one run
SORTS = {"work_mem": "256MB", "jit": "off"}


def _ties(conn: Connection, scope: list[int] | None) -> tuple[list, dict[str, set[Handle]]]:
    with pg_settings(conn, **SORTS):
        mutual, handles = _mutual_rows(conn, scope)
        return _shared_debtor_rows(conn, scope) + mutual, handles


# -- bundles ------------------------------------------------------------------------------------


class _Sets:
    """Union-find over comparable items."""

    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, item):
        parent = self.parent.setdefault(item, item)
        while parent != item:
            grand = self.parent[parent]
            self.parent[item] = grand
            item, parent = parent, self.parent.setdefault(grand, grand)
        return item

    def union(self, one, other) -> None:
        a, b = self.find(one), self.find(other)
        if a != b:
            low, high = sorted((a, b), key=repr)
            self.parent[high] = low


def _select_by_ids(conn: Connection, ids: list[int], column, query):
    """The rows of ``query`` whose ``column`` is one of ``ids``: on PostgreSQL in one statement
    (an array), on SQLite in chunks of its variable limit."""
    if conn.dialect.name == "postgresql":
        listed = func.unnest(bindparam("ids", ids, type_=ARRAY(Integer))).table_valued("id").render_derived()
        yield from conn.execute(query.where(column.in_(select(listed.c.id)))).all()  # .all(): one fetch, not one a row
        return
    for start in range(0, len(ids), CHUNK):
        yield from conn.execute(query.where(column.in_(ids[start : start + CHUNK]))).all()


def _bundles_from(conn: Connection, tie_rows: list, handles: dict[str, set[Handle]]) -> list[Bundle]:
    sets = _Sets()
    ties: dict[tuple[str, str], tuple[set[int], set]] = {}
    for kind, key, case_id, names in tie_rows:
        cases_, shown = ties.setdefault((kind, key), (set(), set()))
        cases_.add(case_id)
        shown.update(names if isinstance(names, tuple) else (names,))
    for cases_, _ in ties.values():
        first = min(cases_)
        for other in cases_:
            sets.union(first, other)
    members: dict[int, list[int]] = defaultdict(list)
    for case_id in sets.parent:
        members[sets.find(case_id)].append(case_id)
    groups = [sorted(ids) for ids in members.values() if len(ids) > 1]
    if not groups:
        return []
    info = _cases(conn, [i for ids in groups for i in ids])
    by_root: dict[int, list[tuple[Tie, str]]] = defaultdict(list)
    for (kind, key), (cases_, shown) in sorted(ties.items()):
        if len(cases_) > 1:
            names = tuple(sorted(shown))[:1] if kind == "debtor" else tuple(sorted(shown))
            by_root[sets.find(min(cases_))].append((Tie(kind, names, tuple(sorted(cases_))), key))
    bundles = []
    for ids in groups:
        root = sets.find(ids[0])
        cases_ = tuple(sorted((info[i] for i in ids), key=lambda c: c.case_no))
        mine = sorted(by_root[root], key=lambda t: (t[0].kind, t[0].parties))
        bundle = Bundle(cases_, tuple(t for t, _ in mine))
        mutual = set().union(*(handles.get(key, set()) for t, key in mine if t.kind == "mutual"))
        if mutual:
            bundle = _offset(conn, bundle, mutual)
        bundles.append(bundle)
    bundles.sort(key=lambda b: (-len(b.cases), b.cases[0].case_no))
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
            max(h.amount - h.amount_recovered, ZERO),
            tuple(parties[i][0]),
            tuple(parties[i][1]),
        )
        for i, h in heads.items()
    }


def _offset(conn: Connection, bundle: Bundle, mutual: set[Handle]) -> Bundle:
    """The offset among the parties with mutual debts (``mutual``: their handles) and whoever
    they owe or are owed by in the bundle: per pair, what each owes the other over the bundle's
    one-applicant-one-debtor cases, the balance, and the totals."""
    in_bundle = set(bundle.case_ids)
    names = sorted({h[0] for h in mutual})
    numbers = sorted({h[1] for h in mutual if h[1]})
    near = or_(PARTIES.c.name_key.in_(names), PARTIES.c.id_number.in_(numbers or [""]))
    candidates = sorted(set(conn.execute(select(PARTIES.c.case_id).where(near)).scalars()) & in_bundle)
    party_query = select(
        PARTIES.c.case_id, PARTIES.c.role, PARTIES.c.position, PARTIES.c.name, PARTIES.c.name_key, PARTIES.c.id_number
    )
    rows = sorted(_select_by_ids(conn, candidates, PARTIES.c.case_id, party_query), key=lambda r: (r[0], r[1], r[2]))
    same = _identities({(r.name_key, r.id_number) for r in rows})
    shown: dict[Handle, str] = {}
    for r in rows:
        shown.setdefault(same.find((r.name_key, r.id_number)), r.name)
    roles: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for r in rows:
        roles[r.case_id][0 if r.role == "applicant" else 1].append(same.find((r.name_key, r.id_number)))
    owed = {c.case_id: c.owed for c in bundle.cases}
    owes: dict[tuple, Decimal] = defaultdict(lambda: ZERO)  # (debtor, creditor) → amount
    joint = []
    for case_id in candidates:
        applicants, debtors = roles[case_id]
        if len(applicants) == 1 and len(debtors) == 1:
            owes[(debtors[0], applicants[0])] += owed[case_id]
        else:
            joint.append((case_id, {*applicants, *debtors}))
    offsetting = {same.find(h) for h in mutual if h in same.parent}  # the parties of the mutual ties
    offsets = []
    gross = ZERO
    pairs = {tuple(sorted(k, key=repr)) for k in owes if offsetting & set(k)}
    for one, other in sorted(pairs, key=lambda p: (shown[p[0]], shown[p[1]])):
        a_owes, b_owes = owes.get((one, other), ZERO), owes.get((other, one), ZERO)
        payer, payee = (one, other) if a_owes >= b_owes else (other, one)
        payer_owes, payee_owes = max(a_owes, b_owes), min(a_owes, b_owes)
        gross += payer_owes + payee_owes
        offsets.append(Offset(shown[payer], shown[payee], payer_owes, payee_owes, payer_owes - payee_owes))
    net = sum((o.balance for o in offsets), ZERO)
    not_offset = tuple(sorted(case_id for case_id, who in joint if offsetting & who))
    return Bundle(bundle.cases, bundle.ties, tuple(offsets), gross, net, not_offset)


def related_bundles(db: Database) -> list[Bundle]:
    """Every bundle of related open cases, the largest first."""
    with db.engine.connect() as conn:
        rows, handles = _ties(conn, None)
        with pg_settings(conn, **SORTS):
            return _bundles_from(conn, rows, handles)


def bundle_of(db: Database, case_id: int) -> Bundle | None:
    """The bundle of one case (None if it has no related open case): the same ties, followed
    from the case outwards until no new case turns up."""
    with db.engine.connect() as conn:
        found, frontier, rows, handles = {case_id}, [case_id], [], {}
        while frontier:
            new: set[int] = set()
            for start in range(0, len(frontier), CHUNK):
                step, more = _ties(conn, frontier[start : start + CHUNK])
                rows += step
                handles.update(more)
                new |= {r[2] for r in step} - found
            found |= new
            frontier = sorted(new)
        bundles = _bundles_from(conn, rows, handles)
    return next((b for b in bundles if case_id in b.case_ids), None)


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
