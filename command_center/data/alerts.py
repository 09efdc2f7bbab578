"""Alerts: the list the CLI and the screens read, and the lifecycle the officers drive.

Lifecycle: ``open`` → ``acknowledged`` → ``resolved`` (the recompute resolves an alert
when its condition clears), and ``silenced`` until a given time with a mandatory reason and
author.  Each tier's response (blue 电子说明, yellow 当面汇报, red 约谈+专项评查) is tracked on
the alert: ``missing`` → ``submitted`` → ``accepted`` / ``rejected`` (rejected needs a new
submission), with its own due date, so a missing or late response is visible.

Every change checks the alert's ``version`` (no lost update when two officers act at once),
checks the actor's role here in the data layer, and is written to ``alert_actions`` and the
append-only audit log in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, and_, case, insert, literal, select, update

from command_center.data import audit, state
from command_center.data import models as m
from command_center.data.access import ActionRefused, Actor, StaleVersion, require, require_case
from command_center.data.caseno import court_of
from command_center.data.catalogue import Catalogue, load_catalogue
from command_center.data.courts import Scope, of_cases
from command_center.data.engine import Database
from command_center.data.owners import covers_court, owns
from command_center.data.tables import ACTIONS, ALERTS, CASES, NODES, OFFICERS, OUTBOX, TEAMS
from command_center.data.workcal import local_date

ALERT_STATUSES = m.ALERT_STATUSES
ACTIVE = ("open", "acknowledged", "silenced")
#: system_state key: the ``now`` of the last full recompute
LAST_RECOMPUTE = "last_recompute"


@dataclass(frozen=True)
class AlertRow:
    id: int
    version: int
    rule: str
    tier: str | None
    status: str
    case_id: int
    case_no: str
    team: str | None
    officer: str | None
    node_code: str
    subject_id: str
    due_date: date | None
    due_at: datetime | None
    overdue_days: int
    provisional: bool
    opened_at: datetime
    response_kind: str | None
    response_due_date: date | None
    response_status: str | None
    silenced_until: datetime | None
    silence_reason: str | None

    def response_state(self, today: date) -> str | None:
        return response_state(self.response_kind, self.response_status, self.response_due_date, today)

    def as_json(self) -> dict:
        return {
            "rule": self.rule,
            "tier": self.tier,
            "case_no": self.case_no,
            "node_code": self.node_code,
            "subject_id": self.subject_id,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "overdue_days": self.overdue_days,
            "provisional": self.provisional,
            "status": self.status,
            "team": self.team,
            "officer": self.officer,
            "response": self.response_kind,
            "response_status": self.response_status,
            "response_due_date": self.response_due_date.isoformat() if self.response_due_date else None,
            "silenced_until": self.silenced_until.isoformat() if self.silenced_until else None,
        }


def response_state(kind: str | None, status: str | None, due: date | None, today: date) -> str | None:
    """``done`` / ``submitted`` / ``missing`` / ``late`` (missing past its due date), or None."""
    if kind is None:
        return None
    if status == "accepted":
        return "done"
    if status == "submitted":
        return "submitted"
    if due is not None and today > due:
        return "late"
    return "missing"


TIER_ORDER = {"red": 0, "yellow": 1, "blue": 2, "overdue": 3}


def list_alerts(
    db: Database,
    now: datetime,
    *,
    rule: str | None = None,
    tier: str | None = None,
    case_no: str | None = None,
    statuses: tuple[str, ...] = ACTIVE,
    limit: int | None = None,
    courts: Scope = None,
) -> list[AlertRow]:
    """Alerts, worst first (red … due soon), then by due date; ``courts``: only those of these
    courts' cases (:func:`~command_center.data.courts.courts_under`), default every court's."""
    today = local_date(now)
    officer = OFFICERS.alias("officer")
    query = (
        select(
            ALERTS,
            CASES.c.case_no,
            TEAMS.c.name.label("team"),
            officer.c.name.label("officer_name"),
            NODES.c.due_date,
            NODES.c.due_at,
            NODES.c.provisional,
        )
        .select_from(
            ALERTS.join(CASES, CASES.c.id == ALERTS.c.case_id)
            .outerjoin(NODES, NODES.c.id == ALERTS.c.node_instance_id)
            .outerjoin(TEAMS, TEAMS.c.id == CASES.c.team_id)
            .outerjoin(officer, officer.c.id == CASES.c.officer_id)
        )
        .where(ALERTS.c.status.in_(statuses))
        .order_by(
            case(*[(ALERTS.c.tier == tier, rank) for tier, rank in TIER_ORDER.items() if tier], else_=len(TIER_ORDER)),
            NODES.c.due_at,
            CASES.c.case_no,
            ALERTS.c.node_code,
            ALERTS.c.subject_id,
        )
    )
    if rule:
        query = query.where(ALERTS.c.rule == rule)
    if tier:
        query = query.where(ALERTS.c.tier == tier)
    if case_no:
        query = query.where(CASES.c.case_no == case_no)
    if courts is not None:
        query = query.where(*of_cases(courts))
    if limit is not None:
        query = query.limit(limit)
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        AlertRow(
            id=r.id,
            version=r.version,
            rule=r.rule,
            tier=r.tier,
            status=r.status,
            case_id=r.case_id,
            case_no=r.case_no,
            team=r.team,
            officer=r.officer_name,
            node_code=r.node_code,
            subject_id=r.subject_id,
            due_date=r.due_date,
            due_at=r.due_at,
            overdue_days=max(0, (today - r.due_date).days) if r.due_date and r.rule == "overdue" else 0,
            provisional=bool(r.provisional),
            opened_at=r.opened_at,
            response_kind=r.response_kind,
            response_due_date=r.response_due_date,
            response_status=r.response_status,
            silenced_until=r.silenced_until,
            silence_reason=r.silence_reason,
        )
        for r in rows
    ]


def last_recompute(db: Database) -> datetime | None:
    with db.engine.connect() as conn:
        value = state.read(conn, LAST_RECOMPUTE)
    return datetime.fromisoformat(value) if value else None


# -- the lifecycle --------------------------------------------------------------------------


def _change(
    conn: Connection,
    alert_id: int,
    version: int,
    who: Actor,
    now: datetime,
    kind: str,
    note: str | None,
    values: dict,
    *,
    where=None,
) -> None:
    """Apply ``values`` if the alert is still at ``version``; record the action and the audit entry."""
    conditions = [ALERTS.c.id == alert_id, ALERTS.c.version == version]
    if where is not None:
        conditions.append(where)
    done = conn.execute(
        update(ALERTS)
        .where(*conditions)
        .values(**values, updated_at=now, version=ALERTS.c.version + 1)
        .execution_options(preserve_rowcount=True)
    ).rowcount
    if done != 1:
        current = conn.execute(select(ALERTS.c.version, ALERTS.c.status).where(ALERTS.c.id == alert_id)).one_or_none()
        if current is None:
            raise ActionRefused(f"alert {alert_id} does not exist")
        if current.version != version:
            raise StaleVersion(
                f"alert {alert_id} was changed by someone else (now {current.status}); reload it and try again"
            )
        raise ActionRefused(f"alert {alert_id} is {current.status}: cannot {kind.replace('_', ' ')}")
    conn.execute(insert(ACTIONS).values(alert_id=alert_id, kind=kind, actor_id=who.id, at=now, note=note))
    case_id = conn.execute(select(ALERTS.c.case_id).where(ALERTS.c.id == alert_id)).scalar_one()
    audit.record(
        conn, now, who.login, f"alert.{kind}", "alert", str(alert_id), case_id, {"note": note} if note else None
    )


def require_on_alert(conn: Connection, who: Actor, action: str, alert_id: int, catalogue: Catalogue | None) -> None:
    """:func:`require_case` for the alert's case: an officer of another team acts only on an
    alert whose node they own (a group's node, their 督办 item; ``catalogue`` names the owners,
    the case's court's own where it has one, the reference catalogue when None)."""
    alert = conn.execute(
        select(
            ALERTS.c.case_id,
            ALERTS.c.node_code,
            ALERTS.c.subject_id,
            CASES.c.officer_id,
            CASES.c.team_id,
            CASES.c.case_no,
        )
        .select_from(ALERTS.join(CASES, CASES.c.id == ALERTS.c.case_id))
        .where(ALERTS.c.id == alert_id)
    ).one_or_none()
    if alert is None:
        require(conn, who, action)
        raise ActionRefused(f"alert {alert_id} does not exist")
    mine = owns(  # the owners of the case's court's catalogue
        (catalogue if catalogue is not None else load_catalogue()).for_court(court_of(alert.case_no)),
        OFFICERS,
        node_code=literal(alert.node_code),
        subject_id=literal(alert.subject_id),
        case_officer_id=literal(alert.officer_id),
        case_team_id=literal(alert.team_id),
    )
    require_case(conn, who, action, alert.case_id, assigned=mine)


def acknowledge(
    db: Database, alert_id: int, version: int, who: Actor, now: datetime, *, catalogue: Catalogue | None = None
) -> None:
    """认领 / 已知悉 (an officer: on their team's cases and the nodes they own)."""
    with db.engine.begin() as conn:
        require_on_alert(conn, who, "acknowledge", alert_id, catalogue)
        _change(
            conn,
            alert_id,
            version,
            who,
            now,
            "acknowledged",
            None,
            {"status": "acknowledged", "acknowledged_at": now, "acknowledged_by": who.id},
            where=ALERTS.c.status == "open",
        )


def silence(db: Database, alert_id: int, version: int, who: Actor, now: datetime, until: datetime, reason: str) -> None:
    """Silence until ``until`` (chief only); the reason is mandatory."""
    with db.engine.begin() as conn:
        require_on_alert(conn, who, "silence", alert_id, None)  # a chief: a court theirs covers
        if not reason or not reason.strip():
            raise ActionRefused("a silence needs a reason")
        if until <= now:
            raise ActionRefused(f"silence until {until:%Y-%m-%d %H:%M} is not in the future")
        _change(
            conn,
            alert_id,
            version,
            who,
            now,
            "silenced",
            f"until {until.isoformat()}: {reason.strip()}",
            {"status": "silenced", "silenced_until": until, "silence_reason": reason.strip(), "silenced_by": who.id},
            where=ALERTS.c.status.in_(("open", "acknowledged")),
        )


def submit_response(
    db: Database,
    alert_id: int,
    version: int,
    who: Actor,
    now: datetime,
    note: str,
    *,
    catalogue: Catalogue | None = None,
) -> None:
    """Record the response the tier demands (the explanation, the report, the interview)."""
    with db.engine.begin() as conn:
        require_on_alert(conn, who, "respond", alert_id, catalogue)
        if not note or not note.strip():
            raise ActionRefused("the response needs its text (what was explained, reported or agreed)")
        _change(
            conn,
            alert_id,
            version,
            who,
            now,
            "response_submitted",
            note.strip(),
            {"response_status": "submitted"},
            where=and_(ALERTS.c.response_kind.is_not(None), ALERTS.c.response_status.in_(("missing", "rejected"))),
        )


def review_response(
    db: Database, alert_id: int, version: int, who: Actor, now: datetime, *, accept: bool, note: str = ""
) -> None:
    """A chief accepts or rejects a submitted response (never one they submitted themselves)."""
    with db.engine.begin() as conn:
        require_on_alert(conn, who, "review", alert_id, None)  # a chief: a court theirs covers
        submitter = conn.execute(
            select(ACTIONS.c.actor_id)
            .where(ACTIONS.c.alert_id == alert_id, ACTIONS.c.kind == "response_submitted")
            .order_by(ACTIONS.c.at.desc(), ACTIONS.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if submitter == who.id:
            raise ActionRefused(f"{who.login} submitted this response and may not review it: another chief reviews it")
        _change(
            conn,
            alert_id,
            version,
            who,
            now,
            "response_accepted" if accept else "response_rejected",
            note.strip() or None,
            {"response_status": "accepted" if accept else "rejected"},
            where=ALERTS.c.response_status == "submitted",
        )


def escalate(
    db: Database,
    alert_id: int,
    version: int,
    who: Actor,
    now: datetime,
    note: str,
    *,
    catalogue: Catalogue | None = None,
) -> int:
    """Escalate to the chiefs (上报院领导): recorded on the alert, and an urgent message to each
    active chief in the same transaction; returns how many were queued."""
    with db.engine.begin() as conn:
        require_on_alert(conn, who, "escalate", alert_id, catalogue)
        if not note or not note.strip():
            raise ActionRefused("an escalation needs a note (what the chief should decide)")
        _change(conn, alert_id, version, who, now, "escalated", note.strip(), {}, where=ALERTS.c.status != "resolved")
        alert = conn.execute(
            select(
                ALERTS.c.case_id,
                ALERTS.c.node_code,
                ALERTS.c.subject_id,
                ALERTS.c.tier,
                CASES.c.case_no,
                CASES.c.court_id,
            )
            .select_from(ALERTS.join(CASES, CASES.c.id == ALERTS.c.case_id))
            .where(ALERTS.c.id == alert_id)
        ).one()
        chiefs = (
            conn.execute(
                select(OFFICERS.c.login).where(
                    OFFICERS.c.role == "chief",
                    OFFICERS.c.active,
                    covers_court(OFFICERS.c.court_code, literal(alert.court_id)),
                )
            )
            .scalars()
            .all()
        )
        payload = {
            "case_no": alert.case_no,
            "node_code": alert.node_code,
            "subject_id": alert.subject_id,
            "tier": alert.tier,
            "note": note.strip(),
            "by": who.login,
        }
        for login in chiefs:
            conn.execute(
                insert(OUTBOX).values(
                    dedup_key=f"escalated:{alert_id}:{version + 1}:{login}",
                    kind="escalated",
                    recipient=login,
                    case_id=alert.case_id,
                    payload=payload,
                    status="pending",
                    urgent=True,
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    return len(chiefs)


def history(db: Database, alert_id: int) -> list[tuple[datetime, str, str | None, str | None]]:
    """(at, kind, actor login, note) of one alert, oldest first."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(ACTIONS.c.at, ACTIONS.c.kind, OFFICERS.c.login, ACTIONS.c.note)
            .select_from(ACTIONS.outerjoin(OFFICERS, OFFICERS.c.id == ACTIONS.c.actor_id))
            .where(ACTIONS.c.alert_id == alert_id)
            .order_by(ACTIONS.c.at, ACTIONS.c.id)
        ).all()
    return [tuple(r) for r in rows]
