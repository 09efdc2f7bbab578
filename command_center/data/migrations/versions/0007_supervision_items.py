"""临时督办: ad-hoc supervision items (each is also a manual node instance with code DB).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from command_center.data.types import AwareDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("due_at", AwareDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=50), nullable=False),
        sa.Column("created_at", AwareDateTime(), nullable=False),
        sa.Column("completed_at", AwareDateTime(), nullable=True),
        sa.Column("completion_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["officers.id"], name=op.f("fk_supervision_items_assignee_id_officers")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_supervision_items_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_items")),
    )
    op.create_index(op.f("ix_supervision_items_case_id"), "supervision_items", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_supervision_items_case_id"), table_name="supervision_items")
    op.drop_table("supervision_items")
