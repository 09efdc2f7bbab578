"""The working-day calendar as a table, for set-based due dates; a small key/value state table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 10:33:56.522406
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("workday_seq", sa.Integer(), nullable=False),
        sa.Column("provisional_seq", sa.Integer(), nullable=False),
        sa.Column("roll_to", sa.Date(), nullable=False),
        sa.Column("roll_provisional", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.create_index("ix_calendar_days_workday_seq", ["workday_seq", "is_workday"], unique=False)

    op.create_table(
        "system_state",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_system_state")),
    )


def downgrade() -> None:
    op.drop_table("system_state")
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_days_workday_seq")

    op.drop_table("calendar_days")
