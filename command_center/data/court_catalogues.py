"""Which courts follow which catalogue: the courts grouped by their catalogue, as SQL conditions.

A court follows the catalogue of the longest ``[courts."CODE"]`` code its own begins with that
names one, else the default (:meth:`Catalogue.for_court`).  Whatever depends on a node's card
(its limit, its window, its owner, whether the applicants hear of it) takes each case by the
group of its court: the recompute runs each catalogue-dependent phase once per group, over that
group's cases, and a read asks "a code of this kind in its case's court's catalogue" with one
condition per group.  With one catalogue, the common case, there is one group, every court,
and no condition at all: the statements are those of a one-catalogue court.

Two ways to tell a group's courts, one rule: :func:`catalogue_groups` by their codes, read
by each statement itself (the reads: a court imported later is in its group at once), and
:func:`court_groups` by the ids the ``courts`` table has now (the recompute and the import:
plain id lists for the planner, and a group without a court is left out, so a configured court
not in the database costs nothing).  In both the default's group is every court in no other
group, so a court created later without a catalogue of its own follows the default; the
recompute leaves it out when no court is in it (a city whose courts all follow their 中院's
file: one pass, over their courts).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, and_, not_, or_, select
from sqlalchemy.sql.expression import ColumnElement

from command_center.data.catalogue import Catalogue, NodeDef
from command_center.data.tables import CASES, COURTS

#: a condition on a case id column (the recompute's scopes)
Scope = Callable[[ColumnElement], ColumnElement[bool]]


@dataclass(frozen=True)
class CatalogueGroup:
    """The courts that follow one catalogue."""

    #: the catalogue (without the courts' own: :attr:`Catalogue.alone`)
    catalogue: Catalogue
    #: the condition on a court id column that keeps the group's courts; None: every court
    keeps: Callable[[ColumnElement], ColumnElement[bool]] | None = None

    def courts(self, court_id: ColumnElement) -> list[ColumnElement[bool]]:
        """The condition on a case's ``court_id`` (none when the group is every court)."""
        return [] if self.keeps is None else [self.keeps(court_id)]

    def cases(self, case_id: ColumnElement) -> list[ColumnElement[bool]]:
        """The condition on a row's ``case_id`` (nodes, funds, alerts): a semi-join on the cases
        of the group's courts, so the row table's own indexes still pick its rows."""
        if self.keeps is None:
            return []
        if case_id is CASES.c.id:
            return [self.keeps(CASES.c.court_id)]
        own = CASES.alias("group_cases")
        return [case_id.in_(select(own.c.id).where(self.keeps(own.c.court_id)))]

    def scope(self, scope: Scope) -> Scope:
        """``scope`` narrowed to the group's cases (``scope`` itself for every court)."""
        if self.keeps is None:
            return scope
        return lambda column: and_(scope(column), *self.cases(column))


def _code_conditions(catalogue: Catalogue) -> list[tuple[Catalogue, Callable[[object], ColumnElement[bool]]]]:
    """Each catalogue other than the default with the condition on a courts table's ``code``
    that keeps its courts: a court whose code begins with one of its codes and with no longer
    code of :attr:`Catalogue.courts` (that one decides)."""
    prefixes = [prefix for prefix, _ in catalogue.courts]
    by_path: dict[str, tuple[Catalogue, list[tuple[str, list[str]]]]] = {}
    for prefix, own in catalogue.courts:
        if own.path != catalogue.path:
            longer = [p for p in prefixes if len(p) > len(prefix) and p.startswith(prefix)]
            by_path.setdefault(own.path, (own, []))[1].append((prefix, longer))

    def condition(members: list[tuple[str, list[str]]]) -> Callable[[object], ColumnElement[bool]]:
        def where(courts) -> ColumnElement[bool]:
            code = courts.c.code
            return or_(
                *[
                    and_(
                        code.startswith(prefix, autoescape=True),
                        *[~code.startswith(p, autoescape=True) for p in longer],
                    )
                    for prefix, longer in members
                ]
            )

        return where

    return [(own, condition(members)) for own, members in by_path.values()]


def _by_code(where: Callable[[object], ColumnElement[bool]]) -> Callable[[ColumnElement], ColumnElement[bool]]:
    """The condition on a court id: one of the courts ``where`` keeps, read by the statement."""

    def keeps(court_id: ColumnElement) -> ColumnElement[bool]:
        courts = COURTS.alias("group_courts")
        return court_id.in_(select(courts.c.id).where(where(courts)))

    return keeps


def catalogue_groups(catalogue: Catalogue) -> tuple[CatalogueGroup, ...]:
    """The courts of each catalogue by their codes (read by each statement), the default's first."""
    others = _code_conditions(catalogue)
    if not others:
        return (CatalogueGroup(catalogue.alone),)
    return (
        CatalogueGroup(catalogue.alone, _by_code(lambda courts: not_(or_(*[where(courts) for _, where in others])))),
        *[CatalogueGroup(own, _by_code(where)) for own, where in others],
    )


def court_groups(conn: Connection, catalogue: Catalogue) -> tuple[CatalogueGroup, ...]:
    """The courts of each catalogue by the ids the ``courts`` table has now, the default's first;
    a catalogue no court of the database follows is left out (one group, every court, when only
    the default is followed), the default's too when every court has another (a city whose
    catalogue is its 中院's, ``[courts."内04"]``: one group, its courts)."""
    groups: list[CatalogueGroup] = []
    taken: list[int] = []
    for own, where in _code_conditions(catalogue):
        ids = sorted(conn.execute(select(COURTS.c.id).where(where(COURTS))).scalars())
        if ids:
            groups.append(CatalogueGroup(own, _in(ids)))
            taken += ids
    if not groups:
        return (CatalogueGroup(catalogue.alone),)
    if conn.execute(select(COURTS.c.id).where(COURTS.c.id.not_in(taken)).limit(1)).first() is None:
        return tuple(groups)
    return (CatalogueGroup(catalogue.alone, _not_in(sorted(taken))), *groups)


def _in(ids: Collection[int]) -> Callable[[ColumnElement], ColumnElement[bool]]:
    return lambda court_id: court_id.in_(list(ids))


def _not_in(ids: Collection[int]) -> Callable[[ColumnElement], ColumnElement[bool]]:
    return lambda court_id: court_id.not_in(list(ids))


def differing(groups: Sequence[CatalogueGroup], key: Callable[[Catalogue], Hashable]) -> Sequence[CatalogueGroup]:
    """``groups``, or one group of every court with the first's catalogue when every group's
    catalogue gives the same ``key`` (the owners, the applicants' nodes …): what depends on
    that alone is then one statement, as with one catalogue."""
    if len({key(group.catalogue) for group in groups}) <= 1:
        return (CatalogueGroup(groups[0].catalogue),)
    return groups


def per_court(
    groups: Sequence[CatalogueGroup],
    build: Callable[[Catalogue], ColumnElement[bool]],
    *,
    key: Callable[[Catalogue], Hashable],
    court_id: ColumnElement | None = None,
    case_id: ColumnElement | None = None,
) -> ColumnElement[bool]:
    """``build(catalogue)`` of each row's court's catalogue, the court told by the case's
    ``court_id`` or the row's ``case_id``: one condition per group, or ``build`` of the
    default's alone when the groups agree on ``key`` (:func:`differing`)."""
    groups = differing(groups, key)
    if len(groups) == 1:
        return build(groups[0].catalogue)
    return or_(
        *[
            and_(*(group.courts(court_id) if court_id is not None else group.cases(case_id)), build(group.catalogue))
            for group in groups
        ]
    )


def codes_where(
    groups: Sequence[CatalogueGroup],
    code: ColumnElement,
    which: Callable[[NodeDef], bool],
    *,
    court_id: ColumnElement | None = None,
    case_id: ColumnElement | None = None,
) -> ColumnElement[bool]:
    """``code`` is the code of a node ``which`` picks in its court's catalogue (``code IN (…)``
    alone when the catalogues agree on those codes)."""

    def codes(catalogue: Catalogue) -> tuple[str, ...]:
        return tuple(node.code for node in catalogue if which(node))

    return per_court(
        groups, lambda catalogue: code.in_(codes(catalogue)), key=codes, court_id=court_id, case_id=case_id
    )
