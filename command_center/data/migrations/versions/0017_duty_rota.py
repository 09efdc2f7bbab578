"""The duty rota (值班, issue 23 part 4): who is on duty week by week, and swaps of a day.

- ``duty_rota``: (the week's Monday, position) → officer; the first active officer of the week
  is on duty every day of it, rest days and 调休 included, the others in turn take over;
- ``duty_swaps``: a day covered by another officer than the week's (换班);
- ``notification_outbox.routed_from``: the officer an urgent message was meant for, when a rest
  day sent it to the officer on duty.

Revision ID: 0017
Revises: 0015 (another branch may add 0016: the merge re-points this one)
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duty_rota",
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], name=op.f("fk_duty_rota_officer_id_officers")),
        sa.PrimaryKeyConstraint("week_start", "position", name=op.f("pk_duty_rota")),
    )
    op.create_index(op.f("ix_duty_rota_officer_id"), "duty_rota", ["officer_id"], unique=False)
    op.create_table(
        "duty_swaps",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], name=op.f("fk_duty_swaps_officer_id_officers")),
        sa.ForeignKeyConstraint(["replaces_id"], ["officers.id"], name=op.f("fk_duty_swaps_replaces_id_officers")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_duty_swaps")),
    )
    op.create_index(op.f("ix_duty_swaps_officer_id"), "duty_swaps", ["officer_id"], unique=False)
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("routed_from", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_column("routed_from")
    op.drop_index(op.f("ix_duty_swaps_officer_id"), table_name="duty_swaps")
    op.drop_table("duty_swaps")
    op.drop_index(op.f("ix_duty_rota_officer_id"), table_name="duty_rota")
    op.drop_table("duty_rota")
