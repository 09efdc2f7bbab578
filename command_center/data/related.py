"""Related cases (关联案件, DOMAIN.md §7, 孟州): bundles of open cases to hand to one team, and
the offset of mutual money debts.

Two open cases are related when they share a debtor, or when a party is applicant in one and
debtor in the other against the same counterpart (mutual debts).  Parties are the same when
both carry an ID number and the numbers are equal, else when their names match after
:func:`~command_center.data.names.name_key` (one without an ID number matches every party of
its name, so a name group with such a party is tied as a whole).  A bundle is a connected set
of such ties.

The ties are found in set-based SQL over the indexed ``parties.name_key`` / ``id_number``: a
``GROUP BY … HAVING count(DISTINCT case) > 1`` for the shared debtors, a self-join of
(applicant, debtor) pairs for the mutual ones; only the tied rows come back, and Python joins
them into bundles (union-find).  The same queries, restricted to the cases found so far, give
one case's bundle (:func:`bundle_of`).

The offset (抵销) of a bundle with mutual debts: per pair of parties, what each still owes the
other (``amount - amount_recovered`` of the bundle's open cases with one applicant and one
debtor: a joint debt cannot be split here, so those cases are listed as not offset), the
balance, and ``net_total``, the sum of what still has to be paid after offsetting.  Exact
decimals throughout.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, and_, case, distinct, func, or_, select, update

from command_center.data import audit
from command_center.data.access import ActionRefused, Actor, StaleVersion, require
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


def _open(parties, role: str):
    cases = CASES.alias()
    return parties.join(cases, and_(cases.c.id == parties.c.case_id, cases.c.closed_on.is_(None))), [
        parties.c.role == role
    ]


def _shared_debtor_rows(conn: Connection, scope: list[int] | None) -> list:
    """(kind, key, case id, name) of every open case's debtor shared with another open case:
    by ID number, and by name where the name's group holds a party without one.  ``scope``: only
    the debtors named as those of these cases."""
    rows = []
    for column, need_no_id in ((PARTIES.c.id_number, False), (PARTIES.c.name_key, True)):
        g = PARTIES.alias("g")
        joined, where = _open(g, "debtor")
        key = g.c[column.name]
        groups = select(key).select_from(joined).where(*where, key.is_not(None))
        if scope is not None:
            f = PARTIES.alias("f")
            groups = groups.where(key.in_(select(f.c[column.name]).where(f.c.case_id.in_(scope), f.c.role == "debtor")))
        having = func.count(distinct(g.c.case_id)) > 1
        if need_no_id:
            having = and_(having, func.sum(case((g.c.id_number.is_(None), 1), else_=0)) > 0)
        groups = groups.group_by(key).having(having)
        p = PARTIES.alias("p")
        joined, where = _open(p, "debtor")
        tag = "id" if column.name == "id_number" else "name"
        rows += [
            ("debtor", f"{tag}:{r[0]}", r[1], r[2])
            for r in conn.execute(
                select(p.c[column.name], p.c.case_id, p.c.name)
                .select_from(joined)
                .where(*where, p.c[column.name].in_(groups))
            )
        ]
    return rows


def _compatible(one, other):
    return or_(one.is_(None), other.is_(None), one == other)


def _mutual_rows(conn: Connection, scope: list[int] | None) -> list:
    """(kind, key, case id, names) of open cases in which two parties are applicant and debtor of
    each other: matched by name (ID numbers, where both have one, equal), or by both ID numbers."""
    a, d = PARTIES.alias("a"), PARTIES.alias("d")
    joined, where = _open(a, "applicant")
    pairs = (
        select(
            a.c.case_id,
            a.c.name_key.label("an"),
            a.c.id_number.label("ai"),
            a.c.name.label("aname"),
            d.c.name_key.label("dn"),
            d.c.id_number.label("di"),
            d.c.name.label("dname"),
        )
        .select_from(joined.join(d, and_(d.c.case_id == a.c.case_id, d.c.role == "debtor")))
        .where(*where)
        .cte("pairs")
    )
    x, y = pairs.alias("x"), pairs.alias("y")
    by_name = and_(y.c.an == x.c.dn, y.c.dn == x.c.an, _compatible(x.c.ai, y.c.di), _compatible(x.c.di, y.c.ai))
    by_id = and_(y.c.ai == x.c.di, y.c.di == x.c.ai)
    rows = []
    for match in (by_name, by_id):
        query = select(x.c.case_id, y.c.case_id, x.c.an, x.c.dn, x.c.aname, x.c.dname).where(
            match, x.c.case_id != y.c.case_id
        )
        if scope is not None:
            query = query.where(x.c.case_id.in_(scope))
        for xc, yc, an, dn, aname, dname in conn.execute(query):
            key = "mutual:" + "|".join(sorted((an, dn)))
            names = tuple(sorted((aname, dname)))
            rows += [("mutual", key, xc, names), ("mutual", key, yc, names)]
    return rows


# -- bundles ------------------------------------------------------------------------------------


class _Sets:
    """Union-find over hashable items."""

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
            self.parent[max(a, b)] = min(a, b)


def _bundles_from(conn: Connection, tie_rows: list) -> list[Bundle]:
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
    by_root: dict[int, list[Tie]] = defaultdict(list)
    for (kind, _key), (cases_, shown) in sorted(ties.items()):
        if len(cases_) > 1:
            by_root[sets.find(min(cases_))].append(
                Tie(kind, tuple(sorted(shown))[:1] if kind == "debtor" else tuple(sorted(shown)), tuple(sorted(cases_)))
            )
    bundles = []
    for ids in groups:
        root = sets.find(ids[0])
        cases_ = tuple(sorted((info[i] for i in ids), key=lambda c: c.case_no))
        mine = tuple(sorted(by_root[root], key=lambda t: (t.kind, t.parties)))
        bundle = Bundle(cases_, mine)
        if any(t.kind == "mutual" for t in mine):
            bundle = _offset(conn, bundle)
        bundles.append(bundle)
    bundles.sort(key=lambda b: (-len(b.cases), b.cases[0].case_no))
    return bundles


def _cases(conn: Connection, ids: list[int]) -> dict[int, BundleCase]:
    heads, parties = {}, defaultdict(lambda: ([], []))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for r in conn.execute(
            select(
                CASES.c.id,
                CASES.c.case_no,
                CASES.c.team_id,
                CASES.c.officer_id,
                CASES.c.amount,
                CASES.c.amount_recovered,
                TEAMS.c.name,
            )
            .select_from(CASES.outerjoin(TEAMS, TEAMS.c.id == CASES.c.team_id))
            .where(CASES.c.id.in_(chunk))
        ):
            heads[r.id] = r
        for r in conn.execute(
            select(PARTIES.c.case_id, PARTIES.c.role, PARTIES.c.name)
            .where(PARTIES.c.case_id.in_(chunk))
            .order_by(PARTIES.c.case_id, PARTIES.c.role, PARTIES.c.position)
        ):
            parties[r.case_id][0 if r.role == "applicant" else 1].append(r.name)
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


def _offset(conn: Connection, bundle: Bundle) -> Bundle:
    """Per pair of parties of the bundle's one-applicant-one-debtor cases: what each owes the
    other, the balance, and the bundle's totals."""
    rows = []
    for start in range(0, len(bundle.cases), CHUNK):
        chunk = list(bundle.case_ids[start : start + CHUNK])
        rows += conn.execute(
            select(
                PARTIES.c.id, PARTIES.c.case_id, PARTIES.c.role, PARTIES.c.name, PARTIES.c.name_key, PARTIES.c.id_number
            )
            .where(PARTIES.c.case_id.in_(chunk))
            .order_by(PARTIES.c.id)
        ).all()
    # who is who: the same rule as the ties (equal ID numbers; a name group with a party without one)
    same = _Sets()
    by_id: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list] = defaultdict(list)
    for r in rows:
        same.find(r.id)
        if r.id_number:
            by_id[r.id_number].append(r.id)
        by_name[r.name_key].append(r)
    for ids in by_id.values():
        for other in ids[1:]:
            same.union(ids[0], other)
    for group in by_name.values():
        if any(r.id_number is None for r in group):
            for r in group[1:]:
                same.union(group[0].id, r.id)
    shown: dict[int, str] = {}
    for r in rows:
        shown.setdefault(same.find(r.id), r.name)
    roles: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    for r in rows:
        roles[r.case_id][0 if r.role == "applicant" else 1].append(same.find(r.id))
    owes: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)  # (debtor, creditor) → amount
    not_offset = []
    gross = ZERO
    for c in bundle.cases:
        applicants, debtors = roles[c.case_id]
        if len(applicants) != 1 or len(debtors) != 1:
            not_offset.append(c.case_id)
            continue
        owes[(debtors[0], applicants[0])] += c.owed
        gross += c.owed
    offsets = []
    for one, other in sorted({tuple(sorted(k)) for k in owes}, key=lambda p: (shown[p[0]], shown[p[1]])):
        a_owes, b_owes = owes.get((one, other), ZERO), owes.get((other, one), ZERO)
        payer, payee = (one, other) if a_owes >= b_owes else (other, one)
        payer_owes, payee_owes = max(a_owes, b_owes), min(a_owes, b_owes)
        offsets.append(Offset(shown[payer], shown[payee], payer_owes, payee_owes, payer_owes - payee_owes))
    net = sum((o.balance for o in offsets), ZERO)
    return Bundle(bundle.cases, bundle.ties, tuple(offsets), gross, net, tuple(not_offset))


def related_bundles(db: Database) -> list[Bundle]:
    """Every bundle of related open cases, the largest first."""
    with db.engine.connect() as conn:
        rows = _shared_debtor_rows(conn, None) + _mutual_rows(conn, None)
        return _bundles_from(conn, rows)


def bundle_of(db: Database, case_id: int) -> Bundle | None:
    """The bundle of one case (None if it has no related open case): the same ties, followed
    from the case outwards until no new case turns up."""
    with db.engine.connect() as conn:
        found, frontier, rows = {case_id}, [case_id], []
        while frontier:
            new: set[int] = set()
            for start in range(0, len(frontier), CHUNK):
                chunk = frontier[start : start + CHUNK]
                step = _shared_debtor_rows(conn, chunk) + _mutual_rows(conn, chunk)
                rows += step
                new |= {r[2] for r in step} - found
            found |= new
            frontier = sorted(new)
        bundles = _bundles_from(conn, rows)
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
