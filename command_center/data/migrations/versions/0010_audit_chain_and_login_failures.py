"""The audit log's hash chain, and wrong passwords counted per login.

Each audit entry gets ``hash = sha256(previous entry's hash + sha256 of its content)``
(data/audit.py); the entries already there are chained here, in id order, so the whole log
can be verified.  ``login_failures`` counts wrong passwords in a row per login and locks it
for a growing time after a few.

Revision ID: 0010
Revises: 0009
"""

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from command_center.data.types import AwareDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

AUDIT = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", AwareDateTime()),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("case_id", sa.Integer),
    sa.column("detail", sa.JSON),
    sa.column("hash", sa.String),
)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _content(row) -> str:
    """As data/audit.py's content_hash at the time of this migration (kept here so that a later
    change there cannot change what this migration wrote)."""
    at = row.at.astimezone(UTC).isoformat(timespec="microseconds")
    content = [at, row.actor, row.action, row.entity, row.entity_id, row.case_id, row.detail]
    return _sha256(json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def _guards(enabled: bool) -> None:
    """The append-only triggers of 0001, off while the existing entries get their hash."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE audit_log {'ENABLE' if enabled else 'DISABLE'} TRIGGER audit_log_append_only")
        return
    for verb in ("UPDATE", "DELETE"):
        if enabled:
            op.execute(f"""CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
                           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END""")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_table(
        "login_failures",
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", AwareDateTime(), nullable=False),
        sa.Column("locked_until", AwareDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_login_failures")),
    )
    conn = op.get_bind()
    if conn.execute(sa.select(sa.func.count()).select_from(AUDIT)).scalar_one():
        _guards(False)
        previous, last = None, 0
        while True:
            rows = conn.execute(sa.select(AUDIT).where(AUDIT.c.id > last).order_by(AUDIT.c.id).limit(5000)).all()
            for row in rows:
                previous = _sha256((previous or "") + _content(row))
                conn.execute(sa.update(AUDIT).where(AUDIT.c.id == row.id).values(hash=previous))
                last = row.id
            if len(rows) < 5000:
                break
        _guards(True)


def downgrade() -> None:
    op.drop_table("login_failures")
    _guards(False)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("hash")
    _guards(True)
