"""The audit log: every action and import, append-only, each entry chained to the one before.

The database refuses UPDATE and DELETE on ``audit_log`` (triggers), and on PostgreSQL the
terminals and schedulers can run as a role that may only INSERT and SELECT it
(``command-center db grant``).  The owner of the database could still switch the triggers
off; so each entry carries ``hash = sha256(hash of the entry before + sha256 of its own
content)``, and :func:`verify` (``command-center audit --verify``) walks the log and names the
first entry that was changed, or before which one was removed or slipped in.  Its last hash
(the head) is worth keeping elsewhere: no one can then rewrite the log from the start either.

Entries are chained in the order of their ids.  On PostgreSQL each writing transaction takes
an advisory lock before it reads the head and holds it until it commits (an import holds
back the others' entries only from its own, at its end, to its commit); on SQLite the INSERT
itself reads the head and hashes, under the database's write lock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, func, select, text

from command_center.data.engine import Database
from command_center.data.tables import AUDIT, CASES

#: PostgreSQL advisory lock: one transaction at a time appends to the chain
LOCK_KEY = 0x43430003
COLUMNS = ("at", "actor", "action", "entity", "entity_id", "case_id", "detail")


def sha256_hex(text_: str) -> str:
    return hashlib.sha256(text_.encode("utf-8")).hexdigest()


def content_hash(entry: Mapping) -> str:
    """The sha256 of an entry's content, as written and as read back (UTC instant to the
    microsecond, the detail as sorted JSON)."""
    at = entry["at"].astimezone(UTC).isoformat(timespec="microseconds")
    content = [
        at,
        entry["actor"],
        entry["action"],
        entry["entity"],
        entry.get("entity_id"),
        entry.get("case_id"),
        entry.get("detail"),
    ]
    return sha256_hex(json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def chained(previous: str | None, content: str) -> str:
    return sha256_hex((previous or "") + content)


def _append_sqlite():
    """SQLite: one INSERT … SELECT per entry that reads the head and hashes (cc_sha256, which
    data/engine.py registers on every connection) in the same statement, so that it needs
    the write lock before it reads the head."""
    head = select(AUDIT.c.hash).order_by(AUDIT.c.id.desc()).limit(1).scalar_subquery()
    digest = func.cc_sha256(func.coalesce(head, "") + bindparam("content"))
    values = [bindparam(c, type_=AUDIT.c[c].type) for c in COLUMNS]
    return AUDIT.insert().from_select([*COLUMNS, "hash"], select(*values, digest))


def record_many(conn: Connection, entries: Iterable[Mapping]) -> int:
    """Append ``entries`` (dicts of :data:`COLUMNS`) inside the caller's transaction, in order."""
    rows = [{c: entry.get(c) for c in COLUMNS} for entry in entries]
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        # the lock first, then the head: whoever appended before has committed and released it
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        previous = conn.execute(select(AUDIT.c.hash).order_by(AUDIT.c.id.desc()).limit(1)).scalar_one_or_none()
        for row in rows:
            previous = row["hash"] = chained(previous, content_hash(row))
        for start in range(0, len(rows), 5_000):
            conn.execute(AUDIT.insert(), rows[start : start + 5_000])
        return len(rows)
    statement = _append_sqlite()
    for row in rows:
        conn.execute(statement, row | {"content": content_hash(row)})
    return len(rows)


def record(
    conn: Connection,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None = None,
    case_id: int | None = None,
    detail: dict | None = None,
) -> None:
    """Append one entry inside the caller's transaction."""
    record_many(
        conn,
        [
            {
                "at": at,
                "actor": actor,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "case_id": case_id,
                "detail": detail,
            }
        ],
    )


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    detail: dict | None
    case_no: str | None = None  # the case it concerns, if any


def audit_trail(db: Database, *, case_id: int | None = None, limit: int | None = None) -> list[AuditLine]:
    """The audit log, newest first (one case's, or the whole court's), with each entry's 案号."""
    query = (
        select(AUDIT, CASES.c.case_no)
        .select_from(AUDIT.outerjoin(CASES, CASES.c.id == AUDIT.c.case_id))
        .order_by(AUDIT.c.at.desc(), AUDIT.c.id.desc())
    )
    if case_id is not None:
        query = query.where(AUDIT.c.case_id == case_id)
    if limit is not None:
        query = query.limit(limit)
    with db.engine.connect() as conn:
        return [
            AuditLine(r.at, r.actor, r.action, r.entity, r.entity_id, r.detail, r.case_no) for r in conn.execute(query)
        ]


@dataclass(frozen=True)
class Verification:
    entries: int
    head: str | None  # the last entry's hash
    broken_at: int | None  # the id of the first entry whose hash does not follow (None: intact)
    reason: str | None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(db: Database, *, batch: int = 10_000) -> Verification:
    """Walk the whole log in id order and check every link of the chain."""
    previous, count, last_id = None, 0, 0
    with db.engine.connect() as conn:
        while True:
            rows = conn.execute(
                select(AUDIT.c.id, AUDIT.c.hash, *[AUDIT.c[c] for c in COLUMNS])
                .where(AUDIT.c.id > last_id)
                .order_by(AUDIT.c.id)
                .limit(batch)
            ).all()
            for row in rows:
                expected = chained(previous, content_hash(row._mapping))
                if row.hash != expected:
                    reason = (
                        "its hash is missing"
                        if row.hash is None
                        else "its content was changed, or an entry before it was removed or inserted"
                    )
                    return Verification(count, previous, row.id, reason)
                previous, count, last_id = row.hash, count + 1, row.id
            if len(rows) < batch:
                return Verification(count, previous, None, None)
