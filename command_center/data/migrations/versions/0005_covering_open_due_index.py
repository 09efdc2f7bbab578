"""The wall's open-node questions answered from one partial index.

Most nodes are long past their deadline and completed; of the open ones few are overdue, but
PostgreSQL, judging by the whole table, expected most to be, and SQLite without statistics
took ``completed_at IS NULL`` for a selective equality: both scanned the completed_at index
and the heap (200 ms on PostgreSQL, 400 ms on SQLite at 100,000 cases, per query). Now the
open-node deadline index carries the columns those queries read (index-only), and the
completed_at index holds only completed nodes, so it is no candidate for open ones.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OPEN_NODE = sa.text("completed_at IS NULL AND stopped_at IS NULL")
COMPLETED_NODE = sa.text("completed_at IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_node_instances_open_due", table_name="node_instances")
    op.create_index(
        "ix_node_instances_open_due",
        "node_instances",
        ["due_at", "case_id", "node_code", "subject_id", "due_date", "provisional"],
        unique=False,
        sqlite_where=OPEN_NODE,
        postgresql_where=OPEN_NODE,
    )
    op.drop_index("ix_node_instances_completed_at", table_name="node_instances")
    op.create_index(
        "ix_node_instances_completed_at",
        "node_instances",
        ["completed_at"],
        unique=False,
        sqlite_where=COMPLETED_NODE,
        postgresql_where=COMPLETED_NODE,
    )


def downgrade() -> None:
    op.drop_index("ix_node_instances_completed_at", table_name="node_instances")
    op.create_index("ix_node_instances_completed_at", "node_instances", ["completed_at"], unique=False)
    op.drop_index("ix_node_instances_open_due", table_name="node_instances")
    op.create_index(
        "ix_node_instances_open_due",
        "node_instances",
        ["due_at"],
        unique=False,
        sqlite_where=OPEN_NODE,
        postgresql_where=OPEN_NODE,
    )
