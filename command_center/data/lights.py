"""A case's light (红黄蓝): the tier of its worst open overdue node, worked out in one place.

A case's worst node is its open overdue node due first (then by code and subject); the
case's light is that node's tier (red, yellow, blue, or plain ``overdue`` under a month),
and only an open case has one.  The wall's panels and figures, ``command-center
indicators``, the brief (as of any instant) and the case lists all take it from here, so
they cannot disagree.

The nodes are grouped per case from the open-node index alone and only then joined with
``cases`` by key: the join is per case, not per node.  Where a caller needs to know which
node is the worst, for every case (a case list) the nodes are ranked per case instead, and
for a few listed cases (the wall's panels) it is looked up among the nodes due on their
worst date.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, null, select
from sqlalchemy.sql.expression import ColumnElement, Subquery

from command_center.data.courts import Scope, of_case_ids
from command_center.data.rules import Rules, open_node
from command_center.data.tables import CASES, NODES

#: the lights, worst first (a case overdue under a month has none)
TIERS = ("red", "yellow", "blue")


def case_lights(
    rules: Rules,
    *,
    nodes_open: ColumnElement[bool] | None = None,
    case_open: ColumnElement[bool] | None = None,
    lit_only: bool = False,
    open_only: bool = False,
    with_node: bool = False,
    courts: Scope = None,
) -> Subquery:
    """Each case with an open overdue node: ``case_id``, ``team_id``, ``court_id``, ``overdue``
    (how many such nodes), ``worst`` (the earliest due date among them) and ``tier`` (the case's light;
    NULL when the case is not open).

    ``nodes_open`` / ``case_open``: what counts as an open node and an open case (default:
    open now; the brief passes "open at that instant").  ``lit_only`` keeps the nodes due on
    or before ``blue_from``: the cases with a light, and only the range of the open-due index
    that can give one.  ``open_only`` leaves out the cases that are not open.

    ``with_node`` also names the worst node (``node_code``, ``subject_id``; ``overdue`` is then
    NULL): the nodes are ranked per case by a window instead of grouped, which a list of every
    open case needs (looking each worst node up again after grouping took SQLite 26 s for
    a page of 100,000 cases, against 0.3 s ranked), and which costs the wall's counts twice
    the grouping.  ``courts``: only the cases of those courts (:mod:`.courts`; None: every court)."""
    n = NODES
    where = [nodes_open if nodes_open is not None else open_node(n), rules.overdue(n)]
    where += of_case_ids(n.c.case_id, courts)
    if lit_only:
        where.append(rules.lit(n))
    if with_node:
        ranked = (
            select(
                n.c.case_id,
                n.c.node_code,
                n.c.subject_id,
                n.c.due_date,
                func.row_number()
                .over(partition_by=n.c.case_id, order_by=(n.c.due_date, n.c.node_code, n.c.subject_id))
                .label("rank"),
            )
            .where(*where)
            .subquery()
        )
        # ``rank <= 1`` rather than ``rank = 1``: the same rows, but PostgreSQL guesses a third
        # of the ranked rows instead of 0.5% of them; with the low guess it joined a case list
        # by a nested loop (840 ms instead of 60 ms at 100,000 cases sorted by officer)
        first = ranked.c.rank <= 1
        per_case, node = ranked, [ranked.c.node_code, ranked.c.subject_id]
        worst, overdue = ranked.c.due_date, null()
    else:
        first = None
        per_case = (
            select(n.c.case_id, func.count().label("overdue"), func.min(n.c.due_date).label("worst"))
            .where(*where)
            .group_by(n.c.case_id)
            .subquery()
        )
        node, worst, overdue = [], per_case.c.worst, per_case.c.overdue
    is_open = case_open if case_open is not None else CASES.c.closed_on.is_(None)
    tier = rules.tier(worst) if open_only else case((is_open, rules.tier(worst)), else_=null())
    query = select(
        per_case.c.case_id,
        CASES.c.team_id,
        CASES.c.court_id,
        overdue.label("overdue"),
        worst.label("worst"),
        tier.label("tier"),
        *node,
    ).select_from(per_case.join(CASES, CASES.c.id == per_case.c.case_id))
    if first is not None:
        query = query.where(first)
    if open_only:
        query = query.where(is_open)
    return query.subquery("case_lights")


def worst_node_of(lights, rules: Rules, *, lit_only: bool = False, columns=()) -> Subquery:
    """The worst node of each row of ``lights`` (a selection of :func:`case_lights` rows, or
    anything with their ``case_id``, ``worst`` and ``tier``): ``case_id``, ``tier``,
    ``node_code``, ``subject_id``, ``due_date``, plus ``columns`` of ``lights`` passed through."""
    n = NODES
    where = [open_node(n), rules.overdue(n)]
    if lit_only:
        where.append(rules.lit(n))
    candidates = (
        select(
            lights.c.case_id,
            lights.c.tier,
            *[lights.c[c] for c in columns],
            n.c.node_code,
            n.c.subject_id,
            n.c.due_date,
            func.row_number()
            .over(partition_by=lights.c.case_id, order_by=(n.c.node_code, n.c.subject_id))
            .label("rank"),
        )
        .select_from(lights.join(n, and_(n.c.case_id == lights.c.case_id, n.c.due_date == lights.c.worst)))
        .where(*where)
        .subquery()
    )
    return (
        select(
            candidates.c.case_id,
            candidates.c.tier,
            *[candidates.c[c] for c in columns],
            candidates.c.node_code,
            candidates.c.subject_id,
            candidates.c.due_date,
        )
        .where(candidates.c.rank <= 1)
        .subquery("worst_nodes")
    )


def worst_nodes(rules: Rules, *, lit_only: bool = False) -> Subquery:
    """Per open case with an overdue open node: that node and the case's light (``case_id``,
    ``tier``, ``node_code``, ``subject_id``, ``due_date``); ``lit_only``: the cases with a light."""
    lights = case_lights(rules, lit_only=lit_only, open_only=True, with_node=True)
    return select(
        lights.c.case_id, lights.c.tier, lights.c.node_code, lights.c.subject_id, lights.c.worst.label("due_date")
    ).subquery("worst_nodes")
