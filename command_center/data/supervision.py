"""临时督办: ad-hoc supervision items, e.g. after a phone call to the command centre.

An item is written with a node instance of its own (code ``DB``, subject ``DB<id>``, source
``manual``, due at the end of its due date), so the recompute treats it like any other
deadline: due soon within two working days (it shows on the wall's due-soon panel), then
overdue with its tiers and the response each tier demands, and resolved once the item is
completed.  Creating and completing are audited and need an officer, chief or admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select, update

from command_center.data import audit
from command_center.data.access import ActionRefused, Actor, require, require_case
from command_center.data.duty import duty_officer_id
from command_center.data.engine import Database
from command_center.data.rules import AD_HOC_CODE
from command_center.data.tables import CASES, ITEMS, NODES, OFFICERS
from command_center.data.workcal import end_of_day, local_date


@dataclass(frozen=True)
class ItemRow:
    id: int
    subject_id: str
    description: str
    assignee: str
    due_at: datetime
    created_by: str
    created_at: datetime
    completed_at: datetime | None
    completion_note: str | None


def subject_of(item_id: int) -> str:
    return f"{AD_HOC_CODE}{item_id}"


def require_supervise(conn, who: Actor, case_id: int, now: datetime) -> None:
    """An officer opens a 督办 item on their team's cases, or on any case while on duty (值班
    takes the phone calls); chiefs on every case of the courts their code covers."""
    on_duty = duty_officer_id(conn, local_date(now))
    require_case(conn, who, "supervise", case_id, assigned=OFFICERS.c.id == on_duty if on_duty else None)


def require_complete(conn, who: Actor, item_id: int) -> None:
    """An officer completes an item of their team's case, or one assigned to them."""
    item = conn.execute(select(ITEMS.c.case_id, ITEMS.c.assignee_id).where(ITEMS.c.id == item_id)).one_or_none()
    if item is None:
        require(conn, who, "complete_item")
        raise ActionRefused(f"supervision item {item_id} does not exist or is completed already")
    require_case(conn, who, "complete_item", item.case_id, assigned=OFFICERS.c.id == item.assignee_id)


def create_item(
    db: Database, case_id: int, who: Actor, now: datetime, *, description: str, assignee_id: int | None, due: date
) -> int:
    with db.engine.begin() as conn:
        require_supervise(conn, who, case_id, now)
        return create_item_in(conn, case_id, who, now, description=description, assignee_id=assignee_id, due=due)


def create_item_in(
    conn, case_id: int, who: Actor, now: datetime, *, description: str, assignee_id: int | None, due: date
) -> int:
    """:func:`create_item` inside the caller's transaction (its checks of the user done): a
    review's rectification is written with the mark that opens it, or not at all.

    Without an ``assignee_id`` the item goes to the officer on duty today (值班, DOMAIN.md §10:
    ad-hoc supervision from a phone call), or the case's officer when nobody is on the rota."""
    if not description or not description.strip():
        raise ActionRefused("a supervision item needs a description")
    if due < local_date(now):
        raise ActionRefused(f"the due date {due} is in the past")
    case_officer = conn.execute(select(CASES.c.officer_id).where(CASES.c.id == case_id)).first()
    if case_officer is None:
        raise ActionRefused(f"no case with id {case_id}")
    if assignee_id is None:
        assignee_id = duty_officer_id(conn, local_date(now)) or case_officer.officer_id
    active = conn.execute(select(OFFICERS.c.active).where(OFFICERS.c.id == assignee_id)).scalar_one_or_none()
    if not active:
        raise ActionRefused("the assignee is not an active officer")
    due_at = end_of_day(due)
    item_id = conn.execute(
        insert(ITEMS)
        .values(
            case_id=case_id,
            description=description.strip(),
            assignee_id=assignee_id,
            due_at=due_at,
            created_by=who.login,
            created_at=now,
        )
        .returning(ITEMS.c.id)
    ).scalar_one()
    # due_at / due_date are written too, so the deadline shows before the next recompute
    conn.execute(
        insert(NODES).values(
            case_id=case_id,
            node_code=AD_HOC_CODE,
            subject_id=subject_of(item_id),
            started_at=now,
            due_override=due_at,
            due_at=due_at,
            due_date=due,
            provisional=False,
            source="manual",
        )
    )
    audit.record(
        conn,
        now,
        who.login,
        "supervision.created",
        "supervision_item",
        str(item_id),
        case_id,
        {"description": description.strip(), "assignee_id": assignee_id, "due": due.isoformat()},
    )
    return item_id


def complete_item(db: Database, item_id: int, who: Actor, now: datetime, note: str) -> None:
    """Mark the item done; the next recompute resolves its alert."""
    with db.engine.begin() as conn:
        require_complete(conn, who, item_id)
        if not note or not note.strip():
            raise ActionRefused("say what was done")
        case_id = conn.execute(
            update(ITEMS)
            .where(ITEMS.c.id == item_id, ITEMS.c.completed_at.is_(None))
            .values(completed_at=now, completion_note=note.strip())
            .returning(ITEMS.c.case_id)
        ).scalar_one_or_none()
        if case_id is None:
            raise ActionRefused(f"supervision item {item_id} does not exist or is completed already")
        conn.execute(
            update(NODES)
            .where(
                NODES.c.case_id == case_id, NODES.c.node_code == AD_HOC_CODE, NODES.c.subject_id == subject_of(item_id)
            )
            .values(completed_at=now)
        )
        audit.record(
            conn,
            now,
            who.login,
            "supervision.completed",
            "supervision_item",
            str(item_id),
            case_id,
            {"note": note.strip()},
        )


def items_of(db: Database, case_id: int) -> list[ItemRow]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(ITEMS, OFFICERS.c.name.label("assignee_name"))
            .select_from(ITEMS.join(OFFICERS, OFFICERS.c.id == ITEMS.c.assignee_id))
            .where(ITEMS.c.case_id == case_id)
            .order_by(ITEMS.c.id)
        ).all()
    return [
        ItemRow(
            r.id,
            subject_of(r.id),
            r.description,
            r.assignee_name,
            r.due_at,
            r.created_by,
            r.created_at,
            r.completed_at,
            r.completion_note,
        )
        for r in rows
    ]
