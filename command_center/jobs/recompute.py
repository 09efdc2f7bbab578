"""The recompute: nodes, due dates, alerts and their notifications, in one transaction.

1. ``calendar_days`` follows the working-day calendar; when it changed, the due date of
   every node of the court is worked out again (the nodes themselves do not depend on it).
2. The cases to re-derive are those marked in ``dirty_cases`` by the database triggers
   (any write to a case, its funds, assets, accounts, leads, suspensions or node inputs),
   plus those with an open-ended suspension (their term moves every day).  Their node
   instances are materialised from the catalogue triggers (:mod:`.materialise`), closing
   stops their open pre-closing nodes, and once a day the repetitions whose period began
   (N47 R02…) are added court-wide.
3. Due dates (:mod:`.dues`) of every node of those cases (of the whole court after a
   rebuild or a new calendar: one read of the node table against a lookup by code and
   start day, writing only the nodes whose due date differs).
4. Alerts, court-wide, as of ``now``: the open nodes that are overdue or due soon are
   gathered into a temporary table; alerts are then updated, re-opened, inserted and
   resolved against it by their identity (case, node, subject).  A tier change is recorded
   as an action and resets the response the new tier demands.
5. Notifications go into the outbox in the same transaction (deduplicated by key).

Courts with a catalogue of their own (``[courts."CODE"]``) are grouped by catalogue
(:mod:`command_center.data.court_catalogues`): the phases that read the catalogue (the nodes,
their stops, their due dates, the due-soon windows, who a message goes to and which
completions the applicants hear of) take each case by its court's; with one catalogue there is
one group, every court, and the statements are the one-catalogue ones.

Everything runs in one transaction: a failure anywhere leaves the previous state intact.
On PostgreSQL the run takes a transaction-level advisory lock, so two recomputes never
interleave, and sends ``NOTIFY command_center`` for the screens when it commits.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    null,
    select,
    text,
    true,
    union,
    update,
)
from sqlalchemy.sql.expression import ColumnElement

from command_center.data import state, wall_counts
from command_center.data.alerts import LAST_RECOMPUTE
from command_center.data.bulk import changed_rows, insert_for
from command_center.data.catalogue import Catalogue
from command_center.data.court_catalogues import CatalogueGroup, court_groups, differing
from command_center.data.engine import Database, announce_change
from command_center.data.lights import case_lights
from command_center.data.locks import lock_red_cases
from command_center.data.owners import covers_court, owner_key, owns
from command_center.data.rules import Rules, open_node
from command_center.data.sqlcal import json_object, sync_calendar
from command_center.data.tables import (
    ACTIONS,
    ALERTS,
    CASES,
    DIRTY,
    NODES,
    OFFICERS,
    OUTBOX,
    OUTBOX_QUEUED,
    PARTIES,
    SUSPENSIONS,
    WALL_CASES,
)
from command_center.data.types import AwareDateTime
from command_center.data.workcal import WorkCalendar
from command_center.jobs.dues import recompute_dues
from command_center.jobs.escalate import escalate
from command_center.jobs.materialise import (
    materialise,
    materialise_repeats,
    stop_and_resume,
)

#: transaction-level advisory lock key of the recompute (PostgreSQL)
LOCK_KEY = 0x43430001
#: PostgreSQL memory per hash or sort of the recompute (the server's default is 4 MB): a
#: rebuild at 1,000,000 cases compares 11 M candidate nodes in one hash; with 256 MB it
#: spilled to disk in batches (60 s instead of 55 s).  Only one recompute runs at a time.
WORK_MEM = "1GB"
COMPLETED_WATERMARK = "notify_completed_after"
REPEATS_THROUGH = "repeats_materialised_through"

_temp = MetaData()
DESIRED = Table(
    "cc_desired_alerts",
    _temp,
    Column("node_instance_id", Integer),
    Column("case_id", Integer),
    Column("node_code", String(8)),
    Column("subject_id", String(64)),
    Column("rule", String(10)),
    Column("tier", String(10)),
    Column("due_date", Date),
    prefixes=["TEMPORARY"],
)
#: the alerts to change: ``new`` (no alert yet: ``alert_id`` empty), ``changed`` (rule or tier),
#: ``reopened`` (was resolved), ``cleared`` (condition gone: only ``alert_id``)
CHANGES = Table(
    "cc_alert_changes",
    _temp,
    Column("alert_id", Integer),
    Column("change", String(10)),
    *[Column(col.name, col.type) for col in DESIRED.c],
    prefixes=["TEMPORARY"],
)
#: the dirty marks this run has seen (removed at its end if no newer mark came in)
SEEN = Table("cc_seen_cases", _temp, Column("case_id", Integer), Column("version", Integer), prefixes=["TEMPORARY"])
#: the cases whose due dates a whole-court pass wrote
TOUCHED = Table("cc_touched_cases", _temp, Column("case_id", Integer), prefixes=["TEMPORARY"])


@dataclass(frozen=True)
class RecomputeResult:
    now: datetime
    calendar_changed: bool
    nodes_written: int
    nodes_stopped: int
    dues_changed: int
    opened: int
    reopened: int
    resolved: int
    tier_changes: int
    messages: int
    seconds: float
    #: active (not resolved) alerts after the run: ``due_soon`` and each overdue tier
    counts: dict[str, int] = field(default_factory=dict)
    locked: int = 0  # cases locked (程序锁死) because they turned red
    escalated: int = 0  # alerts nobody acted on that climbed a step (jobs/escalate.py)

    def as_dict(self) -> dict:
        return {
            "now": self.now.isoformat(),
            "calendar_changed": self.calendar_changed,
            "nodes_written": self.nodes_written,
            "nodes_stopped": self.nodes_stopped,
            "dues_changed": self.dues_changed,
            "opened": self.opened,
            "reopened": self.reopened,
            "resolved": self.resolved,
            "tier_changes": self.tier_changes,
            "messages": self.messages,
            "seconds": round(self.seconds, 3),
            "counts": self.counts,
            "locked": self.locked,
            "escalated": self.escalated,
        }


def _first_of_every_case(conn: Connection, case_ids: list[int]) -> bool:
    """Whether a run of some cases was, in fact, of every case, before any whole-court run: the
    recompute after a new court's first import.  Every alert is as of it then (the alerts'
    lists would otherwise warn that they are as of a recompute that never ran)."""
    if state.read(conn, LAST_RECOMPUTE) is not None:
        return False
    return conn.execute(select(func.count()).select_from(CASES)).scalar_one() <= len(set(case_ids))


def recompute(
    db: Database,
    catalogue: Catalogue,
    calendar: WorkCalendar,
    now: datetime,
    *,
    cases: Sequence[int] | None = None,
    rebuild: bool = False,
    fence=None,
    escalate_after: int | None = None,
) -> RecomputeResult:
    """Recompute the court (or only ``cases``) as of ``now``, in one transaction.

    ``rebuild`` re-derives every case, not only the marked ones (the cure for anything written
    past the triggers); ``fence`` is called with the connection last, just before the commit
    (the scheduler's lease fence), and may raise to abandon the run; ``escalate_after``: alerts
    nobody acted on for that many working days climb a step (:mod:`.escalate`; None: never).
    """
    started = time.perf_counter()
    case_ids = list(cases) if cases is not None else None

    def alert_scope(column) -> ColumnElement[bool]:
        return column.in_(case_ids) if case_ids is not None else true()

    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            conn.execute(text("SET LOCAL command_center.recompute = 'on'"))  # our own writes mark no case
            # a whole-court pass hashes millions of candidate nodes: in memory, not in batches on disk
            conn.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
            # the planner's costs of the few-thousand-row statements pass jit_above_cost, and
            # compiling costs them more than it saves (0.3 s each at 1,000,000 cases); the
            # passes over the whole node table turn it on for themselves
            conn.execute(text("SET LOCAL jit = off"))
        calendar_changed = sync_calendar(conn, calendar)
        # a rebuild re-derives every case; a new calendar moves due dates only, but of the whole
        # court, even when this run was asked for a few cases (the next run would not see it)
        everything = rebuild and case_ids is None
        all_dues = everything or calendar_changed
        # the cases whose facts changed (marked by triggers): only they are re-derived
        SEEN.drop(conn, checkfirst=True)
        SEEN.create(conn)
        conn.execute(SEEN.insert().from_select(["case_id", "version"], select(DIRTY.c.case_id, DIRTY.c.version)))
        # an open-ended suspension moves the case term every day, whatever was written
        # (version 0 never matches a mark, so these cases are not unmarked by this run)
        conn.execute(
            SEEN.insert().from_select(
                ["case_id", "version"],
                select(SUSPENSIONS.c.case_id, literal(0))
                .where(
                    SUSPENSIONS.c.to_date.is_(None),
                    ~select(DIRTY.c.case_id).where(DIRTY.c.case_id == SUSPENSIONS.c.case_id).exists(),
                )
                .distinct(),
            )
        )
        conn.execute(text(f"CREATE INDEX ix_cc_seen_cases ON {SEEN.name} (case_id, version)"))
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"ANALYZE {SEEN.name}"))

        def scope(column, *, facts_changed: bool = False) -> ColumnElement[bool]:
            """The cases this run re-derives (``facts_changed``: only those whose facts were
            written, not those in scope only for a suspension that runs on)."""
            if case_ids is not None:
                return column.in_(case_ids)
            if everything:
                return true()
            return column.in_(
                select(SEEN.c.case_id).where(SEEN.c.version != 0) if facts_changed else select(SEEN.c.case_id)
            )

        def facts_scope(column) -> ColumnElement[bool]:
            return scope(column, facts_changed=True)

        # the courts of each catalogue, read after the marks: a marked case's court is there
        groups = court_groups(conn, catalogue)
        rules = Rules.at(now, catalogue, calendar, groups)
        # the nodes follow the facts alone (the repetitions whose period began are added below)
        written = sum(materialise(conn, g.catalogue, rules.today, g.scope(facts_scope)) for g in groups)
        # the nodes written past this id are the repetitions begun today, in any case
        last_node = conn.execute(select(func.max(NODES.c.id))).scalar_one() or 0
        begun = 0
        if case_ids is None:
            begun = _periods_begun(conn, groups, rules.today)
            written += begun
        stopped = sum(stop_and_resume(conn, g.catalogue, g.scope(facts_scope), rules.today) for g in groups)

        dues = 0
        # the cases whose due dates were written (their wall counts follow below)
        TOUCHED.drop(conn, checkfirst=True)
        TOUCHED.create(conn)

        def touched(ids) -> None:
            conn.execute(TOUCHED.insert().from_select(["case_id"], ids))

        for g in groups:
            if all_dues:
                dues += recompute_dues(conn, g.catalogue, rules.today, within=g.cases, touched=touched)
            else:
                dues += recompute_dues(
                    conn, g.catalogue, rules.today, lambda n: scope(n.c.case_id), within=g.cases, touched=touched
                )
        # the wall's counts (data/wall_counts.py) of every case whose nodes this run may have
        # written: those it re-derived, those a whole-court due-date pass changed, those given a
        # repetition; a rebuild may have written any case's nodes, and writes them all again
        if everything:
            wall_counts.refresh(conn)
        else:
            parts = (
                [
                    select(CASES.c.id).where(CASES.c.id.in_(case_ids)),
                    select(WALL_CASES.c.case_id).where(WALL_CASES.c.case_id.in_(case_ids)),  # removed ones too
                ]
                if case_ids is not None
                else [select(SEEN.c.case_id).where(SEEN.c.version != 0)]  # not those only for a suspension
            )
            parts.append(select(TOUCHED.c.case_id))  # whose due dates moved (a suspension's term, a new calendar)
            if begun:
                parts.append(select(NODES.c.case_id).where(NODES.c.id > last_node))
            wall_counts.refresh(conn, parts[0] if len(parts) == 1 else union(*parts))
        TOUCHED.drop(conn)
        outcome = _alerts(conn, rules, alert_scope)
        locked = lock_red_cases(conn, now, alert_scope)
        messages = _enqueue(conn, rules, alert_scope, advance_watermark=case_ids is None)
        escalated = 0
        if escalate_after is not None:
            escalated = escalate(conn, calendar, now, rules.today, escalate_after, alert_scope)
        counts = _counts(conn)
        # PostgreSQL: a mark made by another writer meanwhile has a newer version and stays;
        # SQLite: nobody else could write during this transaction, every newer mark is ours
        seen = select(SEEN.c.case_id).where(
            SEEN.c.case_id == DIRTY.c.case_id,
            SEEN.c.version == DIRTY.c.version if conn.dialect.name == "postgresql" else true(),
        )
        conn.execute(delete(DIRTY).where(seen.exists(), scope(DIRTY.c.case_id)))
        SEEN.drop(conn)
        if case_ids is None or _first_of_every_case(conn, case_ids):
            state.write(conn, LAST_RECOMPUTE, now.isoformat())
        announce_change(conn, now.isoformat())
        if fence is not None:
            fence(conn)  # last: the run commits only while the lease is still ours
    return RecomputeResult(
        now,
        calendar_changed,
        written,
        stopped,
        dues,
        *outcome,
        messages,
        time.perf_counter() - started,
        counts,
        locked,
        escalated,
    )


def _periods_begun(conn: Connection, groups: Sequence[CatalogueGroup], today) -> int:
    """Once a day: repetitions (N47 R02…) whose period began since the last day this ran."""
    last = state.read(conn, REPEATS_THROUGH)
    if last is not None and date.fromisoformat(last) >= today:
        return 0
    since = date.fromisoformat(last) if last else None
    written = sum(materialise_repeats(conn, g.catalogue, today, since, g.scope(_everywhere)) for g in groups)
    state.write(conn, REPEATS_THROUGH, today.isoformat())
    return written


def _everywhere(column) -> ColumnElement[bool]:
    return true()


def _key(a, d) -> ColumnElement[bool]:
    return and_(a.c.case_id == d.c.case_id, a.c.node_code == d.c.node_code, a.c.subject_id == d.c.subject_id)


def _alerts(conn: Connection, rules: Rules, scope) -> tuple[int, int, int, int]:
    """Bring the alerts table in line with the nodes; returns (opened, reopened, resolved, tier changes)."""
    now = literal(rules.now, AwareDateTime())
    DESIRED.drop(conn, checkfirst=True)
    DESIRED.create(conn)
    n = NODES
    overdue = rules.overdue(n)
    conn.execute(
        DESIRED.insert().from_select(
            [c.name for c in DESIRED.c],
            select(
                n.c.id,
                n.c.case_id,
                n.c.node_code,
                n.c.subject_id,
                case((overdue, literal("overdue")), else_=literal("due_soon")),
                case((overdue, rules.tier(n.c.due_date)), else_=null()),
                n.c.due_date,
            )
            # the bound on due_at makes it one range of the open-due index, which also holds the id
            .where(
                scope(n.c.case_id),
                open_node(n),
                n.c.due_at <= literal(rules.latest_soon, AwareDateTime()),
                overdue | rules.due_soon(n),
            ),
        )
    )
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {DESIRED.name}"))
    else:  # SQLite looks the live alerts up in it (PostgreSQL hashes it)
        conn.execute(text(f"CREATE UNIQUE INDEX ix_cc_desired_key ON {DESIRED.name} (case_id, node_code, subject_id)"))
    a, d, c = ALERTS, DESIRED, CHANGES

    # what differs, gathered once (two joins of the alerts with the desired ones); every
    # statement below then reads these few rows and reaches the alerts by id
    CHANGES.drop(conn, checkfirst=True)
    CHANGES.create(conn)
    changed = (a.c.rule != d.c.rule) | a.c.tier.is_distinct_from(d.c.tier)
    change = case(
        (a.c.id.is_(None), literal("new")), (a.c.status == "resolved", literal("reopened")), else_=literal("changed")
    )
    conn.execute(
        CHANGES.insert().from_select(
            ["alert_id", "change", *[col.name for col in d.c]],
            select(a.c.id, change, *d.c)
            .select_from(d.outerjoin(a, _key(a, d)))
            .where(a.c.id.is_(None) | (a.c.status == "resolved") | changed),
        )
    )
    # live alerts whose condition cleared
    conn.execute(
        CHANGES.insert().from_select(
            ["alert_id", "change"],
            select(a.c.id, literal("cleared")).where(
                scope(a.c.case_id), a.c.status != "resolved", ~select(d.c.case_id).where(_key(a, d)).exists()
            ),
        )
    )
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ANALYZE {CHANGES.name}"))

    def of(kind: str) -> ColumnElement[bool]:
        return and_(a.c.id == c.c.alert_id, c.c.change == kind)

    response = {
        "response_kind": rules.response_kind(c.c.tier),
        "response_due_date": case(
            (rules.response_kind(c.c.tier).is_not(None), literal(rules.response_due)), else_=null()
        ),
        "response_status": case((rules.response_kind(c.c.tier).is_not(None), literal("missing")), else_=null()),
    }

    # tier (or rule) changes of live alerts: recorded, then applied
    label = func.coalesce(a.c.tier, a.c.rule) + literal(" → ") + func.coalesce(c.c.tier, c.c.rule)
    tier_changes = changed_rows(
        conn,
        ACTIONS.insert().from_select(
            ["alert_id", "kind", "at", "note"], select(a.c.id, literal("tier_changed"), now, label).where(of("changed"))
        ),
    )
    conn.execute(
        update(a)
        .where(of("changed"))
        .values(
            rule=c.c.rule,
            tier=c.c.tier,
            node_instance_id=c.c.node_instance_id,
            tier_changed_at=now,
            updated_at=now,
            version=a.c.version + 1,
            **response,
        )
    )

    # resolved alerts whose condition is back: the same alert opens again
    conn.execute(
        ACTIONS.insert().from_select(
            ["alert_id", "kind", "at", "note"],
            select(a.c.id, literal("reopened"), now, func.coalesce(c.c.tier, c.c.rule)).where(of("reopened")),
        )
    )
    reopened = changed_rows(
        conn,
        update(a)
        .where(of("reopened"))
        .values(
            status="open",
            rule=c.c.rule,
            tier=c.c.tier,
            node_instance_id=c.c.node_instance_id,
            opened_at=now,
            updated_at=now,
            tier_changed_at=now,
            resolved_at=None,
            acknowledged_at=None,
            acknowledged_by=None,
            silenced_until=None,
            silence_reason=None,
            silenced_by=None,
            version=a.c.version + 1,
            **response,
        ),
    )

    # new alerts, and their "opened" actions
    insert_new = ALERTS.insert().from_select(
        [
            "case_id",
            "node_instance_id",
            "node_code",
            "subject_id",
            "rule",
            "tier",
            "status",
            "opened_at",
            "updated_at",
            "tier_changed_at",
            "response_kind",
            "response_due_date",
            "response_status",
            "version",
        ],
        select(
            c.c.case_id,
            c.c.node_instance_id,
            c.c.node_code,
            c.c.subject_id,
            c.c.rule,
            c.c.tier,
            literal("open"),
            now,
            now,
            now,
            *response.values(),
            literal(1),
        ).where(c.c.change == "new"),
    )
    # The alerts just inserted are those of the new changes. Asking instead which alerts had no
    # "opened" action yet anti-joined the actions with the rows being inserted, which PostgreSQL
    # ran as a nested loop on stale statistics (1.2 s at 100,000 cases, over 100 s at 1,000,000).
    if conn.dialect.name == "postgresql":
        # one statement: the actions from the inserted rows themselves (INSERT … RETURNING in a
        # WITH), no plan that depends on what the statistics say of either table
        inserted = insert_new.returning(ALERTS.c.id, ALERTS.c.tier, ALERTS.c.rule).cte("opened_alerts")
        opened = changed_rows(
            conn,
            ACTIONS.insert().from_select(
                ["alert_id", "kind", "at", "note"],
                select(inserted.c.id, literal("opened"), now, func.coalesce(inserted.c.tier, inserted.c.rule)),
            ),
        )
    else:  # SQLite has no INSERT in a WITH; it finds each new alert by its unique key's index
        opened = changed_rows(conn, insert_new)
        conn.execute(
            ACTIONS.insert().from_select(
                ["alert_id", "kind", "at", "note"],
                select(a.c.id, literal("opened"), now, func.coalesce(a.c.tier, a.c.rule))
                .select_from(c.join(a, _key(a, c)))
                .where(c.c.change == "new"),
            )
        )

    # live alerts whose condition cleared: resolved with a timestamp, never deleted
    conn.execute(
        ACTIONS.insert().from_select(
            ["alert_id", "kind", "at", "note"],
            select(a.c.id, literal("resolved"), now, literal("condition cleared")).where(of("cleared")),
        )
    )
    resolved = changed_rows(
        conn,
        update(a)
        .where(of("cleared"))
        .values(status="resolved", resolved_at=now, updated_at=now, version=a.c.version + 1),
    )

    # silences that ran out
    expired = and_(scope(a.c.case_id), a.c.status == "silenced", a.c.silenced_until <= now)
    conn.execute(
        ACTIONS.insert().from_select(
            ["alert_id", "kind", "at", "note"],
            select(a.c.id, literal("silence_expired"), now, literal(None, String)).where(expired),
        )
    )
    conn.execute(
        update(a)
        .where(expired)
        .values(
            status=case((a.c.acknowledged_at.is_not(None), literal("acknowledged")), else_=literal("open")),
            updated_at=now,
            version=a.c.version + 1,
        )
    )
    DESIRED.drop(conn)
    CHANGES.drop(conn)
    return opened, reopened, resolved, tier_changes


def _enqueue(conn: Connection, rules: Rules, scope, *, advance_watermark: bool) -> int:
    """Outbox messages for what changed in this run; duplicates are dropped by key."""
    now = literal(rules.now, AwareDateTime())
    a, c = ALERTS, CASES
    sent = 0
    # the alerts whose rule or tier changed in this run, with their node's due date (looked up
    # by id: joined, PostgreSQL read the whole node table for a cold run's 150,000 alerts)
    node_due = select(NODES.c.due_date).where(NODES.c.id == a.c.node_instance_id).scalar_subquery()
    v = (
        select(a.c.id, a.c.case_id, a.c.node_code, a.c.subject_id, a.c.rule, a.c.tier, node_due.label("due_date"))
        .where(
            scope(a.c.case_id),
            a.c.tier_changed_at == now,
            a.c.status.in_(("open", "acknowledged")),
            a.c.node_instance_id.is_not(None),
        )
        .subquery("live")
    )
    due = func.coalesce(cast(v.c.due_date, String), literal(""))

    def payload(*extra):
        return json_object(
            literal("case_no"),
            c.c.case_no,
            literal("node_code"),
            v.c.node_code,
            literal("subject_id"),
            v.c.subject_id,
            literal("rule"),
            v.c.rule,
            literal("tier"),
            v.c.tier,
            literal("due_date"),
            v.c.due_date,
            *extra,
        )

    def add(select_stmt) -> int:
        stmt = (
            insert_for(conn, OUTBOX)
            .from_select(list(OUTBOX_QUEUED), select_stmt)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
        )
        return changed_rows(conn, stmt)

    # each alert's message to whoever owns its node (data/owners.py: the officer, the team
    # leader, a group's members, a 督办 item's assignee) in its court's catalogue: once per
    # group of courts when the owners differ between the catalogues
    officer = OFFICERS.alias("officer")
    kind = case((v.c.rule == "due_soon", literal("due_soon")), else_=literal("tier_changed"))
    key = (
        literal("alert:")
        + cast(v.c.id, String)
        + literal(":")
        + v.c.rule
        + literal(":")
        + func.coalesce(v.c.tier, literal(""))
        + literal(":")
        + due
        + literal(":")
        + officer.c.login  # a group's node: one message to each member
    )
    for group in differing(rules.groups, owner_key):
        sent += add(
            select(
                key,
                kind,
                officer.c.login,
                officer.c.phone,
                v.c.case_id,
                payload(),
                literal("pending"),
                case((v.c.tier == "red", true()), else_=false()),
                literal(0),
                now,
                now,
            )
            .select_from(
                v.join(c, c.c.id == v.c.case_id).join(
                    officer,
                    owns(
                        group.catalogue,
                        officer,
                        node_code=v.c.node_code,
                        subject_id=v.c.subject_id,
                        case_officer_id=c.c.officer_id,
                        case_team_id=c.c.team_id,
                    ),
                )
            )
            .where(
                officer.c.active == true(),
                covers_court(officer.c.court_code, c.c.court_id),
                *group.courts(c.c.court_id),
            )
        )
    # the red cases to the chiefs: one message per case that is red now (an open case whose
    # light, data/lights.py, is red: what the wall counts), when one of its alerts turned red
    # in this run; not per red node, and never for a closed case (its archive nodes N43–N47
    # may be overdue, but the wall shows no light for it). The key holds the date of the
    # case's worst node, so a case red again later (its red nodes done, another late) is news.
    turned_red = select(v.c.case_id).where(v.c.tier == "red")
    lights = case_lights(
        rules,
        nodes_open=and_(open_node(NODES), NODES.c.case_id.in_(turned_red)),
        lit_only=True,
        open_only=True,
        with_node=True,
    )
    chief = OFFICERS.alias("chief")
    worst = cast(lights.c.worst, String)
    key = literal("red_case:") + cast(lights.c.case_id, String) + literal(":") + chief.c.login + literal(":") + worst
    red_payload = json_object(
        literal("case_no"),
        c.c.case_no,
        literal("node_code"),
        lights.c.node_code,
        literal("subject_id"),
        lights.c.subject_id,
        literal("rule"),
        literal("overdue"),
        literal("tier"),
        lights.c.tier,
        literal("due_date"),
        lights.c.worst,
    )
    sent += add(
        select(
            key,
            literal("red_case"),
            chief.c.login,
            chief.c.phone,
            lights.c.case_id,
            red_payload,
            literal("pending"),
            true(),
            literal(0),
            now,
            now,
        )
        .select_from(lights.join(c, c.c.id == lights.c.case_id).join(chief, true()))
        .where(
            lights.c.tier == "red",
            chief.c.role == "chief",
            chief.c.active == true(),
            covers_court(chief.c.court_code, c.c.court_id),
        )
    )

    # 节点短信推送: every applicant with a phone who did not opt out hears of each node the
    # catalogue chooses (notify_applicant) completed since the last run; one message per
    # applicant and node (the key holds the party), so two applicants both hear of it
    watermark = state.read(conn, COMPLETED_WATERMARK)
    for group in differing(rules.groups, notified_key) if watermark else ():
        notified = group.catalogue.notified()
        if not notified:
            continue
        since = literal(datetime.fromisoformat(watermark), AwareDateTime())
        applicant = PARTIES.alias("applicant")
        key = literal("done:") + cast(NODES.c.id, String) + literal(":") + cast(applicant.c.id, String)
        body = json_object(
            literal("case_no"),
            c.c.case_no,
            literal("node_code"),
            NODES.c.node_code,
            literal("subject_id"),
            NODES.c.subject_id,
            literal("completed_at"),
            cast(NODES.c.completed_at, String),
        )
        sent += add(
            select(
                key,
                literal("node_completed"),
                applicant.c.phone,
                applicant.c.phone,
                NODES.c.case_id,
                body,
                literal("pending"),
                literal(False),
                literal(0),
                now,
                now,
            )
            .select_from(
                NODES.join(c, c.c.id == NODES.c.case_id).join(
                    applicant,
                    and_(applicant.c.case_id == NODES.c.case_id, applicant.c.role == "applicant"),
                )
            )
            .where(
                scope(NODES.c.case_id),
                NODES.c.completed_at > since,
                NODES.c.completed_at <= now,
                NODES.c.node_code.in_(notified),
                *group.courts(c.c.court_id),
                applicant.c.phone.is_not(None),
                applicant.c.phone != "",
                applicant.c.notify_opt_out == false(),
            )
        )
    if advance_watermark and (watermark is None or datetime.fromisoformat(watermark) < rules.now):
        state.write(conn, COMPLETED_WATERMARK, rules.now.isoformat())
    return sent


def notified_key(catalogue: Catalogue) -> tuple[str, ...]:
    return tuple(catalogue.notified())


def _counts(conn: Connection) -> dict[str, int]:
    a = ALERTS
    counts = {"due_soon": 0, "overdue": 0, "blue": 0, "yellow": 0, "red": 0}
    for rule, tier, number in conn.execute(
        select(a.c.rule, a.c.tier, func.count()).where(a.c.status != "resolved").group_by(a.c.rule, a.c.tier)
    ):
        counts[tier if rule == "overdue" else rule] = number
    return counts
