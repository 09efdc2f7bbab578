"""Applicants' progress messages (节点短信推送, issue 23 part 3): a party may opt out.

- ``parties.notify_opt_out``: the party asked to get no progress messages (``party opt-out``);
  every applicant with a phone gets them otherwise, for the nodes the catalogue's
  ``notify_applicant`` column chooses.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("parties", sa.Column("notify_opt_out", sa.Boolean(), server_default=sa.text("false"), nullable=False))


def downgrade() -> None:
    op.drop_column("parties", "notify_opt_out")  # SQLite ≥ 3.35 drops it in place, triggers kept
