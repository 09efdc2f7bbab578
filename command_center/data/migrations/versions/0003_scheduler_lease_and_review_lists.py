"""The scheduler's lease (one active scheduler per database), supervision review lists, and an
index for the applicant's node-completion messages.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 10:44:34.720189
"""

import sqlalchemy as sa
from alembic import op

import command_center.data.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("created_at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('fund_sample', 'asset_inventory', 'closed_review')", name=op.f("ck_review_lists_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_lists")),
        sa.UniqueConstraint("kind", "period", name="uq_review_lists_key"),
    )
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("token", sa.Integer(), nullable=False),
        sa.Column("expires_at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.Column("renewed_at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_lease")),
    )
    with op.batch_alter_table("node_instances", schema=None) as batch_op:
        batch_op.create_index("ix_node_instances_completed_at", ["completed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("node_instances", schema=None) as batch_op:
        batch_op.drop_index("ix_node_instances_completed_at")

    op.drop_table("scheduler_lease")
    op.drop_table("review_lists")
