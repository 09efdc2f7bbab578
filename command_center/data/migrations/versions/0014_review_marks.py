"""评查: the items of the scheduler's review lists marked 合格 / 不合格 (issue 26).

A failed item opens a rectification item (a supervision item, ``item_id``).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

from command_center.data.types import AwareDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=100), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("marked_by", sa.String(length=50), nullable=False),
        sa.Column("marked_at", AwareDateTime(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("result IN ('pass', 'fail')", name=op.f("ck_review_marks_result")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["supervision_items.id"], name=op.f("fk_review_marks_item_id_supervision_items")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["review_lists.id"], name=op.f("fk_review_marks_list_id_review_lists"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_marks")),
        sa.UniqueConstraint("list_id", "item_key", name="uq_review_marks_item"),
    )
    op.create_index(op.f("ix_review_marks_list_id"), "review_marks", ["list_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_review_marks_list_id"), table_name="review_marks")
    op.drop_table("review_marks")
