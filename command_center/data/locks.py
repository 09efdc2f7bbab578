"""程序锁死 (焦作): a red case is locked, and only a chief unlocks it, with a reason.

The recompute locks each open case that has a red alert, unless the case is locked already or
a chief unlocked it after that alert turned red (so an unlock holds until a node of the case
turns red again).  An officer may ask for the unlock with a reason; the chief grants it (the
case is unlocked) or rejects it.  Every change checks the lock's ``version`` and the actor's
role here in the data layer, and is written to the append-only audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, literal, or_, select, true, update

from command_center.data import audit
from command_center.data.access import ActionRefused, Actor, StaleVersion, require, require_case, require_higher
from command_center.data.bulk import changed_rows
from command_center.data.courts import Scope, of_cases
from command_center.data.engine import Database
from command_center.data.tables import ALERTS, CASES, LOCKS, OFFICERS
from command_center.data.types import AwareDateTime

SYSTEM = "system"
RED_REASON = "红灯: 节点超期3个月以上 (red: a node more than three months overdue)"


@dataclass(frozen=True)
class LockRow:
    id: int
    version: int
    case_id: int
    case_no: str
    officer: str | None
    locked_at: datetime
    locked_by: str
    reason: str
    request_status: str | None
    requested_at: datetime | None
    requested_by: str | None
    request_reason: str | None
    unlocked_at: datetime | None
    unlock_reason: str | None

    @property
    def active(self) -> bool:
        return self.unlocked_at is None

    def as_json(self) -> dict:
        return {
            "case_no": self.case_no,
            "officer": self.officer,
            "locked_at": self.locked_at.isoformat(),
            "locked_by": self.locked_by,
            "reason": self.reason,
            "request_status": self.request_status,
            "requested_at": self.requested_at.isoformat() if self.requested_at else None,
            "requested_by": self.requested_by,
            "request_reason": self.request_reason,
            "unlocked_at": self.unlocked_at.isoformat() if self.unlocked_at else None,
            "unlock_reason": self.unlock_reason,
        }


def lock_red_cases(conn: Connection, now: datetime, scope) -> int:
    """Lock the open cases in ``scope`` with a live red alert (set-based, in the recompute's
    transaction); returns how many were locked."""
    a, lk = ALERTS, LOCKS.alias("lk")
    at = literal(now, AwareDateTime())
    candidates = (
        select(a.c.case_id, at, literal(SYSTEM), literal(RED_REASON), literal(1))
        .select_from(a.join(CASES, CASES.c.id == a.c.case_id))
        .where(
            scope(a.c.case_id),
            a.c.tier == "red",
            a.c.status != "resolved",
            CASES.c.closed_on.is_(None),
            ~select(lk.c.id)
            .where(
                lk.c.case_id == a.c.case_id, or_(lk.c.unlocked_at.is_(None), lk.c.unlocked_at >= a.c.tier_changed_at)
            )
            .exists(),
        )
        .distinct()
    )
    # only the recompute creates locks, one run at a time: the ids past the last one are this run's
    last_id = conn.execute(select(func.coalesce(func.max(LOCKS.c.id), 0))).scalar_one()
    locked = changed_rows(
        conn, insert(LOCKS).from_select(["case_id", "locked_at", "locked_by", "reason", "version"], candidates)
    )
    if locked:
        audit.record_many(
            conn,
            [
                {
                    "at": now,
                    "actor": SYSTEM,
                    "action": "lock.locked",
                    "entity": "case_lock",
                    "entity_id": str(lock_id),
                    "case_id": case_id,
                }
                for lock_id, case_id in conn.execute(
                    select(LOCKS.c.id, LOCKS.c.case_id).where(LOCKS.c.id > last_id).order_by(LOCKS.c.id)
                )
            ],
        )
    return locked


def list_locks(
    db: Database,
    *,
    case_no: str | None = None,
    pending_only: bool = False,
    active_only: bool = True,
    limit: int | None = None,
    courts: Scope = None,
) -> list[LockRow]:
    """Locks, oldest request (then oldest lock) first (``courts``: of those courts' cases only)."""
    officer, requester = OFFICERS.alias("officer"), OFFICERS.alias("requester")
    query = (
        select(LOCKS, CASES.c.case_no, officer.c.name.label("officer_name"), requester.c.name.label("requester_name"))
        .select_from(
            LOCKS.join(CASES, CASES.c.id == LOCKS.c.case_id)
            .outerjoin(officer, officer.c.id == CASES.c.officer_id)
            .outerjoin(requester, requester.c.id == LOCKS.c.requested_by)
        )
        .order_by(LOCKS.c.requested_at, LOCKS.c.locked_at, LOCKS.c.id)
    )
    if active_only:
        query = query.where(LOCKS.c.unlocked_at.is_(None))
    if pending_only:
        query = query.where(LOCKS.c.request_status == "pending")
    if case_no:
        query = query.where(CASES.c.case_no == case_no)
    if courts is not None:
        query = query.where(*of_cases(courts))
    if limit is not None:
        query = query.limit(limit)
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        LockRow(
            r.id,
            r.version,
            r.case_id,
            r.case_no,
            r.officer_name,
            r.locked_at,
            r.locked_by,
            r.reason,
            r.request_status,
            r.requested_at,
            r.requester_name,
            r.request_reason,
            r.unlocked_at,
            r.unlock_reason,
        )
        for r in rows
    ]


def _change(
    conn: Connection,
    lock_id: int,
    version: int,
    who: Actor,
    now: datetime,
    action: str,
    values: dict,
    where,
    detail: dict,
) -> None:
    done = conn.execute(
        update(LOCKS)
        .where(LOCKS.c.id == lock_id, LOCKS.c.version == version, LOCKS.c.unlocked_at.is_(None), where)
        .values(**values, version=LOCKS.c.version + 1)
        .execution_options(preserve_rowcount=True)
    ).rowcount
    if done != 1:
        current = conn.execute(
            select(LOCKS.c.version, LOCKS.c.unlocked_at, LOCKS.c.request_status).where(LOCKS.c.id == lock_id)
        ).one_or_none()
        if current is None:
            raise ActionRefused(f"lock {lock_id} does not exist")
        if current.version != version:
            raise StaleVersion(f"lock {lock_id} was changed by someone else; reload it and try again")
        if current.unlocked_at is not None:
            raise ActionRefused(f"lock {lock_id} is already unlocked")
        raise ActionRefused(
            f"lock {lock_id}: {action.split('.')[-1].replace('_', ' ')} is not possible now"
            f" (request {current.request_status or 'none'})"
        )
    case_id = conn.execute(select(LOCKS.c.case_id).where(LOCKS.c.id == lock_id)).scalar_one()
    audit.record(conn, now, who.login, action, "case_lock", str(lock_id), case_id, detail)


def _reason(reason: str, what: str) -> str:
    if not reason or not reason.strip():
        raise ActionRefused(f"{what} needs a reason")
    return reason.strip()


def require_request(conn: Connection, who: Actor, lock_id: int) -> None:
    """An officer asks for the unlock of their team's case (or their own)."""
    case_id = conn.execute(select(LOCKS.c.case_id).where(LOCKS.c.id == lock_id)).scalar_one_or_none()
    if case_id is None:
        require(conn, who, "request_unlock")
        raise ActionRefused(f"lock {lock_id} does not exist")
    require_case(conn, who, "request_unlock", case_id)


def request_unlock(db: Database, lock_id: int, version: int, who: Actor, now: datetime, reason: str) -> None:
    """An officer asks the chief to unlock (申请解锁); one request at a time."""
    with db.engine.begin() as conn:
        require_request(conn, who, lock_id)
        reason = _reason(reason, "an unlock request")
        _change(
            conn,
            lock_id,
            version,
            who,
            now,
            "lock.unlock_requested",
            {"request_status": "pending", "requested_at": now, "requested_by": who.id, "request_reason": reason},
            or_(LOCKS.c.request_status.is_(None), LOCKS.c.request_status == "rejected"),
            {"reason": reason},
        )


def require_decision(conn: Connection, who: Actor, action: str, lock_id: int, by_parent: tuple[str, ...]) -> None:
    """A chief decides on the locks of the courts theirs covers; where the case's court is one of
    ``by_parent`` (the setting ``unlock_by_parent``, 提级解锁), a chief of a higher court."""
    case_id = conn.execute(select(LOCKS.c.case_id).where(LOCKS.c.id == lock_id)).scalar_one_or_none()
    if case_id is None:
        require(conn, who, action)
        raise ActionRefused(f"lock {lock_id} does not exist")
    require_higher(conn, who, action, case_id, by_parent)


def unlock(
    db: Database,
    lock_id: int,
    version: int,
    who: Actor,
    now: datetime,
    reason: str,
    *,
    by_parent: tuple[str, ...] = (),
) -> None:
    """A chief unlocks the case (granting a pending request, or on his own), with a reason."""
    with db.engine.begin() as conn:
        require_decision(conn, who, "unlock", lock_id, by_parent)
        reason = _reason(reason, "an unlock")
        _change(
            conn,
            lock_id,
            version,
            who,
            now,
            "lock.unlocked",
            {"unlocked_at": now, "unlocked_by": who.id, "unlock_reason": reason, "request_status": None},
            true(),
            {"reason": reason},
        )


def reject_unlock(
    db: Database,
    lock_id: int,
    version: int,
    who: Actor,
    now: datetime,
    reason: str,
    *,
    by_parent: tuple[str, ...] = (),
) -> None:
    """A chief rejects a pending unlock request; the case stays locked."""
    with db.engine.begin() as conn:
        require_decision(conn, who, "reject_unlock", lock_id, by_parent)
        reason = _reason(reason, "a rejection")
        _change(
            conn,
            lock_id,
            version,
            who,
            now,
            "lock.unlock_rejected",
            {"request_status": "rejected"},
            LOCKS.c.request_status == "pending",
            {"reason": reason},
        )
