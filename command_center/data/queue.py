"""我的待办: what a user has to do now, the first thing an officer sees after login.

One read per section, each worst or soonest first and capped at :data:`LIMIT` rows with its
total: the alerts that climbed to the user (jobs/escalate.py), the user's open alerts (by
:func:`command_center.data.owners.owns`, the rule that also
addresses the messages), the tier responses they owe with their due dates, their 临时督办
items, for a chief the responses to accept and the unlock requests, and for each of their
groups the nodes due today or earlier that the group has to clear (每日清零).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import String, and_, case, func, literal, select

from command_center.data.access import Actor, refusal_of
from command_center.data.alerts import TIER_ORDER
from command_center.data.catalogue import Catalogue
from command_center.data.court_catalogues import catalogue_groups, codes_where
from command_center.data.engine import Database
from command_center.data.locks import list_locks, require_decision
from command_center.data.owners import covers_court, owner_codes, owns
from command_center.data.tables import ALERTS, CASES, GROUPS, ITEMS, NODES, OFFICERS
from command_center.data.workcal import local_date

LIMIT = 50
#: what a chief decides (accepts responses, unlocks); the same roles as data/access.py's review
DECIDERS = ("chief", "admin")


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue: a case, a node (or item), what to do and by when."""

    kind: str  # alert / response / item / accept / unlock / group
    case_id: int
    case_no: str
    node_code: str
    subject_id: str
    what: str | None  # the tier or rule, the response kind, the group's name
    due: date | None
    late: bool
    ref_id: int  # the alert, item or lock


@dataclass(frozen=True)
class Section:
    rows: list[QueueRow]
    total: int


@dataclass(frozen=True)
class Queue:
    login: str
    today: date
    alerts: Section
    responses: Section
    items: Section
    accept: Section | None  # a chief's: responses submitted, to accept or reject
    unlocks: Section | None  # a chief's: unlock requests
    groups: dict[str, Section] = field(default_factory=dict)
    #: alerts nobody acted on that climbed to me (a team leader's of their team, a chief's)
    escalated: Section | None = None


def _section(conn, query, make) -> Section:
    """The first :data:`LIMIT` rows of ``query`` and how many it has in all (counted only
    when the limit is reached)."""
    rows = [make(r) for r in conn.execute(query.limit(LIMIT))]
    if len(rows) < LIMIT:
        return Section(rows, len(rows))
    total = conn.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    return Section(rows, total)


def my_queue(
    db: Database, catalogue: Catalogue, who: Actor, now: datetime, *, unlock_by_parent: tuple[str, ...] = ()
) -> Queue:
    """``who``'s queue; a chief's decisions are those of the courts their court code covers, and
    the unlocks of the courts in ``unlock_by_parent`` (提级解锁) only a higher court's chief's."""
    today = local_date(now)
    me = OFFICERS.alias("me")
    mine = and_(
        me.c.id == who.id,
        owns(
            catalogue,
            me,
            node_code=ALERTS.c.node_code,
            subject_id=ALERTS.c.subject_id,
            case_officer_id=CASES.c.officer_id,
            case_team_id=CASES.c.team_id,
            case_court_id=CASES.c.court_id,
        ),
    )
    owned = ALERTS.join(CASES, CASES.c.id == ALERTS.c.case_id).join(me, mine)
    live = ALERTS.c.status.in_(("open", "acknowledged"))
    worst = case(*[(ALERTS.c.tier == t, rank) for t, rank in TIER_ORDER.items()], else_=len(TIER_ORDER))
    cols = (ALERTS.c.id, ALERTS.c.case_id, CASES.c.case_no, ALERTS.c.node_code, ALERTS.c.subject_id)
    due_date = NODES.c.due_date
    with db.engine.connect() as conn:
        alerts = _section(
            conn,
            select(*cols, func.coalesce(ALERTS.c.tier, ALERTS.c.rule).label("what"), due_date)
            .select_from(owned.outerjoin(NODES, NODES.c.id == ALERTS.c.node_instance_id))
            .where(live)
            .order_by(worst, due_date, CASES.c.case_no, ALERTS.c.node_code),
            lambda r: QueueRow(
                "alert", r.case_id, r.case_no, r.node_code, r.subject_id, r.what, r.due_date, r.what != "due_soon", r.id
            ),
        )
        owing = and_(
            ALERTS.c.status.in_(("open", "acknowledged", "silenced")),
            ALERTS.c.response_kind.is_not(None),
            ALERTS.c.response_status.in_(("missing", "rejected")),
        )
        responses = _section(
            conn,
            select(*cols, ALERTS.c.response_kind, ALERTS.c.response_due_date)
            .select_from(owned)
            .where(owing)
            .order_by(ALERTS.c.response_due_date, CASES.c.case_no),
            lambda r: QueueRow(
                "response",
                r.case_id,
                r.case_no,
                r.node_code,
                r.subject_id,
                r.response_kind,
                r.response_due_date,
                r.response_due_date is not None and r.response_due_date < today,
                r.id,
            ),
        )
        open_item = and_(ITEMS.c.assignee_id == who.id, ITEMS.c.completed_at.is_(None))
        items_from = ITEMS.join(CASES, CASES.c.id == ITEMS.c.case_id)
        items = _section(
            conn,
            select(ITEMS.c.id, ITEMS.c.case_id, CASES.c.case_no, ITEMS.c.due_at)
            .select_from(items_from)
            .where(open_item)
            .order_by(ITEMS.c.due_at, ITEMS.c.id),
            lambda r: QueueRow(
                "item",
                r.case_id,
                r.case_no,
                "DB",
                f"DB{r.id}",
                None,
                local_date(r.due_at),
                r.due_at < now,
                r.id,
            ),
        )
        accept = unlocks = None
        if who.role in DECIDERS:
            submitted = and_(ALERTS.c.response_status == "submitted", ALERTS.c.status != "resolved")
            from_cases = ALERTS.join(CASES, CASES.c.id == ALERTS.c.case_id)
            court_code = conn.execute(select(OFFICERS.c.court_code).where(OFFICERS.c.id == who.id)).scalar_one()
            if court_code is not None:  # 两级法院: the courts theirs covers
                submitted = and_(submitted, covers_court(literal(court_code, String), CASES.c.court_id))
            accept = _section(
                conn,
                select(*cols, ALERTS.c.response_kind, ALERTS.c.response_due_date)
                .select_from(from_cases)
                .where(submitted)
                .order_by(ALERTS.c.response_due_date, CASES.c.case_no),
                lambda r: QueueRow(
                    "accept",
                    r.case_id,
                    r.case_no,
                    r.node_code,
                    r.subject_id,
                    r.response_kind,
                    r.response_due_date,
                    False,
                    r.id,
                ),
            )
        escalated = None
        me_now = conn.execute(select(OFFICERS.c.team_id, OFFICERS.c.team_leader).where(OFFICERS.c.id == who.id)).one()
        climbed = None
        if who.role in DECIDERS:
            climbed = ALERTS.c.escalation_level == 2
        elif me_now.team_leader and me_now.team_id is not None:
            climbed = and_(ALERTS.c.escalation_level == 1, CASES.c.team_id == me_now.team_id)
        if climbed is not None:
            from_cases = ALERTS.join(CASES, CASES.c.id == ALERTS.c.case_id)
            escalated = _section(
                conn,
                select(*cols, func.coalesce(ALERTS.c.tier, ALERTS.c.rule).label("what"), ALERTS.c.escalated_at)
                .select_from(from_cases)
                .where(climbed, live)
                .order_by(worst, ALERTS.c.escalated_at, CASES.c.case_no),
                lambda r: QueueRow(
                    "alert",
                    r.case_id,
                    r.case_no,
                    r.node_code,
                    r.subject_id,
                    r.what,
                    local_date(r.escalated_at),
                    True,
                    r.id,
                ),
            )
        groups: dict[str, Section] = {}
        my_groups = conn.execute(
            select(GROUPS.c.group_name).where(GROUPS.c.officer_id == who.id).order_by(GROUPS.c.group_name)
        ).scalars()
        groups_of = [owner_codes(own)[1] for own in catalogue.distinct()]
        for group in my_groups:
            if not any(name == group for group_of in groups_of for name in group_of.values()):
                groups[group] = Section([], 0)
                continue
            # the group's nodes in each case's court's catalogue
            owned_by_group = codes_where(
                catalogue_groups(catalogue),
                NODES.c.node_code,
                lambda node, group=group: node.owner == f"group:{group}",
                court_id=CASES.c.court_id,
            )
            due = and_(
                owned_by_group,
                NODES.c.completed_at.is_(None),
                NODES.c.stopped_at.is_(None),
                NODES.c.due_date <= today,
            )
            board = NODES.join(CASES, CASES.c.id == NODES.c.case_id)
            groups[group] = _section(
                conn,
                select(NODES.c.id, NODES.c.case_id, CASES.c.case_no, NODES.c.node_code, NODES.c.subject_id, due_date)
                .select_from(board)
                .where(due)
                .order_by(due_date, CASES.c.case_no, NODES.c.node_code),
                lambda r, group=group: QueueRow(
                    "group",
                    r.case_id,
                    r.case_no,
                    r.node_code,
                    r.subject_id,
                    group,
                    r.due_date,
                    r.due_date < today,
                    r.id,
                ),
            )
    if who.role in DECIDERS:
        locks = [
            lk
            for lk in list_locks(db, pending_only=True)
            if refusal_of(db, lambda conn, lk=lk: require_decision(conn, who, "unlock", lk.id, unlock_by_parent))
            is None
        ]
        unlocks = Section(
            [
                QueueRow("unlock", lk.case_id, lk.case_no, "", "", lk.requested_by, None, False, lk.id)
                for lk in locks[:LIMIT]
            ],
            len(locks),
        )
    return Queue(who.login, today, alerts, responses, items, accept, unlocks, groups, escalated)
