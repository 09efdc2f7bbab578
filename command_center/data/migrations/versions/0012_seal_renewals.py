"""Seals expire too (DOMAIN.md §9): a seized asset's renewal, ``renewed_until`` (续封至).

A seal or seizure lapses on its expiry unless renewed; node N48 is due on the current expiry:
``renewed_until`` when renewed, else ``seal_expires_on``, else the seizure date plus its kind's
maximum.  A plain ``ADD COLUMN`` on both backends (SQLite keeps the table and its triggers).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("seized_assets", sa.Column("renewed_until", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("seized_assets", "renewed_until")  # SQLite ≥ 3.35 drops it in place, triggers kept
