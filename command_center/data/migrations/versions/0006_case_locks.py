"""程序锁死: case locks, their unlock requests and the chief's unlock.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from command_center.data.types import AwareDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ACTIVE = sa.text("unlocked_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "case_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("locked_at", AwareDateTime(), nullable=False),
        sa.Column("locked_by", sa.String(length=50), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("request_status", sa.String(length=10), nullable=True),
        sa.Column("requested_at", AwareDateTime(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("request_reason", sa.Text(), nullable=True),
        sa.Column("unlocked_at", AwareDateTime(), nullable=True),
        sa.Column("unlocked_by", sa.Integer(), nullable=True),
        sa.Column("unlock_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "request_status IS NULL OR request_status IN ('pending', 'rejected')",
            name=op.f("ck_case_locks_request_status"),
        ),
        sa.CheckConstraint(
            "unlocked_at IS NULL OR unlock_reason IS NOT NULL", name=op.f("ck_case_locks_unlock_has_reason")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_locks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["requested_by"], ["officers.id"], name=op.f("fk_case_locks_requested_by_officers")),
        sa.ForeignKeyConstraint(["unlocked_by"], ["officers.id"], name=op.f("fk_case_locks_unlocked_by_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_locks")),
    )
    op.create_index(
        "ix_case_locks_active", "case_locks", ["case_id"], unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE
    )
    op.create_index("ix_case_locks_case", "case_locks", ["case_id", "locked_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_locks_case", table_name="case_locks")
    op.drop_index("ix_case_locks_active", table_name="case_locks")
    op.drop_table("case_locks")
