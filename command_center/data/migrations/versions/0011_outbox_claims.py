"""The outbox's claims: a message being sent is ``sending``, claimed by one sender.

A sender claims each message (``pending`` → ``sending``, with its lease holder's name and the
time) in a short transaction of its own before sending it, and records the outcome after, so
two schedulers never send the same message, and a message whose sender died while sending is
found (``sending``, claimed by a holder that is gone) and sent again.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from command_center.data.types import AwareDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STATUSES = "status IN ('pending', 'sending', 'sent', 'failed')"
OLD_STATUSES = "status IN ('pending', 'sent', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", AwareDateTime(), nullable=True))
        batch_op.drop_constraint(op.f("ck_notification_outbox_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notification_outbox_status"), sa.text(STATUSES))


def downgrade() -> None:
    # a message caught mid-send goes back to the queue (it may be sent twice, as after a crash)
    op.execute("UPDATE notification_outbox SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_outbox_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notification_outbox_status"), sa.text(OLD_STATUSES))
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by")
