"""Node materialisation: the node instances the catalogue's triggers call for (DOMAIN.md §4).

The triggers on source rows (per case at filing, per fund / asset / frozen account / lead,
at closing, repeating nodes once per period begun) are one ``INSERT … SELECT … ON
CONFLICT`` over the whole court (or over the cases in scope), the nodes that start after
the completion of another node a second.  ``event`` nodes exist only when the case system
reports them.

Rows a case system reported (``source='imported'``) or an officer entered (``'manual'``)
are never touched here; a materialised row follows its source (a fund's arrival, a lead's
control…) and has its due date cleared when its start moves, so the recompute works it out
again.  Closing a case stops its open pre-closing nodes, and a closed case gets no new ones.

A node exists only for the case types its catalogue card names (DOMAIN.md §8: no 首次接待 for
a 执异 case).  A materialised node of a case whose type no longer takes it (the type was
corrected) is removed while open; a completed one stays as history, and an imported one
stays as the court reported it (the case system said the node exists: it counts).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import (
    Connection,
    String,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.sql.elements import Null
from sqlalchemy.sql.expression import ColumnElement, CompoundSelect, Select

from command_center.data.bulk import changed_rows, insert_for
from command_center.data.catalogue import Catalogue, NodeDef, TriggerKind
from command_center.data.deadlines import CLOSED_BY_CLOSING, SEAL_ENDED, repeat_subject, stops_at_closing
from command_center.data.sqlcal import add_months, start_of_local_day
from command_center.data.tables import ACCOUNTS, ASSETS, CASES, FUNDS, LEADS, NODES
from command_center.data.workcal import Unit
from command_center.data.workcal import add_months as py_add_months

#: What completes a materialised node of the reference catalogue, by trigger subject.
FUND_COMPLETIONS = {"N34": FUNDS.c.claimed_at, "N38": FUNDS.c.disbursed_at}
LEAD_COMPLETIONS = {"N08": LEADS.c.control_started_at}
ASSET_COMPLETIONS = {"N21": start_of_local_day(ASSETS.c.evaluation_started_on)}
COLUMNS = ["case_id", "node_code", "subject_id", "started_at", "completed_at", "source", "provisional"]

Scope = Callable[[ColumnElement], ColumnElement[bool]]


def _codes(codes):
    """A one-column row source of node codes (portable: SQLite has no column aliases on VALUES)."""
    return union_all(*[select(literal(code, String(8)).label("code")) for code in codes]).subquery("codes")


def _completion(code_column, completions: dict) -> ColumnElement:
    if not completions:
        return null()
    return case(*[(code_column == code, value) for code, value in completions.items()], else_=null())


def _upsert(
    conn: Connection, candidates: Select | CompoundSelect, codes: list[str], completing: tuple[str, ...] = ()
) -> int:
    """Insert missing rows; re-derive materialised rows whose start (or completion) moved.

    The candidates are first compared with the rows already there (an outer join on the
    key) and only the missing or moved ones reach the ``INSERT … ON CONFLICT``: on
    PostgreSQL a conflicting row is locked even when the update's condition then declines
    it, and locking every node of the court made a rebuild write (and log) every page.
    ``codes`` are the node codes the candidates may have: only those rows are compared."""
    cand = candidates.subquery("cand")
    old = NODES.alias("old")
    moved = [old.c.started_at.is_distinct_from(cand.c.started_at)]
    if completing:
        moved.append(and_(cand.c.node_code.in_(completing), old.c.completed_at.is_distinct_from(cand.c.completed_at)))
    needed = (
        select(*[cand.c[name] for name in COLUMNS])
        .select_from(
            cand.outerjoin(
                old,
                and_(
                    old.c.case_id == cand.c.case_id,
                    old.c.node_code == cand.c.node_code,
                    old.c.subject_id == cand.c.subject_id,
                    old.c.node_code.in_(codes),
                ),
            )
        )
        .where(or_(old.c.id.is_(None), and_(old.c.source == "materialised", or_(*moved))))
    )
    stmt = insert_for(conn, NODES).from_select(COLUMNS, needed)
    new = stmt.excluded
    changed = [NODES.c.started_at.is_distinct_from(new.started_at)]
    completed = NODES.c.completed_at
    if completing:
        changed.append(and_(new.node_code.in_(completing), NODES.c.completed_at.is_distinct_from(new.completed_at)))
        completed = case((new.node_code.in_(completing), new.completed_at), else_=NODES.c.completed_at)
    stmt = stmt.on_conflict_do_update(
        index_elements=["case_id", "node_code", "subject_id"],
        set_={"started_at": new.started_at, "completed_at": completed, "due_date": null(), "due_at": null()},
        where=and_(NODES.c.source == "materialised", or_(*changed)),
    )
    return changed_rows(conn, stmt)


def _row(case_id, code, subject, started, completed) -> list:
    if isinstance(completed, Null):  # typed, or PostgreSQL reads the candidates' NULL as text
        completed = cast(completed, NODES.c.completed_at.type)
    values = [case_id, code, subject, started, completed, literal("materialised"), false()]
    return [value.label(name) for value, name in zip(values, COLUMNS, strict=True)]


def _open_case_or_not_stopping(catalogue: Catalogue, code_column) -> ColumnElement[bool]:
    """A closed case gets no new pre-closing node (but its term or review, which closing completes)."""
    stopping = [n.code for n in catalogue if stops_at_closing(n) and n.code not in CLOSED_BY_CLOSING]
    return or_(CASES.c.closed_on.is_(None), code_column.not_in(stopping))


def applies(catalogue: Catalogue, code_column, case_type_column) -> ColumnElement[bool]:
    """The node of ``code_column`` applies to a case of ``case_type_column`` (DOMAIN.md §8): one
    ``IN`` pair per distinct set of case types in the catalogue (a handful)."""
    groups = catalogue.type_groups()
    if set(groups) == {()}:
        return true()
    return or_(
        *[
            code_column.in_(codes) if not types else and_(code_column.in_(codes), case_type_column.in_(types))
            for types, codes in groups.items()
        ]
    )


def seal_ended(assets) -> ColumnElement[bool]:
    """The asset is disposed of or released (its 处置状态 is one of :data:`SEAL_ENDED`)."""
    return func.coalesce(func.trim(assets.c.disposal_status), "").in_(SEAL_ENDED)


def materialise(conn: Connection, catalogue: Catalogue, today, scope: Scope) -> int:
    """Create and re-derive node instances; returns the rows written.

    Every trigger on a source row (filing, fund, asset, account, lead, closing) is one
    candidate set; their union is compared with the node table once and written by one
    statement.  The followers come after, so a node completed as it is materialised (a
    fund already claimed) starts its follower in the same run."""
    by_kind: dict[TriggerKind, list[NodeDef]] = {}
    for node in catalogue:
        by_kind.setdefault(node.trigger.kind, []).append(node)
    candidates: list[Select] = []
    completing: list[str] = []

    if filing := by_kind.get(TriggerKind.FILING):
        codes = _codes(n.code for n in filing)
        closed_by_closing = sorted(CLOSED_BY_CLOSING & {n.code for n in filing})
        term_done = start_of_local_day(CASES.c.closed_on)
        completed = case((codes.c.code.in_(closed_by_closing), term_done), else_=null())
        candidates.append(
            select(*_row(CASES.c.id, codes.c.code, literal(""), start_of_local_day(CASES.c.filed_on), completed))
            .select_from(CASES.join(codes, true()))
            .where(
                scope(CASES.c.id),
                _open_case_or_not_stopping(catalogue, codes.c.code),
                applies(catalogue, codes.c.code, CASES.c.case_type),
            )
        )
        completing += closed_by_closing

    if fund := by_kind.get(TriggerKind.FUND):
        codes = _codes(n.code for n in fund)
        completions = {c: v for c, v in FUND_COMPLETIONS.items() if c in {n.code for n in fund}}
        candidates.append(
            select(
                *_row(
                    FUNDS.c.case_id,
                    codes.c.code,
                    FUNDS.c.fund_id,
                    FUNDS.c.arrived_at,
                    _completion(codes.c.code, completions),
                )
            )
            .select_from(FUNDS.join(codes, true()).join(CASES, CASES.c.id == FUNDS.c.case_id))
            .where(
                scope(FUNDS.c.case_id),
                _open_case_or_not_stopping(catalogue, codes.c.code),
                applies(catalogue, codes.c.code, CASES.c.case_type),
            )
        )
        completing += completions

    if asset := by_kind.get(TriggerKind.ASSET):
        codes = _codes(n.code for n in asset)
        kinds = [
            and_(codes.c.code == n.code, ASSETS.c.kind.in_(n.trigger.only))
            if n.trigger.only
            else codes.c.code == n.code
            for n in asset
        ]
        completions = {c: v for c, v in ASSET_COMPLETIONS.items() if c in {n.code for n in asset}}
        # a seal's renewal (N48) only while the asset is still sealed: none once disposed or released
        expiring = [n.code for n in asset if n.unit is Unit.EXPIRY]
        sealed = or_(codes.c.code.not_in(expiring), ~seal_ended(ASSETS)) if expiring else true()
        candidates.append(
            select(
                *_row(
                    ASSETS.c.case_id,
                    codes.c.code,
                    ASSETS.c.asset_id,
                    start_of_local_day(ASSETS.c.seized_on),
                    _completion(codes.c.code, completions),
                )
            )
            .select_from(ASSETS.join(codes, true()).join(CASES, CASES.c.id == ASSETS.c.case_id))
            .where(
                scope(ASSETS.c.case_id),
                or_(*kinds),
                sealed,
                _open_case_or_not_stopping(catalogue, codes.c.code),
                applies(catalogue, codes.c.code, CASES.c.case_type),
            )
        )
        completing += completions

    if account := by_kind.get(TriggerKind.ACCOUNT):
        codes = _codes(n.code for n in account)
        candidates.append(
            select(
                *_row(
                    ACCOUNTS.c.case_id,
                    codes.c.code,
                    ACCOUNTS.c.account_id,
                    start_of_local_day(ACCOUNTS.c.frozen_on),
                    null(),
                )
            )
            .select_from(ACCOUNTS.join(codes, true()).join(CASES, CASES.c.id == ACCOUNTS.c.case_id))
            .where(
                scope(ACCOUNTS.c.case_id),
                ACCOUNTS.c.released_on.is_(None),
                applies(catalogue, codes.c.code, CASES.c.case_type),
            )
        )

    if lead := by_kind.get(TriggerKind.LEAD):
        codes = _codes(n.code for n in lead)
        completions = {c: v for c, v in LEAD_COMPLETIONS.items() if c in {n.code for n in lead}}
        candidates.append(
            select(
                *_row(
                    LEADS.c.case_id,
                    codes.c.code,
                    LEADS.c.lead_id,
                    LEADS.c.reported_at,
                    _completion(codes.c.code, completions),
                )
            )
            .select_from(LEADS.join(codes, true()).join(CASES, CASES.c.id == LEADS.c.case_id))
            .where(
                scope(LEADS.c.case_id),
                _open_case_or_not_stopping(catalogue, codes.c.code),
                applies(catalogue, codes.c.code, CASES.c.case_type),
            )
        )
        completing += completions

    if closing := by_kind.get(TriggerKind.CLOSING):
        candidates.append(_closing_candidates(catalogue, closing, today, scope))

    sourced = [
        n.code
        for kind in (
            TriggerKind.FILING,
            TriggerKind.FUND,
            TriggerKind.ASSET,
            TriggerKind.ACCOUNT,
            TriggerKind.LEAD,
            TriggerKind.CLOSING,
        )
        for n in by_kind.get(kind, [])
    ]
    written = _upsert(conn, union_all(*candidates), sourced, tuple(completing)) if candidates else 0
    # One pass is enough however long the ``after:`` chains: a follower materialised here
    # starts uncompleted, so it cannot start a node of its own in this run.
    edges = [(n.trigger.after, n.code) for n in by_kind.get(TriggerKind.AFTER, [])]
    written += _materialise_followers(conn, catalogue, edges, scope)
    return written


def materialise_repeats(conn: Connection, catalogue: Catalogue, today, since, scope: Scope | None = None) -> int:
    """Repetitions whose period began after ``since`` (a day), in every case (of ``scope``): time
    alone starts them."""
    repeating = [n for n in catalogue if n.trigger.kind is TriggerKind.CLOSING and n.repeat > 1]
    if not repeating:
        return 0
    return _upsert(
        conn,
        _closing_candidates(catalogue, repeating, today, scope or (lambda column: true()), since=since),
        [n.code for n in repeating],
    )


def _closing_candidates(catalogue: Catalogue, closing: list[NodeDef], today, scope: Scope, since=None) -> Select:
    """Closing nodes; a repeating node gets one instance per period begun (R01, R02, …)."""
    parts = []
    for node in closing:
        step = node.limit if node.unit is Unit.MONTHS else 0
        for number in range(1, node.repeat + 1):
            subject = repeat_subject(number) if node.repeat > 1 else ""
            for mode in node.trigger.only or ("",):
                parts.append(
                    select(
                        literal(node.code, String(8)).label("code"),
                        literal(subject, String(64)).label("subject"),
                        literal(step * (number - 1)).label("offset"),
                        literal(mode, String(20)).label("mode"),
                    )
                )
    plan = union_all(*parts).subquery("plan")
    start_day = add_months(CASES.c.closed_on, plan.c.offset)
    mode_ok = or_(plan.c.mode == "", plan.c.mode == CASES.c.closing_mode)
    begun = start_day <= today
    if since is not None:
        # only cases whose closing day puts a period start in (since, today]: a few date
        # ranges on the indexed closed_on (widened by a few days for month-end clipping)
        offsets = sorted(
            {
                node.limit * (k - 1) if node.unit is Unit.MONTHS else 0
                for node in closing
                for k in range(1, node.repeat + 1)
            }
        )
        near = [
            CASES.c.closed_on.between(
                py_add_months(since, -o) - timedelta(days=4), py_add_months(today, -o) + timedelta(days=4)
            )
            for o in offsets
        ]
        begun = and_(begun, start_day > since, or_(*near))
    return (
        select(*_row(CASES.c.id, plan.c.code, plan.c.subject, start_of_local_day(start_day), null()))
        .select_from(CASES.join(plan, true()))
        .where(
            scope(CASES.c.id),
            CASES.c.closed_on.is_not(None),
            begun,
            mode_ok,
            applies(catalogue, plan.c.code, CASES.c.case_type),
        )
    )


def _materialise_followers(conn: Connection, catalogue: Catalogue, edges: list[tuple[str, str]], scope: Scope) -> int:
    """The ``after:`` nodes: started when the predecessor completed, same subject."""
    if not edges:
        return 0
    edge = union_all(
        *[select(literal(a, String(8)).label("after"), literal(c, String(8)).label("code")) for a, c in edges]
    ).subquery("edges")
    before = NODES.alias("before")
    return _upsert(
        conn,
        select(*_row(before.c.case_id, edge.c.code, before.c.subject_id, before.c.completed_at, null()))
        .select_from(before.join(edge, edge.c.after == before.c.node_code).join(CASES, CASES.c.id == before.c.case_id))
        .where(
            scope(before.c.case_id),
            before.c.node_code.in_(sorted({a for a, _ in edges})),
            before.c.completed_at.is_not(None),
            _open_case_or_not_stopping(catalogue, edge.c.code),
            applies(catalogue, edge.c.code, CASES.c.case_type),
        ),
        [c for _, c in edges],
    )


def stop_and_resume(conn: Connection, catalogue: Catalogue, scope: Scope, today) -> int:
    """Closing stops open pre-closing nodes; releasing an account stops its renewal node,
    disposing of or releasing an asset its seal's renewal (stopped the day this run saw it:
    the status has no date).  All are undone when the source says so again (a case reopened,
    a release withdrawn).  Open materialised nodes whose case type no longer takes them go."""
    stopping = [n.code for n in catalogue if stops_at_closing(n)]
    renewal = [n.code for n in catalogue if n.trigger.kind is TriggerKind.ACCOUNT]
    seals = [n.code for n in catalogue if n.trigger.kind is TriggerKind.ASSET and n.unit is Unit.EXPIRY]
    closed = CASES.c.closed_on
    changed = _stop_while_ended(
        conn, stopping, CASES, CASES.c.id == NODES.c.case_id, closed.is_not(None), start_of_local_day(closed), scope
    )
    if renewal:
        account = and_(ACCOUNTS.c.case_id == NODES.c.case_id, ACCOUNTS.c.account_id == NODES.c.subject_id)
        released = ACCOUNTS.c.released_on
        changed += _stop_while_ended(
            conn, renewal, ACCOUNTS, account, released.is_not(None), start_of_local_day(released), scope
        )
    if seals:
        asset = and_(ASSETS.c.case_id == NODES.c.case_id, ASSETS.c.asset_id == NODES.c.subject_id)
        day = start_of_local_day(literal(today))
        changed += _stop_while_ended(conn, seals, ASSETS, asset, seal_ended(ASSETS), day, scope)
    return changed + _remove_misfits(conn, catalogue, scope)


def _remove_misfits(conn: Connection, catalogue: Catalogue, scope: Scope) -> int:
    """Open materialised nodes whose case's type the catalogue no longer gives them to (per set
    of case types: its codes, in the cases of any other type, a semi-join on the cases)."""
    misfits = [
        and_(
            NODES.c.node_code.in_(codes), NODES.c.case_id.in_(select(CASES.c.id).where(CASES.c.case_type.not_in(types)))
        )
        for types, codes in catalogue.type_groups().items()
        if types
    ]
    if not misfits:
        return 0
    return changed_rows(
        conn,
        delete(NODES).where(
            scope(NODES.c.case_id),
            NODES.c.source == "materialised",
            NODES.c.completed_at.is_(None),
            or_(*misfits),
        ),
    )


def _stop_while_ended(conn: Connection, codes: list[str], source, link, ended, ended_at, scope: Scope) -> int:
    """Open ``codes`` nodes stop (at ``ended_at``) while their ``source`` row has ``ended``; they
    run again once it no longer has."""
    ended_at = select(ended_at).where(link).scalar_subquery()
    mine = and_(scope(NODES.c.case_id), NODES.c.node_code.in_(codes))
    stopped = changed_rows(
        conn,
        update(NODES)
        .values(stopped_at=ended_at)
        .where(
            mine,
            NODES.c.completed_at.is_(None),
            NODES.c.stopped_at.is_(None),
            select(source.c.id).where(link, ended).exists(),
        ),
    )
    resumed = changed_rows(
        conn,
        update(NODES)
        .values(stopped_at=None)
        .where(mine, NODES.c.stopped_at.is_not(None), select(source.c.id).where(link, ~ended).exists()),
    )
    return stopped + resumed
