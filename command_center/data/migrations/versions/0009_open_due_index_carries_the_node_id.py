"""The open-node deadline index carries the node's id, so the recompute's alert pass reads it alone.

Every recompute gathers the open nodes that are overdue or due soon, with their ids.  Without
the id in the index PostgreSQL fetched the heap page of each open node due within the
widest due-soon window: 0.8 s at 1,000,000 cases, on every run, against 0.2 s from the
index alone.  (SQLite's rowid is in every index already; the column changes nothing there.)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OPEN_NODE = sa.text("completed_at IS NULL AND stopped_at IS NULL")
COLUMNS = ["due_at", "case_id", "node_code", "subject_id", "due_date", "provisional"]


def upgrade() -> None:
    op.drop_index("ix_node_instances_open_due", table_name="node_instances")
    op.create_index(
        "ix_node_instances_open_due",
        "node_instances",
        [*COLUMNS, "id"],
        unique=False,
        sqlite_where=OPEN_NODE,
        postgresql_where=OPEN_NODE,
    )


def downgrade() -> None:
    op.drop_index("ix_node_instances_open_due", table_name="node_instances")
    op.create_index(
        "ix_node_instances_open_due",
        "node_instances",
        COLUMNS,
        unique=False,
        sqlite_where=OPEN_NODE,
        postgresql_where=OPEN_NODE,
    )
