"""Who acts (issue 23): team leaders, groups, the recipient's phone and digests in the outbox.

- ``officers.team_leader``: 团队长, the owner of the nodes the catalogue gives the team leader;
- ``officer_groups``: a user's groups (账户管理员, 款物管理组 …), the owners of the nodes the
  catalogue gives a group;
- ``alerts.escalation_level`` / ``escalated_at``: how far up the chain (officer → team leader →
  bureau chief) an alert nobody acted on went, and when;
- ``notification_outbox.phone``: where the SMS goes; ``digest_id``: the digest (one send per
  recipient and dispatch) a message went out in; status ``inhibited``: held back for good
  because its case is red.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from command_center.data.types import AwareDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

STATUSES = "status IN ('pending', 'sending', 'sent', 'failed', 'inhibited')"
OLD_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed')"


def upgrade() -> None:
    # plain ADD COLUMNs, not batches: SQLite would copy officers and alerts, which the rows of
    # the tables referring to them forbid (a court's database with data could not upgrade)
    op.add_column("officers", sa.Column("team_leader", sa.Boolean(), server_default=sa.text("false"), nullable=False))
    op.add_column("alerts", sa.Column("escalation_level", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.add_column("alerts", sa.Column("escalated_at", AwareDateTime(), nullable=True))
    op.create_table(
        "officer_groups",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_officer_groups_officer_id_officers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("officer_id", "group_name", name=op.f("pk_officer_groups")),
    )
    op.create_index(op.f("ix_officer_groups_group_name"), "officer_groups", ["group_name"], unique=False)
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_notification_outbox_digest_id"), ["digest_id"], unique=False)
        batch_op.drop_constraint(op.f("ck_notification_outbox_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notification_outbox_status"), sa.text(STATUSES))


def downgrade() -> None:
    # an inhibited message was never to be sent: it counts as failed (kept, visible) before 0015
    op.execute("UPDATE notification_outbox SET status = 'failed' WHERE status = 'inhibited'")
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_outbox_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notification_outbox_status"), sa.text(OLD_STATUSES))
        batch_op.drop_index(batch_op.f("ix_notification_outbox_digest_id"))
        batch_op.drop_column("digest_id")
        batch_op.drop_column("phone")
    op.drop_index(op.f("ix_officer_groups_group_name"), table_name="officer_groups")
    op.drop_table("officer_groups")
    # not a batch (SQLite would copy the table, which the cases' foreign keys refuse): SQLite
    # drops a plain column in place since 3.35
    op.drop_column("officers", "team_leader")
    op.drop_column("alerts", "escalated_at")
    op.drop_column("alerts", "escalation_level")
