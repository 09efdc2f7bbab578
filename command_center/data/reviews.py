"""评查 (seed 000): the review lists the scheduler draws up, worked through item by item.

The scheduler stores each period's list (``jobs/reviews.py``): the weekly 10% sample of the
disbursed fund files, the inventory of the seized items every 10 days, every case closed in the
month.  A chief marks each item 合格 (pass) or 不合格 (fail) with a note; a failed item opens a
rectification item for the case (a 临时督办 item with an assignee and a due date), which the
recompute alerts on like any supervision item.  Marking is audited, needs a chief or admin,
and happens once per item (a second mark of the same item is refused, naming the first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from command_center.data import audit
from command_center.data.access import ActionRefused, Actor, require
from command_center.data.engine import Database
from command_center.data.supervision import create_item_in
from command_center.data.tables import CASES, ITEMS, REVIEW_MARKS, REVIEWS

#: each list's item key: what an item is
KEYS = {"fund_sample": "fund_id", "asset_inventory": "asset_id", "closed_review": "case_no"}
KINDS = tuple(KEYS)


@dataclass(frozen=True)
class ReviewItem:
    key: str
    case_no: str
    detail: dict  # the item as the scheduler stored it
    result: str | None = None  # pass / fail / None (not marked yet)
    note: str | None = None
    marked_by: str | None = None
    marked_at: datetime | None = None
    rectification: int | None = None  # the supervision item a failed item opened
    rectified: bool = False  # … and it is completed


@dataclass(frozen=True)
class ReviewList:
    id: int
    kind: str
    period: str
    created_at: datetime
    items: list[ReviewItem] = field(default_factory=list)

    @property
    def marked(self) -> int:
        return sum(1 for i in self.items if i.result)

    @property
    def failed(self) -> int:
        return sum(1 for i in self.items if i.result == "fail")

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "period": self.period,
            "created_at": self.created_at.isoformat(),
            "total": len(self.items),
            "marked": self.marked,
            "failed": self.failed,
            "items": [
                {
                    "key": i.key,
                    "case_no": i.case_no,
                    "detail": i.detail,
                    "result": i.result,
                    "note": i.note,
                    "marked_by": i.marked_by,
                    "marked_at": i.marked_at.isoformat() if i.marked_at else None,
                    "rectification": i.rectification,
                    "rectified": i.rectified,
                }
                for i in self.items
            ],
        }


def latest_lists(db: Database, kinds: tuple[str, ...] = KINDS) -> list[ReviewList]:
    """The latest list of each kind, with each item's mark."""
    with db.engine.connect() as conn:
        latest = (
            select(REVIEWS.c.kind, func.max(REVIEWS.c.period).label("period"))
            .where(REVIEWS.c.kind.in_(kinds))
            .group_by(REVIEWS.c.kind)
            .subquery()
        )
        rows = conn.execute(
            select(REVIEWS).join(latest, (latest.c.kind == REVIEWS.c.kind) & (latest.c.period == REVIEWS.c.period))
        ).all()
        found = {row.kind: _with_marks(conn, row) for row in rows}
    return [found[kind] for kind in kinds if kind in found]


def _with_marks(conn: Connection, row) -> ReviewList:
    marks = {
        m.item_key: m
        for m in conn.execute(
            select(REVIEW_MARKS, ITEMS.c.completed_at)
            .select_from(REVIEW_MARKS.outerjoin(ITEMS, ITEMS.c.id == REVIEW_MARKS.c.item_id))
            .where(REVIEW_MARKS.c.list_id == row.id)
        )
    }
    key = KEYS[row.kind]
    items = []
    for item in row.items.get("items", []):
        mark = marks.get(str(item[key]))
        items.append(
            ReviewItem(
                key=str(item[key]),
                case_no=item.get("case_no", ""),
                detail=item,
                result=mark.result if mark else None,
                note=mark.note if mark else None,
                marked_by=mark.marked_by if mark else None,
                marked_at=mark.marked_at if mark else None,
                rectification=mark.item_id if mark else None,
                rectified=bool(mark and mark.completed_at),
            )
        )
    return ReviewList(row.id, row.kind, row.period, row.created_at, items)


def mark(
    db: Database,
    list_id: int,
    key: str,
    who: Actor,
    now: datetime,
    *,
    passed: bool,
    note: str = "",
    assignee_id: int | None = None,
    due: date | None = None,
) -> int | None:
    """Mark one item; a failed one opens its rectification item (returns its id).  Refused
    (:class:`ActionRefused`) for a user who may not, an item not on the list, a second mark, or
    a failed item without a note, an assignee and a due date."""
    with db.engine.begin() as conn:
        require(conn, who, "review_mark")
        row = conn.execute(select(REVIEWS).where(REVIEWS.c.id == list_id)).one_or_none()
        if row is None:
            raise ActionRefused(f"no review list {list_id}")
        item = next((i for i in row.items.get("items", []) if str(i[KEYS[row.kind]]) == key), None)
        if item is None:
            raise ActionRefused(f"{key} is not on the list {row.kind} {row.period}")
        item_id = None
        if not passed:
            if not note.strip() or assignee_id is None or due is None:
                raise ActionRefused("a failed item needs a note, an assignee and a due date for its rectification")
            case_id = conn.execute(select(CASES.c.id).where(CASES.c.case_no == item["case_no"])).scalar_one()
            item_id = create_item_in(
                conn, case_id, who, now, description=f"整改 ({row.period} {key}): {note.strip()}",
                assignee_id=assignee_id, due=due,
            )  # fmt: skip
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(REVIEW_MARKS).values(
                        list_id=list_id,
                        item_key=key,
                        result="pass" if passed else "fail",
                        note=note.strip() or None,
                        marked_by=who.login,
                        marked_at=now,
                        item_id=item_id,
                    )
                )
        except IntegrityError:
            first = conn.execute(
                select(REVIEW_MARKS.c.marked_by, REVIEW_MARKS.c.result).where(
                    REVIEW_MARKS.c.list_id == list_id, REVIEW_MARKS.c.item_key == key
                )
            ).one()
            raise ActionRefused(f"{key} was already marked {first.result} by {first.marked_by}") from None
        audit.record(
            conn,
            now,
            who.login,
            "review.marked",
            "review_list",
            f"{list_id}:{key}"[:64],
            None,
            {"result": "pass" if passed else "fail", "note": note.strip(), "rectification": item_id},
        )
    return item_id
